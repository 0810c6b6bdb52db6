/**
 * SPI for the durable replica store: event log, materialised entity states, version vectors, and
 * per-owner metadata spaces ({@link io.rhizome.spi.store.MetadataSpace}) for the bundles and
 * engine parts that keep durable records next to the replica.
 */
package io.rhizome.spi.store;
