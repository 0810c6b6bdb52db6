package io.rhizome.transport.cloud.gdrive;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What this node knows of the Drive tree it uses: every file and folder by id, with its parent
 * and name, kept up to date from {@code changes.list} (and this node's own writes), so that a
 * round's listings and look-ups cost no request. Entries whose parent is not known yet are kept:
 * {@code changes.list} orders by a file's latest change, so a child can come before its folder.
 * Not thread-safe: used under the store's lock.
 */
final class DriveIndex {

    /** One file or folder. */
    record Entry(String parent, String name, boolean folder) {
    }

    /** What a saved index stands for besides its entries. */
    record Saved(String rootId, String pageToken) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Entry> byId = new HashMap<>();
    private final Map<String, Map<String, String>> children = new HashMap<>();

    void put(String id, Entry e) {
        remove(id);
        byId.put(id, e);
        // Two files of one name in one folder (a race elsewhere): the first id seen answers, as files.list would.
        children.computeIfAbsent(e.parent(), k -> new HashMap<>()).putIfAbsent(e.name(), id);
    }

    void remove(String id) {
        Entry old = byId.remove(id);
        if (old != null) {
            Map<String, String> siblings = children.get(old.parent());
            if (siblings != null && id.equals(siblings.get(old.name()))) {
                siblings.remove(old.name());
                byId.entrySet().stream().filter(x -> x.getValue().parent().equals(old.parent()) && x.getValue().name().equals(old.name()))
                        .findFirst().ifPresent(x -> siblings.put(old.name(), x.getKey()));
            }
        }
    }

    void clear() {
        byId.clear();
        children.clear();
    }

    /** The id of {@code name} in folder {@code parent}. */
    Optional<String> child(String parent, String name, boolean folder) {
        String id = children.getOrDefault(parent, Map.of()).get(name);
        return id != null && byId.get(id).folder() == folder ? Optional.of(id) : Optional.empty();
    }

    /** The files (not folders) in folder {@code parent}: name → id. */
    Map<String, String> files(String parent) {
        Map<String, String> out = new HashMap<>();
        children.getOrDefault(parent, Map.of()).forEach((name, id) -> {
            if (!byId.get(id).folder()) {
                out.put(name, id);
            }
        });
        return out;
    }


    /** The index with the root it is of and the changes page token it is current to, as one value to keep. */
    byte[] encode(String root, String rootId, String pageToken) throws IOException {
        ObjectNode s = JSON.createObjectNode().put("v", 1).put("root", root).put("rootId", rootId).put("pageToken", pageToken);
        ObjectNode entries = s.putObject("entries");
        byId.forEach((id, e) -> entries.putArray(id).add(e.parent()).add(e.name()).add(e.folder()));
        return JSON.writeValueAsBytes(s);
    }

    /** Fills {@code into} from a kept value of the same root; empty (and {@code into} empty) when it is not one. */
    static Optional<Saved> decode(byte[] value, String root, DriveIndex into) {
        into.clear();
        try {
            JsonNode s = JSON.readTree(value);
            if (s.path("v").asInt() != 1 || !s.path("root").asText().equals(root) || !s.path("pageToken").isTextual()
                    || !s.path("rootId").isTextual()) {
                return Optional.empty();
            }
            s.path("entries").fields().forEachRemaining(e -> into.put(e.getKey(),
                    new Entry(e.getValue().path(0).asText(), e.getValue().path(1).asText(), e.getValue().path(2).asBoolean())));
            return Optional.of(new Saved(s.get("rootId").asText(), s.get("pageToken").asText()));
        } catch (IOException | RuntimeException e) {
            into.clear();
            return Optional.empty();
        }
    }
}
