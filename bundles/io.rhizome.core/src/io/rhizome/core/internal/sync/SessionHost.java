package io.rhizome.core.internal.sync;

import java.util.Optional;

import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.protocol.Message;
import io.rhizome.core.internal.protocol.MessageCodec;
import io.rhizome.spi.policy.SyncPolicy;

/**
 * What a {@link PeerSession} (and its {@link SessionSender} and {@link SessionReceiver}) needs from
 * the node: what it reads, and where it reports what happens on the link. Called from the
 * session's serial executor; implementations are thread-safe (many sessions call at once).
 */
interface SessionHost {
    SyncEngine engine();

    MessageCodec codec();

    Optional<SyncPolicy> policy();

    PeerBook peers();

    void opened(PeerSession session);

    void closed(PeerSession session, Optional<Throwable> cause);

    void syncCompleted(PeerSession session);

    void error(PeerSession session, String code, String message);

    /** The streams held back between this node and the peer (one object per peer, across sessions). */
    HeldStreams held(String peerId);

    /** What peers say about their clocks. */
    ClockWatch clockWatch();

    /** This node's wall clock (the one its timestamps come from), sent to peers. */
    long wallMillis();

    /** An exchange with the peer completed (a batch acknowledged or applied). */
    void exchanged(PeerSession session);

    /** A stream started or stopped being held back ({@code reason} empty: it flows again). */
    void heldBack(PeerSession session, String direction, String stream, Optional<String> reason);

    /** The peer sent its presence state (or withdrew it). */
    void presence(PeerSession session, Message.Presence presence);
}
