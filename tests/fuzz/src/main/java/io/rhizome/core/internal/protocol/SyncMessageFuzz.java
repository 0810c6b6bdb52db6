package io.rhizome.core.internal.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;

/**
 * Sync protocol messages ({@code /rhizome/sync/1.0.0}): one frame's bytes into
 * {@link MessageCodec#decode}, whose documented error is {@link ProtocolException}. A message it
 * accepts must encode again and decode to an equal message.
 */
public final class SyncMessageFuzz implements Target {

    private static final MessageCodec CODEC = new MessageCodec();
    private static final Contract CONTRACT = Contract.typed(ProtocolException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        Message[] decoded = new Message[1];
        if (CONTRACT.check(input, () -> decoded[0] = CODEC.decode(input))) {
            Message again;
            try {
                again = CODEC.decode(CODEC.encode(decoded[0]));
            } catch (ProtocolException e) {
                throw new Contract.Violation("an accepted message does not decode after encoding: " + e.getMessage());
            }
            if (!again.getClass().equals(decoded[0].getClass())) {
                throw new Contract.Violation("an accepted message decodes as another type after encoding");
            }
        }
    }

    @Override
    public List<byte[]> seeds() {
        byte[] cs = "change set".getBytes(StandardCharsets.UTF_8);
        List<Message> all = List.of(
                new Message.Hello("1.0.0", "device-a", List.of("notes", "prefs"), "rhizome/0.1", 1_700_000_000_000L, List.of("presence")),
                new Message.HelloAck("1.0.0", "device-b", List.of("notes"), "rhizome/0.1", 1_700_000_000_001L, List.of()),
                new Message.SyncRequest(Map.of("notes/device-a", 3L, "prefs/device-b", 1L)),
                new Message.SyncState(Map.of("notes/device-a", 5L)),
                new Message.EventBatch(7, List.of(cs, cs), true),
                new Message.EventAck(7, Map.of("notes/device-a", 5L), List.of(new Message.Refusal("notes/device-a", 4, "policy", "denied")), 1L),
                new Message.EventNotify(Map.of("notes/device-a", 6L)),
                new Message.Subscribe(List.of("notes")),
                new Message.Presence("online", 30_000),
                new Message.Error("malformed", "bad frame", 7, true, List.of(), null));
        return all.stream().map(CODEC::encode).toList();
    }
}
