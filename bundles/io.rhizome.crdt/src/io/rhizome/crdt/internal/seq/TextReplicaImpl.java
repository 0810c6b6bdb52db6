package io.rhizome.crdt.internal.seq;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.crdt.internal.Json;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;
import io.rhizome.spi.crdt.TextReplica;

/**
 * The {@code text} type: a sequence of Unicode code points.
 *
 * <p>Intents: {@code {"op":"insert","index":i,"text":s}} and {@code {"op":"delete","index":i,"count":n}}
 * (indexes count code points; count defaults to 1). Value: the text as a JSON string.
 */
public final class TextReplicaImpl extends SeqReplica implements TextReplica {

    public TextReplicaImpl(ReplicaContext context) {
        super(context, true);
    }

    @Override
    public String typeName() {
        return "text";
    }

    @Override
    protected int typeTag() {
        return 10;
    }

    @Override
    protected Op prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        return switch (op) {
            case "insert" -> insertOp(Json.intField(intent, "index"), Json.textField(intent, "text"));
            case "delete" -> deleteIntent(intent);
            default -> throw Json.unknownOp(typeName(), op, "insert, delete");
        };
    }

    private Op insertOp(int index, String text) throws CrdtIntentException {
        int[] cps = codePoints(text);
        return localInsert(index, cps, text, cps.length);
    }

    private static int[] codePoints(String text) throws CrdtIntentException {
        if (text.length() == 1) {
            char c = text.charAt(0);
            if (Character.isSurrogate(c)) {
                throw new CrdtIntentException("text contains an unpaired surrogate");
            }
            return new int[] {c};
        }
        int[] cps = text.codePoints().toArray();
        for (int cp : cps) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                throw new CrdtIntentException("text contains an unpaired surrogate");
            }
        }
        return cps;
    }

    @Override
    public byte[] insert(int index, String text) throws CrdtIntentException {
        if (text == null || text.isEmpty()) {
            throw new CrdtIntentException("nothing to insert");
        }
        return commit(insertOp(index, text));
    }

    @Override
    public byte[] delete(int index, int count) throws CrdtIntentException {
        return commit(localDelete(index, count));
    }

    @Override
    protected void writeContent(ByteWriter w, Op op) {
        String s = op.text != null ? op.text : new String((int[]) op.content, 0, op.count);
        w.bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void readContent(ByteReader r, Op op) throws CrdtDecodeException {
        int[] cps = r.codePoints();
        op.content = cps;
        op.count = cps.length;
    }

    @Override
    public String text() {
        StringBuilder sb = new StringBuilder(doc.visible);
        for (Content c : contents()) {
            Content.Chars chars = (Content.Chars) c;
            for (int i = 0; i < chars.size; i++) {
                sb.appendCodePoint(chars.data[i]);
            }
        }
        return sb.toString();
    }

    @Override
    public JsonNode value() {
        return Json.NODES.textNode(text());
    }

    @Override
    protected SeqReplica blank() {
        return new TextReplicaImpl(context);
    }
}
