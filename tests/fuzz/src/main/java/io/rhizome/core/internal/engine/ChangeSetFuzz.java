package io.rhizome.core.internal.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.rhizome.core.internal.engine.ChangeSetCodec.InvalidChangeSetException;
import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;

/**
 * The change-set codec: log and wire entries (envelopes of format 1 and 2), change sets and scoped
 * bodies, whose documented error is {@link InvalidChangeSetException}. The first input byte picks
 * the decoder (0: entry, 1: change set, 2: scoped body); the rest is what it decodes. What is
 * accepted must encode again and decode to an equal value.
 */
public final class ChangeSetFuzz implements Target {

    private static final ChangeSetCodec CODEC = new ChangeSetCodec();
    private static final Contract CONTRACT = Contract.typed(InvalidChangeSetException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 3) {
            case 0 -> {
                LogRecord[] r = new LogRecord[1];
                if (CONTRACT.check(body, () -> r[0] = CODEC.decodeEntry(body))) {
                    byte[] again = r[0] instanceof Envelope e ? CODEC.encode(e) : CODEC.encode((ScopedEnvelope) r[0]);
                    roundTrip(() -> CODEC.decodeEntry(again).stream().equals(r[0].stream()));
                }
            }
            case 1 -> {
                ChangeSet[] c = new ChangeSet[1];
                if (CONTRACT.check(body, () -> c[0] = CODEC.decodeChangeSet(body))) {
                    roundTrip(() -> sameChangeSet(CODEC.decodeChangeSet(CODEC.encode(c[0])), c[0]));
                }
            }
            default -> {
                ScopedBody[] b = new ScopedBody[1];
                if (CONTRACT.check(body, () -> b[0] = CODEC.decodeScopedBody(body))) {
                    roundTrip(() -> CODEC.decodeScopedBody(CODEC.encode(b[0])).states().size() == b[0].states().size());
                }
            }
        }
    }

    private interface Check {
        boolean holds() throws InvalidChangeSetException;
    }

    private static void roundTrip(Check check) {
        try {
            if (!check.holds()) {
                throw new Contract.Violation("an accepted value decodes differently after encoding");
            }
        } catch (InvalidChangeSetException e) {
            throw new Contract.Violation("an accepted value does not decode after encoding: " + e.getMessage());
        }
    }

    private static boolean sameChangeSet(ChangeSet a, ChangeSet b) {
        if (!a.namespace().equals(b.namespace()) || !a.author().equals(b.author()) || a.seq() != b.seq() || a.hlc() != b.hlc()
                || !a.deps().equals(b.deps()) || !a.policyPoint().equals(b.policyPoint()) || a.ops().size() != b.ops().size()) {
            return false;
        }
        for (int i = 0; i < a.ops().size(); i++) {
            ChangeSet.Op x = a.ops().get(i);
            ChangeSet.Op y = b.ops().get(i);
            if (!x.key().equals(y.key()) || !x.type().equals(y.type()) || !Arrays.equals(x.op(), y.op())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<byte[]> seeds() {
        byte[] op = "{\"inc\":1}".getBytes(StandardCharsets.UTF_8);
        ChangeSet cs = new ChangeSet("notes", "device-a", 3, 1_700_000_000_000L << 16, Map.of("notes/device-b", 2L),
                List.of(new ChangeSet.Op("k1", "g-counter", op), new ChangeSet.Op("k2", "lww-register", op)), List.of("h1", "h2"));
        List<byte[]> out = new ArrayList<>();
        out.add(prefixed(0, CODEC.encode(new Envelope(Envelope.VERSION, "notes", "device-a", 3, Envelope.PLAIN_EPOCH, CODEC.encode(cs)))));
        out.add(prefixed(0, CODEC.encode(new ScopedEnvelope(ScopedEnvelope.VERSION, "notes", "device-a", 3, 2, "device-c",
                "key-prefix:a", CODEC.encode(new ScopedBody(5, 6, cs.ops()))))));
        out.add(prefixed(1, CODEC.encode(cs)));
        out.add(prefixed(1, CODEC.encode(new ChangeSet("prefs", "device-b", 1, 1, Map.of(), List.of()))));
        out.add(prefixed(2, CODEC.encode(new ScopedBody(5, 6, cs.ops()))));
        return out;
    }

    static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }
}
