/**
 * SPI for namespace definitions: a bundle (or ConfigAdmin) declares which namespaces exist, with
 * their CRDT type and sync scope. The engine never hard-codes a namespace.
 */
package io.rhizome.spi.namespace;
