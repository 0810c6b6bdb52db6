package io.rhizome.transport.cloud.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;

/** The clouds a node uses, kept in this bundle's metadata space (one key per cloud, in order of their ids). */
final class CloudConfigs {

    /** One configured cloud. */
    record Config(String id, String kind, String location) {
    }

    private static final String PREFIX = "cloud/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MetadataSpace space;

    CloudConfigs(MetadataSpace space) {
        this.space = space;
    }

    List<Config> load() throws StoreException {
        List<Config> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : space.scan(PREFIX).entrySet()) {
            try {
                out.add(JSON.readValue(e.getValue(), Config.class));
            } catch (IOException ex) {
                throw new StoreException("the cloud setting " + e.getKey() + " does not decode: " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    void put(Config c) throws StoreException {
        try {
            space.put(PREFIX + c.id(), JSON.writeValueAsBytes(c));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a cloud setting always encodes", e);
        }
    }

    void remove(String id) throws StoreException {
        space.delete(PREFIX + id);
    }
}
