/**
 * An in-process transport: devices in one JVM reach each other through a {@link
 * io.rhizome.transport.memory.MemoryNetwork}. For tests, simulations and hosts that run several
 * replicas in one process. Supports partitions and a configurable maximum message size.
 */
package io.rhizome.transport.memory;
