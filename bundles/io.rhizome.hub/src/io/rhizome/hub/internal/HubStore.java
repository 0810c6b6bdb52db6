package io.rhizome.hub.internal;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import io.rhizome.hub.internal.HubWire.Op;
import io.rhizome.hub.internal.HubWire.Response;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.transport.cloud.CloudStore;

/**
 * A hub as a place the cloud exchange leaves files: each call is one hub request. At the start of
 * every round the device tells the hub what it knows of the mesh — members the hub lacks, and
 * which of the hub's members this device knows as revoked — so a device paired or revoked later
 * reaches the hub through any member that runs.
 */
public final class HubStore implements CloudStore {

    private final HubClient client;
    private final String address;
    private final String self;
    private final Supplier<List<TrustedDevices>> trust;

    public HubStore(HubClient client, String address, String self, Supplier<List<TrustedDevices>> trust) {
        this.client = client;
        this.address = address;
        this.self = self;
        this.trust = trust;
    }

    @Override
    public void beginRound() throws IOException {
        Set<String> atHub = new HashSet<>(strings(client.expect(Op.MEMBERS_GET, "", "", new byte[0])));
        List<String> changes = new ArrayList<>();
        for (TrustedDevices t : trust.get()) {
            for (String id : t.trustedDeviceIds()) {
                if (!id.equals(self) && !atHub.contains(id) && t.isTrusted(id)) {
                    changes.add("+" + id);
                }
            }
            for (String id : atHub) {
                if (!id.equals(self) && t.isRevoked(id)) {
                    changes.add("-" + id);
                }
            }
        }
        if (!changes.isEmpty()) {
            client.expect(Op.MEMBERS_PUT, "", "", HubWire.strings(changes));
        }
    }

    @Override
    public Listing list(String folder) throws IOException {
        return new Listing(Set.copyOf(strings(client.expect(Op.LIST, folder, "", new byte[0]))), Set.of(), Map.of());
    }

    @Override
    public byte[] read(String folder, String name) throws IOException {
        Response r = client.readWhole(folder, name);
        if (r.status() == HubWire.Status.NOT_FOUND) {
            throw new FileNotFoundException(r.message());
        }
        return r.body();
    }

    @Override
    public void write(String folder, String name, byte[] bytes) throws IOException {
        client.expect(Op.WRITE, folder, name, bytes);
    }

    @Override
    public void delete(String folder, String name) throws IOException {
        client.expect(Op.DELETE, folder, name, new byte[0]);
    }

    @Override
    public String describe() {
        return "hub " + address;
    }

    private static List<String> strings(Response r) throws IOException {
        try {
            return HubWire.strings(r.body());
        } catch (HubWire.MalformedException e) {
            throw new IOException("the hub answered with a malformed list: " + e.getMessage(), e);
        }
    }
}
