package io.rhizome.crdt.internal.seq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.rhizome.api.clock.HlcTimestamp;
import io.rhizome.crdt.internal.ByteReader;
import io.rhizome.crdt.internal.ByteWriter;
import io.rhizome.crdt.internal.Json;
import io.rhizome.spi.crdt.CrdtDecodeException;
import io.rhizome.spi.crdt.CrdtIntentException;
import io.rhizome.spi.crdt.ReplicaContext;

/**
 * The {@code list} type: an ordered sequence of JSON values (conversations, messages, to-do items).
 *
 * <p>Intents: {@code {"op":"insert","index":i,"values":[v...]}} (or {@code "value":v} for one) and
 * {@code {"op":"delete","index":i,"count":n}}. Value: the JSON array.
 */
public final class ListReplica extends SeqReplica {

    public ListReplica(ReplicaContext context) {
        super(context, false);
    }

    @Override
    public String typeName() {
        return "list";
    }

    @Override
    protected int typeTag() {
        return 9;
    }

    @Override
    protected Op prepare(JsonNode intent, HlcTimestamp timestamp) throws CrdtIntentException {
        String op = Json.op(intent);
        switch (op) {
            case "insert": {
                int index = Json.intField(intent, "index");
                JsonNode values = intent.get("values");
                JsonNode[] items;
                if (values != null) {
                    if (!values.isArray() || values.isEmpty()) {
                        throw new CrdtIntentException("\"values\" must be a non-empty array");
                    }
                    items = new JsonNode[values.size()];
                    for (int i = 0; i < items.length; i++) {
                        items[i] = values.get(i).deepCopy();
                    }
                } else {
                    items = new JsonNode[] {Json.valueField(intent, "value").deepCopy()};
                }
                return localInsert(index, items, null, items.length);
            }
            case "delete":
                return deleteIntent(intent);
            default:
                throw Json.unknownOp(typeName(), op, "insert, delete");
        }
    }

    @Override
    protected void writeContent(ByteWriter w, Op op) {
        Object[] items = (Object[]) op.content;
        w.varlong(op.count);
        for (int i = 0; i < op.count; i++) {
            Json.write(w, (JsonNode) items[i]);
        }
    }

    @Override
    protected void readContent(ByteReader r, Op op) throws CrdtDecodeException {
        int n = r.itemCount("value count");
        JsonNode[] items = new JsonNode[n];
        for (int i = 0; i < n; i++) {
            items[i] = Json.read(r);
        }
        op.content = items;
        op.count = n;
    }

    @Override
    public JsonNode value() {
        ArrayNode out = Json.NODES.arrayNode(doc.visible);
        for (Content c : contents()) {
            Content.Values v = (Content.Values) c;
            for (int i = 0; i < v.size; i++) {
                out.add(((JsonNode) v.data[i]).deepCopy());
            }
        }
        return out;
    }

    @Override
    protected SeqReplica blank() {
        return new ListReplica(context);
    }
}
