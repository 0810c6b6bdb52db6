/**
 * SPI for the durable replica store: event log, materialised entity states, version vectors,
 * outbox and peer records.
 */
package io.rhizome.spi.store;
