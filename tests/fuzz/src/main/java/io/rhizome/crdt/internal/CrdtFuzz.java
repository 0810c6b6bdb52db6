package io.rhizome.crdt.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * CRDT state and operation decoding of one built-in type (system property {@code rhizome.fuzz.type},
 * e.g. {@code or-map}): the first input byte picks {@code decodeState} (0), {@code apply} of an
 * operation to a replica that holds data (1) or {@code merge} of a state into it (2). The documented
 * error is {@link CrdtDecodeException}, and on it the replica must be unchanged (its encoded state
 * equal to the one before). A state that decodes must give a value and encode again; an accepted
 * operation or merge must leave a replica whose state encodes and decodes.
 */
public final class CrdtFuzz implements Target {

    static final List<CrdtType> ALL = List.of(new GCounterType(), new PnCounterType(), new GSetType(), new OrSetType(),
            new LwwRegisterType(), new MvRegisterType(), new LwwMapType(), new OrMapType(), new ListType(), new TextType());
    private static final Map<String, CrdtType> BY_NAME = ALL.stream().collect(Collectors.toMap(CrdtType::name, t -> t));
    private static final Function<String, Optional<CrdtType>> TYPES = name -> Optional.ofNullable(BY_NAME.get(name));
    private static final ReplicaContext CONTEXT = new ReplicaContext("device-fuzz", TYPES);
    private static final Contract CONTRACT = Contract.typed(CrdtDecodeException.class);

    private static final Map<String, byte[]> BASE_STATES = new java.util.concurrent.ConcurrentHashMap<>();
    private static CrdtType type;
    private static byte[] baseState;

    public static void fuzzerInitialize() throws Exception {
        String name = System.getProperty("rhizome.fuzz.type", "or-map");
        type = BY_NAME.get(name);
        if (type == null) {
            throw new IllegalArgumentException("rhizome.fuzz.type must be one of " + BY_NAME.keySet() + ", not '" + name + "'");
        }
        baseState = baseState(type);
    }

    private static byte[] baseState(CrdtType t) throws Exception {
        byte[] b = BASE_STATES.get(t.name());
        if (b == null) {
            b = replicaWithData(t, "device-base", 1).encodeState();
            BASE_STATES.put(t.name(), b);
        }
        return b;
    }

    public static void fuzzerTestOneInput(byte[] input) throws Exception {
        if (type == null) {
            fuzzerInitialize();
        }
        fuzz(type, baseState, input);
    }

    /** One input against the type called {@code name} (for {@code AllFuzz}, which drives every target in one process). */
    public static void fuzzType(String name, byte[] input) throws Exception {
        CrdtType t = BY_NAME.get(name);
        fuzz(t, baseState(t), input);
    }

    private static void fuzz(CrdtType type, byte[] baseState, byte[] input) throws Exception {
        if (input.length == 0) {
            return;
        }
        byte[] bytes = Arrays.copyOfRange(input, 1, input.length);
        switch ((input[0] & 0xFF) % 3) {
            case 0 -> {
                CrdtReplica[] r = new CrdtReplica[1];
                if (CONTRACT.check(bytes, () -> {
                    r[0] = type.decodeState(CONTEXT, bytes);
                    r[0].value();
                    r[0].exportValue();
                })) {
                    stillValid(type, r[0]);
                }
            }
            case 1 -> {
                CrdtReplica replica = type.decodeState(CONTEXT, baseState);
                if (CONTRACT.check(bytes, () -> replica.apply(bytes))) {
                    stillValid(type, replica);
                } else {
                    Contract.unchanged("the replica (apply)", baseState, replica.encodeState());
                }
            }
            default -> {
                CrdtReplica replica = type.decodeState(CONTEXT, baseState);
                if (CONTRACT.check(bytes, () -> replica.merge(bytes))) {
                    stillValid(type, replica);
                } else {
                    Contract.unchanged("the replica (merge)", baseState, replica.encodeState());
                }
            }
        }
    }

    /** A replica the decoder accepted, or changed by accepted bytes, must work as one: value, encode, decode. */
    private static void stillValid(CrdtType type, CrdtReplica r) {
        try {
            r.value();
            r.version();
            type.decodeState(CONTEXT, r.encodeState());
        } catch (CrdtDecodeException e) {
            throw new Contract.Violation("a replica built from accepted bytes does not decode after encoding: " + e.getMessage());
        }
    }

