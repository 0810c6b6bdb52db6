package io.rhizome.transport.wireguard.internal;

import java.io.IOException;

import io.rhizome.transport.wireguard.internal.uapi.WgKey;

/** Where this device's WireGuard private key comes from (created the first time it is asked for). */
@FunctionalInterface
public interface WireGuardKeys {

    /** @throws IOException naming what could not be read or kept */
    WgKey privateKey() throws IOException;
}
