package io.rhizome.core.internal.protocol;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The messages of the sync protocol {@code /rhizome/sync/1.0.0}. Immutable; encoded as CBOR maps
 * with a type tag {@code t} by {@link MessageCodec}.
 *
 * <p>Flow: {@link Hello} → {@link HelloAck}; each side sends a {@link SyncRequest} with its version
 * vector and answers the other's with {@link SyncState} followed by the {@link EventBatch}es the
 * other lacks (the last one {@code finalBatch}); every batch is answered with {@link EventAck} (or
 * {@link Error}); afterwards new local change sets flow as batches as they are written.
 * Version vectors map a stream id ({@code namespace|deviceId}) to the highest change-set number
 * held.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "t")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Message.Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = Message.HelloAck.class, name = "hello-ack"),
        @JsonSubTypes.Type(value = Message.SyncRequest.class, name = "sync-request"),
        @JsonSubTypes.Type(value = Message.SyncState.class, name = "sync-state"),
        @JsonSubTypes.Type(value = Message.EventBatch.class, name = "event-batch"),
        @JsonSubTypes.Type(value = Message.EventAck.class, name = "event-ack"),
        @JsonSubTypes.Type(value = Message.EventNotify.class, name = "event-notify"),
        @JsonSubTypes.Type(value = Message.Subscribe.class, name = "subscribe"),
        @JsonSubTypes.Type(value = Message.Presence.class, name = "presence"),
        @JsonSubTypes.Type(value = Message.Error.class, name = "error") })
public sealed interface Message {

    /** Protocol version this node speaks. */
    String PROTOCOL_VERSION = "1.0.0";
    /** The protocol id on transports that name stream protocols (libp2p). */
    String PROTOCOL_ID = "/rhizome/sync/" + PROTOCOL_VERSION;
    /** The optional {@link Presence} message kind, announced in {@link Hello#features()}. */
    String FEATURE_PRESENCE = "presence";

    /**
     * First message of the side that opened the link. {@code wallMillis}: the sender's wall clock
     * when it sent the message (null from nodes that predate it), so each side can tell whether its
     * clock is beyond the drift limit from the other's. {@code features}: optional message kinds the
     * sender understands (e.g. {@value #FEATURE_PRESENCE}); a node sends such a message only to a
     * peer that listed it, since a node that predates a kind closes the link on it. Older nodes
     * ignore the field, and send none.
     */
    record Hello(String protocolVersion, String deviceId, List<String> namespaces, String agent, Long wallMillis, List<String> features)
            implements Message {
        public Hello {
            Objects.requireNonNull(protocolVersion, "protocolVersion");
            Objects.requireNonNull(deviceId, "deviceId");
            namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
            agent = agent == null ? "" : agent;
            features = features == null ? List.of() : List.copyOf(features);
        }

        /** Without optional features (nodes before they were announced). */
        public Hello(String protocolVersion, String deviceId, List<String> namespaces, String agent, Long wallMillis) {
            this(protocolVersion, deviceId, namespaces, agent, wallMillis, List.of());
        }

        /** Without the sender's wall clock (nodes before it was sent). */
        public Hello(String protocolVersion, String deviceId, List<String> namespaces, String agent) {
            this(protocolVersion, deviceId, namespaces, agent, null, List.of());
        }
    }

    /** Answer to {@link Hello}. */
    record HelloAck(String protocolVersion, String deviceId, List<String> namespaces, String agent, Long wallMillis, List<String> features)
            implements Message {
        public HelloAck {
            Objects.requireNonNull(protocolVersion, "protocolVersion");
            Objects.requireNonNull(deviceId, "deviceId");
            namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
            agent = agent == null ? "" : agent;
            features = features == null ? List.of() : List.copyOf(features);
        }

        /** Without optional features (nodes before they were announced). */
        public HelloAck(String protocolVersion, String deviceId, List<String> namespaces, String agent, Long wallMillis) {
            this(protocolVersion, deviceId, namespaces, agent, wallMillis, List.of());
        }

        /** Without the sender's wall clock (nodes before it was sent). */
        public HelloAck(String protocolVersion, String deviceId, List<String> namespaces, String agent) {
            this(protocolVersion, deviceId, namespaces, agent, null, List.of());
        }
    }