    /** A replica with a few of its own and another device's writes, merged. */
    static CrdtReplica replicaWithData(CrdtType t, String device, long seed) throws Exception {
        CrdtReplica a = t.newReplica(new ReplicaContext(device, TYPES));
        CrdtReplica b = t.newReplica(new ReplicaContext(device + "-peer", TYPES));
        Random random = new Random(seed);
        long wall = 1_700_000_000_000L;
        for (int i = 0; i < 6; i++) {
            CrdtReplica on = i % 2 == 0 ? a : b;
            try {
                on.mutate(intent(t.name(), random, on), new HlcTimestamp(wall + i, 0));
            } catch (io.rhizome.spi.crdt.CrdtIntentException e) {
                // an intent that does not fit the current value (a delete past the end): skip it
            }
        }
        a.merge(b.encodeState());
        return a;
    }

    /** The seeds: a state, the operations that built it, and a state to merge, each behind its selector. */
    @Override
    public List<byte[]> seeds() throws Exception {
        fuzzerInitialize();
        List<byte[]> out = new ArrayList<>();
        CrdtReplica r = type.newReplica(CONTEXT);
        Random random = new Random(7);
        for (int i = 0; i < 4; i++) {
            try {
                out.add(prefixed(1, r.mutate(intent(type.name(), random, r), new HlcTimestamp(1_700_000_000_100L + i, 0))));
            } catch (io.rhizome.spi.crdt.CrdtIntentException e) {
                // skipped, as above
            }
        }
        out.add(prefixed(0, r.encodeState()));
        out.add(prefixed(0, baseState));
        out.add(prefixed(2, replicaWithData(type, "device-other", 2).encodeState()));
        return out;
    }

    private static byte[] prefixed(int selector, byte[] bytes) {
        byte[] out = new byte[bytes.length + 1];
        out[0] = (byte) selector;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private static ObjectNode op(String op) {
        return JSON.objectNode().put("op", op);
    }

    private static JsonNode value(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> JSON.numberNode(random.nextInt(3));
            case 1 -> JSON.textNode("v" + random.nextInt(3));
            case 2 -> JSON.booleanNode(random.nextBoolean());
            default -> JSON.objectNode().put("a", random.nextInt(2)).put("b", "x");
        };
    }

    private static JsonNode intent(String type, Random random, CrdtReplica replica) {
        JsonNode v = replica.value();
        int len = v.isTextual() ? v.textValue().length() : v.size();
        String key = "k" + random.nextInt(3);
        return switch (type) {
            case "g-counter" -> op("increment").put("by", 1 + random.nextInt(5));
            case "pn-counter" -> op(random.nextBoolean() ? "increment" : "decrement").put("by", 1 + random.nextInt(5));
            case "g-set" -> op("add").set("value", value(random));
            case "or-set" -> op(random.nextInt(3) == 0 ? "remove" : "add").set("value", value(random));
            case "lww-register", "mv-register" -> op("set").set("value", value(random));
            case "lww-map" -> random.nextBoolean() ? op("set").put("key", key).set("value", value(random))
                    : op("update").put("key", key).put("type", "pn-counter").set("intent", op("increment").put("by", 2));
            case "or-map" -> random.nextBoolean()
                    ? op("update").put("key", key).put("type", "or-set").set("intent", op("add").set("value", value(random)))
                    : op("update").put("key", key).put("type", "lww-register").set("intent", op("set").set("value", value(random)));
            case "list" -> len > 0 && random.nextInt(3) == 0 ? op("delete").put("index", 0).put("count", 1)
                    : op("insert").put("index", random.nextInt(len + 1)).set("values", JSON.arrayNode().add(value(random)));
            case "text" -> len > 0 && random.nextInt(3) == 0 ? op("delete").put("index", 0).put("count", 1)
                    : op("insert").put("index", random.nextInt(len + 1)).put("text", "ab\uD83D\uDE00");
            default -> throw new IllegalArgumentException(type);
        };
    }
}
