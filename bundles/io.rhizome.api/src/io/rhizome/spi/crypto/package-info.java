/**
 * SPI for encryption providers and device/mesh keys. The engine seals every change set it sends
 * and opens every one it receives through these services; swapping a provider is a configuration
 * change.
 */
package io.rhizome.spi.crypto;
