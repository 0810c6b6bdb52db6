package io.rhizome.crdt.tests;

import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.spi.crdt.CrdtReplica;

/** Random valid intents for every built-in type. */
final class Intents {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Intents() {
    }

    static ObjectNode op(String op) {
        return JSON.objectNode().put("op", op);
    }

    /** A small pool, so that adds and removes of the same value collide often. */
    static JsonNode value(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> JSON.numberNode(random.nextInt(3));
            case 1 -> JSON.textNode("v" + random.nextInt(3));
            case 2 -> JSON.booleanNode(random.nextBoolean());
            case 3 -> JSON.nullNode();
            case 4 -> JSON.objectNode().put("a", random.nextInt(2)).put("b", "x");
            default -> JSON.objectNode().put("b", "x").put("a", random.nextInt(2)); // same values, other member order
        };
    }

    static int length(CrdtReplica replica) {
        JsonNode v = replica.value();
        return v.isTextual() ? v.textValue().codePointCount(0, v.textValue().length()) : v.size();
    }

    static JsonNode forType(String type, Random random, CrdtReplica replica) {
        switch (type) {
            case "g-counter":
                return op("increment").put("by", random.nextInt(5));
            case "pn-counter":
                return op(random.nextBoolean() ? "increment" : "decrement").put("by", random.nextInt(5));
            case "g-set":
                return op("add").set("value", value(random));
            case "or-set":
                return op(random.nextInt(3) == 0 ? "remove" : "add").set("value", value(random));
            case "lww-register":
            case "mv-register":
                return op("set").set("value", value(random));
            case "lww-map": {
                String key = "k" + random.nextInt(4);
                return switch (random.nextInt(4)) {
                    case 0 -> op("set").put("key", key).set("value", value(random));
                    case 1 -> op("remove").put("key", key);
                    case 2 -> op("update").put("key", key).put("type", "pn-counter")
                            .set("intent", op("increment").put("by", 1 + random.nextInt(3)));
                    default -> op("update").put("key", key).put("type", "or-set")
                            .set("intent", op(random.nextBoolean() ? "add" : "remove").set("value", value(random)));
                };
            }
            case "or-map": {
                String key = "k" + random.nextInt(4);
                return switch (random.nextInt(4)) {
                    case 0 -> op("remove").put("key", key);
                    case 1 -> op("update").put("key", key).put("type", "pn-counter")
                            .set("intent", op("increment").put("by", 1 + random.nextInt(3)));
                    case 2 -> op("update").put("key", key).put("type", "or-set")
                            .set("intent", op(random.nextBoolean() ? "add" : "remove").set("value", value(random)));
                    default -> op("update").put("key", key).put("type", "lww-register")
                            .set("intent", op("set").set("value", value(random)));
                };
            }
            case "list": {
                int len = length(replica);
                if (len > 0 && random.nextInt(3) == 0) {
                    int at = random.nextInt(len);
                    return op("delete").put("index", at).put("count", 1 + random.nextInt(Math.min(3, len - at)));
                }
                var values = JSON.arrayNode();
                for (int i = 1 + random.nextInt(3); i > 0; i--) {
                    values.add(value(random));
                }
                return op("insert").put("index", random.nextInt(len + 1)).set("values", values);
            }
            case "text": {
                int len = length(replica);
                if (len > 0 && random.nextInt(3) == 0) {
                    int at = random.nextInt(len);
                    return op("delete").put("index", at).put("count", 1 + random.nextInt(Math.min(4, len - at)));
                }
                StringBuilder s = new StringBuilder();
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    int k = random.nextInt(8);
                    if (k == 7) {
                        s.appendCodePoint(0x1F600 + random.nextInt(3)); // outside the BMP: indexes count code points
                    } else {
                        s.append((char) ('a' + k));
                    }
                }
                return op("insert").put("index", random.nextInt(len + 1)).put("text", s.toString());
            }
            default:
                throw new IllegalArgumentException(type);
        }
    }
}
