/**
 * SPI for backup destinations: where the sealed snapshots of {@code io.rhizome.backup} are kept
 * (a local folder, a synced folder, a cloud drive). A target stores opaque bytes only; it never
 * sees a key, a namespace name or a value.
 */
package io.rhizome.spi.backup;
