package io.rhizome.spi.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Changes to several keys of one {@link MetadataSpace}, applied by {@link MetadataSpace#update}
 * all at once or not at all. Immutable; built with {@link #builder()}. When a key is both put and
 * deleted, the later call wins.
 *
 * @since 0.1
 */
public final class MetadataUpdate {

    private final Map<String, Optional<byte[]>> changes;

    private MetadataUpdate(Map<String, Optional<byte[]>> changes) {
        this.changes = Collections.unmodifiableMap(changes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every changed key, in the order first named: a value to set, or empty to delete the key. */
    public Map<String, Optional<byte[]>> changes() {
        return changes;
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /**
     * Checks every key and value against the limits of {@link MetadataSpace} (stores call this
     * before they write anything).
     *
     * @throws IllegalArgumentException naming the first key that breaks them
     */
    public void checkLimits() {
        changes.forEach((key, value) -> {
            if (key.isEmpty() || key.length() > MetadataSpace.MAX_KEY_LENGTH) {
                throw new IllegalArgumentException("a metadata key must have 1 to " + MetadataSpace.MAX_KEY_LENGTH
                        + " characters; '" + key.substring(0, Math.min(40, key.length())) + "' has " + key.length());
            }
            if (value.isPresent() && (value.get().length == 0 || value.get().length > MetadataSpace.MAX_VALUE_BYTES)) {
                throw new IllegalArgumentException("the value of metadata key '" + key + "' must have 1 to "
                        + MetadataSpace.MAX_VALUE_BYTES + " bytes, not " + value.get().length + " (delete a key instead of emptying it)");
            }
        });
    }

    /** Collects changes; not thread-safe. */
    public static final class Builder {
        private final Map<String, Optional<byte[]>> changes = new LinkedHashMap<>();

        private Builder() {
        }

        /** Sets {@code key} to a copy of {@code value}. */
        public Builder put(String key, byte[] value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value of " + key);
            changes.put(key, Optional.of(value.clone()));
            return this;
        }

        /** Removes {@code key} (nothing happens to a key that is not set). */
        public Builder delete(String key) {
            Objects.requireNonNull(key, "key");
            changes.put(key, Optional.empty());
            return this;
        }

        public MetadataUpdate build() {
            return new MetadataUpdate(new LinkedHashMap<>(changes));
        }
    }
}
