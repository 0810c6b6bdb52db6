package io.rhizome.spi.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Optional capability of a {@link Transport}: meeting a device on the local network by a short
 * shared key, without knowing its address. Pairing uses it: the inviting daemon advertises a hash
 * of part of the pairing code, the joining one looks for it. On {@code libp2p} this is mDNS.
 *
 * <p>The key is public on the network (anyone on the LAN sees it), so it must not reveal a secret;
 * the devices authenticate each other afterwards.
 *
 * <p><b>Threading:</b> thread-safe; {@link #find} never blocks the caller and its stage completes
 * on a transport thread. An advertisement lasts until its handle is closed; while the transport
 * is stopped nothing is announced, and it is announced again when the transport restarts.
 *
 * <p><b>Versioning:</b> Implemented by transport plugins and called by pairing:
 * {@code @ConsumerType}: adding a method to it is a major change of this package.
 *
 * @since 0.1
 */
@ConsumerType
public interface Rendezvous {

    /**
     * Advertises this node under {@code key} (letters, digits and '-', at most 63 characters) until
     * the returned handle is closed.
     *
     * @throws java.io.IOException if the local network cannot be used (no multicast, say)
     */
    AutoCloseable advertise(String key) throws java.io.IOException;

    /**
     * Looks for nodes advertising {@code key}; completes with their addresses (this transport's
     * syntax) as soon as one answers, or with an empty list after {@code timeout}.
     */
    CompletionStage<List<String>> find(String key, Duration timeout);
}
