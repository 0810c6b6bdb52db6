package io.rhizome.spi.crypto;

import java.util.List;

/**
 * Change sets of one author sealed together: one AEAD box per change set plus one sealed signature
 * over all of them, so the Ed25519 cost is paid once per batch instead of once per change set.
 *
 * @param boxes           one {@link SealedBox} per change set, in order
 * @param sealedSignature a {@link SealedBox} holding the author's signature over the whole ordered batch
 * @since 0.1
 */
public record SealedBatch(List<byte[]> boxes, byte[] sealedSignature) {
    public SealedBatch {
        if (boxes == null || sealedSignature == null) {
            throw new IllegalArgumentException("boxes and sealedSignature are required");
        }
        boxes = boxes.stream().map(byte[]::clone).toList();
        sealedSignature = sealedSignature.clone();
    }

    @Override
    public List<byte[]> boxes() {
        return boxes.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] sealedSignature() {
        return sealedSignature.clone();
    }
}
