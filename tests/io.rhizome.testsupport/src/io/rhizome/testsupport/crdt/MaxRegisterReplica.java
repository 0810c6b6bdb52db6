package io.rhizome.testsupport.crdt;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.CrdtReplica;
import io.rhizome.spi.crdt.VersionVector;

/**
 * Replica of {@link MaxRegisterType}. Intent {@code {"op":"set","value":n}}; value: the maximum, or
 * null before any write. Operation: {@code 'M', origin, seq, value}; state: {@code 'S', hasValue, max,
 * vector}. Both are DataOutput encodings, read strictly.
 */
public class MaxRegisterReplica implements CrdtReplica {

    private final String self;
    private final String typeName;
    private final Map<String, Long> seen = new TreeMap<>();
    private boolean has;
    private long max;

    MaxRegisterReplica(String self) {
        this(self, MaxRegisterType.NAME);
    }

    /** A replica that reports another type name (a type that reuses these replicas under its own name). */
    MaxRegisterReplica(String self, String typeName) {
        this.self = self;
        this.typeName = typeName;
    }

    @Override
    public String typeName() {
        return typeName;
    }

    @Override
    public byte[] mutate(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        if (intent == null || !intent.isObject() || !"set".equals(intent.path("op").asText(null))) {
            throw new CrdtIntentException("acme.max-register understands only {\"op\":\"set\",\"value\":<integer>}");
        }
        JsonNode v = intent.get("value");
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new CrdtIntentException("\"value\" must be an integer");
        }
        long seq = seen.getOrDefault(self, 0L) + 1;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte('M');
            out.writeUTF(self);
            out.writeLong(seq);
            out.writeLong(v.longValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        seen.put(self, seq);
        take(v.longValue());
        return bytes.toByteArray();
    }

    private void take(long v) {
        if (!has || v > max) {
            max = v;
            has = true;
        }
    }

    @Override
    public void apply(byte[] operation) throws CrdtDecodeException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(operation))) {
            if (in.readByte() != 'M') {
                throw new CrdtDecodeException("not an acme.max-register operation");
            }
            String origin = in.readUTF();
            long seq = in.readLong();
            long value = in.readLong();
            if (in.available() != 0 || origin.isEmpty() || seq < 1) {
                throw new CrdtDecodeException("malformed acme.max-register operation");
            }
            long have = seen.getOrDefault(origin, 0L);
            if (seq <= have) {
                return;
            }
            if (seq != have + 1) {
                throw new CrdtDecodeException("causal gap for " + origin);
            }
            seen.put(origin, seq);
            take(value);
        } catch (IOException | RuntimeException e) {
            throw new CrdtDecodeException("malformed acme.max-register operation: " + e, e);
        }
    }

    @Override
    public byte[] encodeState() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte('S');
            out.writeBoolean(has);
            out.writeLong(max);
            out.writeInt(seen.size());
            for (Map.Entry<String, Long> e : seen.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void merge(byte[] state) throws CrdtDecodeException {
        Map<String, Long> vector = new TreeMap<>();
        boolean otherHas;
        long otherMax;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            if (in.readByte() != 'S') {
                throw new CrdtDecodeException("not an acme.max-register state");
            }
            int flag = in.readUnsignedByte();
            if (flag > 1) {
                throw new CrdtDecodeException("bad flag");
            }
            otherHas = flag == 1;
            otherMax = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > state.length) {
                throw new CrdtDecodeException("bad vector size " + n);
            }
            for (int i = 0; i < n; i++) {
                String id = in.readUTF();
                long c = in.readLong();
                if (id.isEmpty() || c < 1 || vector.put(id, c) != null) {
                    throw new CrdtDecodeException("bad vector entry " + id);
                }
            }
            if (in.available() != 0) {
                throw new CrdtDecodeException("trailing bytes");
            }
        } catch (IOException | RuntimeException e) {
            throw new CrdtDecodeException("malformed acme.max-register state: " + e, e);
        }
        if (otherHas) {
            take(otherMax);
        }
        vector.forEach((id, c) -> seen.merge(id, c, Math::max));
    }

    @Override
    public VersionVector version() {
        return VersionVector.of(seen);
    }

    @Override
    public JsonNode value() {
        return has ? JsonNodeFactory.instance.numberNode(max) : JsonNodeFactory.instance.nullNode();
    }
}
