package io.rhizome.transport.cloud.gdrive;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

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

    Map<String, Entry> entries() {
        return Map.copyOf(byId);
    }

    int size() {
        return byId.size();
    }
}
