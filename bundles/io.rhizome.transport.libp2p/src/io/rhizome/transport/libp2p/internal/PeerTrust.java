package io.rhizome.transport.libp2p.internal;

import io.rhizome.transport.libp2p.internal.multiformats.PeerId;

/**
 * Whether a peer that Noise authenticated is a trusted (paired) device. Asked on I/O threads, so it
 * must answer from memory. The node answers from every {@code TrustedDevices} service; a host used
 * on its own (tests, benchmarks, interop) trusts {@link #EVERYONE}.
 */
@FunctionalInterface
public interface PeerTrust {

    PeerTrust EVERYONE = peer -> true;

    boolean trusts(PeerId peer);
}
