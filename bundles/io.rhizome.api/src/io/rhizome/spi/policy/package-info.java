/**
 * SPI for sync policies: who may send and receive which namespaces. The personal policy ships by
 * default; an enterprise ACL bundle can replace it at run time.
 */
package io.rhizome.spi.policy;
