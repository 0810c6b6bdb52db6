package io.rhizome.transport.libp2p.internal.mdns;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/** A pending rendezvous lookup of {@link MdnsPeerDiscovery}; {@code nextQuery} is touched by the mDNS thread only. */
final class RendezvousFind {
    final String key;
    final long deadline;
    final CompletableFuture<List<Multiaddr>> result = new CompletableFuture<>();
    long nextQuery;

    RendezvousFind(String key, long deadline) {
        this.key = key;
        this.deadline = deadline;
    }
}
