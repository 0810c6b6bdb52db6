/**
 * SPI for transports: ways to reach peer devices (libp2p, WireGuard, a cloud drive folder...).
 * A bundle contributes one by registering a {@link io.rhizome.spi.transport.Transport} service
 * with the {@code transport.kind} property.
 */
package io.rhizome.spi.transport;
