package io.rhizome.pairing.internal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.rhizome.api.SyncService;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.KeyService.MeshKey;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;

/**
 * What the parts of pairing (invitations, joining, mesh pushes, mesh updates received) share: the
 * keys, the trusted-device store, the sync engine to tell, the transports, one executor and the
 * clock, with the answers several of them need (this device's addresses, every mesh key, the
 * members to announce).
 */
final class PairingParts {

    final KeyService keys;
    final TrustedStore trusted;
    final MeshMembership membership;
    final SyncService sync;
    final ScheduledExecutorService executor;
    final LongSupplier clock;
    final SecureRandom random = new SecureRandom();
    private final Supplier<List<Transport>> transports;

    PairingParts(KeyService keys, TrustedStore trusted, SyncService sync, Supplier<List<Transport>> transports,
            ScheduledExecutorService executor, LongSupplier clock) {
        this.keys = keys;
        this.trusted = trusted;
        this.membership = new MeshMembership(trusted);
        this.sync = sync;
        this.transports = transports;
        this.executor = executor;
        this.clock = clock;
    }

    List<Transport> channelTransports() {
        return transports.get().stream().filter(t -> t instanceof ProtocolChannels).toList();
    }

    List<String> ownAddresses() {
        List<String> out = new ArrayList<>();
        for (Transport t : channelTransports()) {
            for (String a : t.listenAddresses()) {
                out.add(t.kind() + " " + a);
            }
        }
        return out;
    }

    List<MeshKey> allKeys() {
        List<MeshKey> out = new ArrayList<>();
        for (long e : keys.epochs()) {
            keys.meshKey(e).ifPresent(out::add);
        }
        return out;
    }

    /** The trusted devices with their addresses, except {@code except} (null: all). */
    List<Welcome.MeshMember> members(String except) {
        return trusted.all().stream().filter(p -> !p.deviceId().equals(except))
                .map(p -> new Welcome.MeshMember(p.deviceId(), p.addresses())).toList();
    }
}
