/**
 * SPI for conflict-free replicated data types. A bundle contributes a type by registering a
 * {@link io.rhizome.spi.crdt.CrdtType} OSGi service with the {@code crdt.type} property; the engine
 * picks it up at run time and drops it when the bundle stops.
 */
package io.rhizome.spi.crdt;