    /** "This is what I have; send me what I lack." */
    record SyncRequest(Map<String, Long> versions) implements Message {
        public SyncRequest {
            versions = versions == null ? Map.of() : Map.copyOf(versions);
        }
    }

    /** "This is what I have" — the answer to a {@link SyncRequest}, before the batches. */
    record SyncState(Map<String, Long> versions) implements Message {
        public SyncState {
            versions = versions == null ? Map.of() : Map.copyOf(versions);
        }
    }

    /**
     * Encoded change-set envelopes, in an order in which they can be applied.
     *
     * @param batchId    sender-chosen id, echoed by the ack
     * @param changeSets each an encoded envelope
     * @param finalBatch whether this ends the catch-up that a {@link SyncRequest} started
     */
    record EventBatch(long batchId, List<byte[]> changeSets, boolean finalBatch) implements Message {
        public EventBatch {
            changeSets = changeSets == null ? List.of() : List.copyOf(changeSets);
        }
    }

    /**
     * A batch was applied (or was already held): the receiver's versions afterwards. Streams the
     * receiver refused are listed in {@code refused}; every other stream of the batch was applied
     * (a refusal holds back only its own stream). {@code wallMillis} is the receiver's wall clock
     * (null from nodes that predate it).
     */
    record EventAck(long batchId, Map<String, Long> versions, List<Refusal> refused, Long wallMillis) implements Message {
        public EventAck {
            versions = versions == null ? Map.of() : Map.copyOf(versions);
            refused = refused == null ? List.of() : List.copyOf(refused);
        }

        public EventAck(long batchId, Map<String, Long> versions) {
            this(batchId, versions, List.of(), null);
        }
    }

    /**
     * One stream of a batch that the receiver refused from {@code seq} on, with the protocol error
     * code and a sentence. The receiver holds everything of that stream up to {@code seq - 1}.
     */
    record Refusal(String stream, long seq, String code, String message) {
        public Refusal {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }

    /** "New change sets exist up to these versions" — for a peer not currently streaming. */
    record EventNotify(Map<String, Long> versions) implements Message {
        public EventNotify {
            versions = versions == null ? Map.of() : Map.copyOf(versions);
        }
    }

    /** Which namespaces the sender wants to receive (empty = every namespace both sides have). */
    record Subscribe(List<String> namespaces) implements Message {
        public Subscribe {
            namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        }
    }

    /**
     * The sender's ephemeral presence state (see {@code io.rhizome.api.Presence}), sent only to a
     * trusted peer that announced {@value #FEATURE_PRESENCE}; never stored by either side. Whose
     * state it is comes from the link's authenticated peer, not from the message.
     *
     * @param state     compact JSON, or null: the sender withdrew its state
     * @param ttlMillis how long the receiver keeps it without hearing it again
     */
    record Presence(String state, long ttlMillis) implements Message {
    }

    /**
     * Something was refused. {@code batchId} names the refused batch (or -1). When every stream of
     * a batch was refused for a reason of its own, {@code refused} lists them (the sender holds back
     * exactly those); {@code wallMillis} is the sender's wall clock (null from older nodes).
     *
     * @param fatal whether the sender closes the link after this message
     */
    record Error(String code, String message, long batchId, boolean fatal, List<Refusal> refused, Long wallMillis) implements Message {
        public Error {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
            refused = refused == null ? List.of() : List.copyOf(refused);
        }

        public Error(String code, String message, long batchId, boolean fatal) {
            this(code, message, batchId, fatal, List.of(), null);
        }
    }
}
