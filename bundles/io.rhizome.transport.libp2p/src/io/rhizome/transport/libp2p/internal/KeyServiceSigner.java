package io.rhizome.transport.libp2p.internal;

import io.rhizome.spi.crypto.KeyService;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;

/** The device identity of a {@link KeyService} as the Noise handshake's signer. */
public record KeyServiceSigner(KeyService keys) implements IdentitySigner {

    @Override
    public byte[] publicKey() {
        return keys.identityPublicKey();
    }

    @Override
    public byte[] sign(byte[] data) throws Exception {
        return keys.signWithIdentity(data);
    }
}
