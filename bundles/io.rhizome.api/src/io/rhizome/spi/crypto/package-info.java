/**
 * SPI for encryption providers and device/mesh keys. The engine seals every change set it sends
 * and opens every one it receives through an {@link io.rhizome.spi.crypto.EncryptionProvider};
 * swapping a provider is a configuration change. Keys come from the
 * {@link io.rhizome.spi.crypto.KeyService}; the recovery mnemonic from the
 * {@link io.rhizome.spi.crypto.RecoveryService}.
 */
package io.rhizome.spi.crypto;
