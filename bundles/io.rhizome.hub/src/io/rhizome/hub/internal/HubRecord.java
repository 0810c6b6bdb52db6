package io.rhizome.hub.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The hubs a device uses, as it announces them to its mesh (a signed announcement of kind
 * {@value #KIND}, carried by pairing's mesh updates): {@code "format": "1"} and, per hub, its peer id
 * mapped to the space-separated addresses this device reaches it at, each ending in
 * {@code /p2p/} that peer id. Never a claim code. An announcement with no hub still says
 * {@code format}, so it replaces an older one that named hubs (a hub removed everywhere is not
 * relayed on forever).
 */
record HubRecord(String peerId, List<String> addresses) {

    static final String KIND = "hub";
    static final String FORMAT_KEY = "format";
    static final String FORMAT = "1";
    /** An announcement holds at most 16 values, one of them the format. */
    static final int MAX_HUBS = 15;
    private static final Pattern PEER_ID = Pattern.compile("[1-9A-HJ-NP-Za-km-z]{40,60}");
    private static final Pattern ADDRESS = Pattern.compile("/(?:ip4|ip6|dns|dns4|dns6)/[^/\\s#]+/tcp/\\d{1,5}(?:/[^\\s#]*)?/p2p/([1-9A-HJ-NP-Za-km-z]{40,60})");

    HubRecord {
        addresses = List.copyOf(addresses);
    }

    /** The hub address of a cloud location ({@code ADDRESS[#CODE]}), without the code; null if it is not one. */
    static HubRecord ofLocation(String location) {
        String address = location.split("#", 2)[0].trim();
        var m = ADDRESS.matcher(address);
        return m.matches() ? new HubRecord(m.group(1), List.of(address)) : null;
    }

    /** The announcement values of these hubs (merged by peer id, at most {@value #MAX_HUBS}, each value within 512 characters). */
    static Map<String, String> values(List<HubRecord> hubs) {
        Map<String, List<String>> by = new TreeMap<>();
        for (HubRecord h : hubs) {
            List<String> as = by.computeIfAbsent(h.peerId, k -> new ArrayList<>());
            h.addresses.stream().filter(a -> !as.contains(a)).forEach(as::add);
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put(FORMAT_KEY, FORMAT);
        for (Map.Entry<String, List<String>> e : by.entrySet()) {
            if (out.size() > MAX_HUBS) {
                break;
            }
            StringBuilder v = new StringBuilder();
            for (String a : e.getValue()) {
                if (v.length() + 1 + a.length() > 512) {
                    break;
                }
                v.append(v.length() == 0 ? "" : " ").append(a);
            }
            if (v.length() > 0) {
                out.put(e.getKey(), v.toString());
            }
        }
        return out;
    }

    /**
     * The hubs in what {@code deviceId} announced; an empty map (nothing announced) is no hub.
     *
     * @throws IllegalArgumentException naming what is malformed: the whole record is refused
     */
    static List<HubRecord> parse(String deviceId, Map<String, String> values) {
        List<HubRecord> out = new ArrayList<>();
        if (values.isEmpty()) {
            return out;
        }
        if (!FORMAT.equals(values.get(FORMAT_KEY))) {
            throw new IllegalArgumentException("the hub record of device " + deviceId + " has format '" + values.get(FORMAT_KEY) + "', not " + FORMAT);
        }
        for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
            if (e.getKey().equals(FORMAT_KEY)) {
                continue;
            }
            if (!PEER_ID.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("the hub record of device " + deviceId + " names '" + e.getKey() + "', which is not a hub peer id");
            }
            List<String> addresses = new ArrayList<>();
            for (String a : e.getValue().trim().split(" +")) {
                var m = ADDRESS.matcher(a);
                if (!m.matches() || !m.group(1).equals(e.getKey())) {
                    throw new IllegalArgumentException("the hub record of device " + deviceId + " gives '" + a + "' for hub " + e.getKey()
                            + ", which is not a hub address ending in /p2p/" + e.getKey());
                }
                addresses.add(a);
            }
            out.add(new HubRecord(e.getKey(), addresses));
        }
        return out;
    }
}
