package io.rhizome.hub.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

import io.rhizome.hub.internal.HubWire.Op;
import io.rhizome.hub.internal.HubWire.Request;
import io.rhizome.hub.internal.HubWire.Response;
import io.rhizome.hub.internal.HubWire.Status;
import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.ReplicaStore;
import io.rhizome.testsupport.Await;
import io.rhizome.transport.cloud.FileSeal;

/**
 * The hub's checks on the real MapDB store (the {@code ReplicaStore} service of
 * {@code io.rhizome.store.mapdb} in Equinox): claim, trust, signatures, replays, folders,
 * revocation; what is refused is not stored, what is stored survives a new server on the same
 * space, files larger than one metadata value come back whole.
 */
class HubServerTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A device with a real Ed25519 key that signs its requests like {@link HubClient}. */
    private static final class Device {
        final byte[] seed = new byte[32];
        final String id;
        final AtomicLong counter = new AtomicLong(System.currentTimeMillis() * 1000);

        Device() {
            RANDOM.nextBytes(seed);
            id = Base64.getUrlEncoder().withoutPadding().encodeToString(Ed25519.publicKeyOf(seed));
        }

        String folder() {
            return FileSeal.folderOf(id);
        }

        byte[] request(String hubId, Op op, String folder, String name, byte[] body) {
            long c = op.signed() ? counter.incrementAndGet() : 0; // a READ's counter is the offset
            byte[] sig = op.signed() ? Ed25519.sign(seed, HubWire.signedBytes(hubId, op, c, folder, name, body)) : new byte[0];
            return HubWire.encode(new Request(op, c, folder, name, body, sig));
        }
    }

    private MetadataSpace space;
    private HubServer hub;
    private HubMembers members;
    private final Device hubKey = new Device();
    private final Device a = new Device();
    private final Device b = new Device();
    private final Device stranger = new Device();

    @BeforeEach
    void setUp() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(getClass()).getBundleContext();
        if (context.getServiceReference(io.rhizome.spi.crypto.KeyService.class) == null) {
            // the hub's own key service, as in hub mode: the MapDB store keeps its store key with it
            String home = context.getProperty("rhizome.home");
            java.nio.file.Path base = home != null ? java.nio.file.Path.of(home) : java.nio.file.Files.createTempDirectory("rhizome-home");
            context.registerService(io.rhizome.spi.crypto.KeyService.class, HubKeys.open(base.resolve("hub").resolve("identity.key")), null);
        }
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getSymbolicName().equals("io.rhizome.store.mapdb") && bundle.getState() != Bundle.ACTIVE) {
                bundle.start();
            }
        }
        ServiceTracker<ReplicaStore, ReplicaStore> tracker = new ServiceTracker<>(context, ReplicaStore.class, null);
        tracker.open();
        Await.until(Duration.ofSeconds(30), "the MapDB store is registered", () -> tracker.getService() != null);
        ReplicaStore store = tracker.getService();
        assertTrue(store.location().contains("rhizome-home"), "the test's own home: " + store.location());
        space = store.metadata(MetadataOwner.bundle("io.rhizome.hub.test." + System.nanoTime()));
        newServer();
    }

    private void newServer() throws Exception {
        members = new HubMembers(space, RANDOM);
        hub = new HubServer(hubKey.id, new HubFiles(space), members);
    }

    private Response send(Device d, Op op, String folder, String name, byte[] body) throws Exception {
        return HubWire.decodeResponse(hub.handle(d.id, d.request(hubKey.id, op, folder, name, body)));
    }

    private Response claim(Device d, String code, Device... others) throws Exception {
        List<String> entries = new java.util.ArrayList<>(List.of("=" + code));
        for (Device o : others) {
            entries.add("+" + o.id);
        }
        return send(d, Op.MEMBERS_PUT, "", "", HubWire.strings(entries));
    }

    /** A whole file, in parts of at most {@link HubWire#READ_PART}, as {@link HubClient#readWhole} reads it. */
    private byte[] readAll(Device d, String folder, String name) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int part = 0; part < 100; part++) {
            Response r = HubWire.decodeResponse(hub.handle(d.id, HubWire.encode(new Request(Op.READ, out.size(), folder, name, new byte[0], new byte[0]))));
            assertEquals(Status.OK, r.status(), r.message());
            assertTrue(r.body().length <= HubWire.READ_PART, "a part fits what a device takes from a hub");
            out.writeBytes(r.body());
            if (out.size() >= Long.parseLong(r.message())) {
                return out.toByteArray();
            }
        }
        throw new AssertionError("more than 100 parts");
    }

    private List<String> list(Device d, String folder) throws Exception {
        Response r = send(d, Op.LIST, folder, "", new byte[0]);
        assertEquals(Status.OK, r.status(), r.message());
        return HubWire.strings(r.body());
    }

    private void claimed() throws Exception {
        String code = members.claimCode().orElseThrow();
        assertEquals(Status.OK, claim(a, code, b).status());
    }

    @Test
    void onlyTheRightCodeClaimsTheHubAndOnlyMembersAreServed() throws Exception {
        String code = members.claimCode().orElseThrow();
        assertTrue(code.matches("RZH-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"), code);
        Response before = send(a, Op.LIST, a.folder(), "", new byte[0]);
        assertEquals(Status.REFUSED, before.status());
        assertTrue(before.message().contains("is not a member this hub serves"), before.message());
        Response wrong = claim(a, "RZH-0000-0000-0000", b);
        assertEquals(Status.REFUSED, wrong.status());
        assertTrue(wrong.message().contains("claim code is wrong"), wrong.message());
        assertFalse(members.isTrusted(a.id));

        assertEquals(Status.OK, claim(a, code.toLowerCase(java.util.Locale.ROOT), b).status(), "any case, as typed");
        assertTrue(members.isTrusted(a.id) && members.isTrusted(b.id));
        assertTrue(members.claimCode().isEmpty(), "the code is used up");
        Response again = claim(stranger, code);
        assertEquals(Status.REFUSED, again.status(), "a used code claims nothing");
        assertEquals(Status.REFUSED, send(stranger, Op.READ, a.folder(), "manifest.rzm", new byte[0]).status());

        newServer();
        assertTrue(members.isTrusted(a.id) && members.isTrusted(b.id) && members.claimCode().isEmpty(), "members survive a restart");
    }

    @Test
    void aWriteIsStoredOnlyWithTheWritersSignatureForThisHubInItsOwnFolder() throws Exception {
        claimed();
        String channel = a.folder() + "/" + b.folder();
        byte[] file = "sealed batch bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Status.OK, send(a, Op.WRITE, channel, "0000000000000001-ab.rzb", file).status());

        // one bit changed after signing
        long c = a.counter.incrementAndGet();
        byte[] sig = Ed25519.sign(a.seed, HubWire.signedBytes(hubKey.id, Op.WRITE, c, channel, "0000000000000002-cd.rzb", file));
        byte[] altered = file.clone();
        altered[0] ^= 1;
        Response tampered = HubWire.decodeResponse(hub.handle(a.id, HubWire.encode(new Request(Op.WRITE, c, channel, "0000000000000002-cd.rzb", altered, sig))));
        assertEquals(Status.REFUSED, tampered.status());
        assertTrue(tampered.message().contains("does not verify"), tampered.message());

        // signed by A but sent as B (the transport says who sent it)
        long c2 = a.counter.incrementAndGet();
        byte[] sigA = Ed25519.sign(a.seed, HubWire.signedBytes(hubKey.id, Op.WRITE, c2, b.folder(), "x.rzb", file));
        assertEquals(Status.REFUSED, HubWire.decodeResponse(hub.handle(b.id, HubWire.encode(new Request(Op.WRITE, c2, b.folder(), "x.rzb", file, sigA)))).status());

        // signed for another hub
        Response otherHub = HubWire.decodeResponse(hub.handle(a.id, a.request(new Device().id, Op.WRITE, channel, "0000000000000003-ef.rzb", file)));
        assertEquals(Status.REFUSED, otherHub.status());

        // replayed: the same bytes again
        byte[] once = a.request(hubKey.id, Op.WRITE, a.folder(), "manifest.rzm", file);
        assertEquals(Status.OK, HubWire.decodeResponse(hub.handle(a.id, once)).status());
        Response replay = HubWire.decodeResponse(hub.handle(a.id, once));
        assertEquals(Status.REFUSED, replay.status());
        assertTrue(replay.message().contains("a replay"), replay.message());

        // into another device's folder
        Response foreign = send(a, Op.WRITE, b.folder(), "manifest.rzm", file);
        assertEquals(Status.REFUSED, foreign.status());
        assertTrue(foreign.message().contains("only in its own folder"), foreign.message());
        assertEquals(Status.REFUSED, send(a, Op.DELETE, b.folder() + "/" + a.folder(), "0000000000000001-ab.rzb", new byte[0]).status());

        assertEquals(List.of("0000000000000001-ab.rzb"), list(b, channel), "only the signed write was stored");
        assertEquals(List.of(), list(b, b.folder()), "nothing in B's folder");
        assertArrayEquals(file, readAll(b, channel, "0000000000000001-ab.rzb"));
        assertEquals(Status.NOT_FOUND, send(b, Op.READ, channel, "0000000000000002-cd.rzb", new byte[0]).status());
        assertEquals(6, hub.refusals(), "tampered, sent as another device, for another hub, replayed, into a foreign folder twice");
    }

    @Test
    void eachDeviceReadsManifestsAndOnlyTheChannelsWrittenByOrForIt() throws Exception {
        claimed();
        Device c = new Device();
        assertEquals(Status.OK, send(a, Op.MEMBERS_PUT, "", "", HubWire.strings(List.of("+" + c.id))).status());
        assertEquals(Status.OK, send(a, Op.WRITE, a.folder() + "/" + c.folder(), "0000000000000001-aa.rzb", new byte[] {1}).status());
        assertEquals(Status.OK, send(a, Op.WRITE, a.folder(), "manifest.rzm", new byte[] {2}).status());
        assertEquals(List.of("manifest.rzm"), list(b, a.folder()));
        assertEquals(Status.REFUSED, send(b, Op.LIST, a.folder() + "/" + c.folder(), "", new byte[0]).status(), "C's channel is not B's to read");
        assertEquals(List.of("0000000000000001-aa.rzb"), list(c, a.folder() + "/" + c.folder()));
        assertEquals(Status.REFUSED, send(b, Op.READ, "../" + a.folder(), "manifest.rzm", new byte[0]).status());
    }

    @Test
    void aRevokedDeviceIsRefusedAndNeverTrustedAgain() throws Exception {
        claimed();
        assertEquals(Status.OK, send(b, Op.LIST, b.folder(), "", new byte[0]).status());
        Response self = send(b, Op.MEMBERS_PUT, "", "", HubWire.strings(List.of("-" + b.id)));
        assertEquals(Status.REFUSED, self.status());
        assertEquals(Status.OK, send(a, Op.MEMBERS_PUT, "", "", HubWire.strings(List.of("-" + b.id))).status());
        Response refused = send(b, Op.WRITE, b.folder(), "manifest.rzm", new byte[] {1});
        assertEquals(Status.REFUSED, refused.status());
        assertTrue(refused.message().contains("was revoked"), refused.message());
        assertEquals(List.of(), list(a, b.folder()), "nothing of the revoked device stored");
        assertEquals(Status.OK, send(a, Op.MEMBERS_PUT, "", "", HubWire.strings(List.of("+" + b.id))).status());
        newServer();
        assertFalse(members.isTrusted(b.id), "revocation wins, also after a restart");
        assertEquals(Status.REFUSED, send(b, Op.READ, a.folder(), "manifest.rzm", new byte[0]).status());
    }

    @Test
    void filesLargerThanOneStoreValueComeBackWholeAndReplaceAndDeleteWork() throws Exception {
        claimed();
        byte[] big = new byte[HubFiles.CHUNK * 5 + 123];
        RANDOM.nextBytes(big);
        assertEquals(Status.OK, send(a, Op.WRITE, a.folder(), "snap.rzs", big).status());
        newServer();
        assertArrayEquals(big, readAll(b, a.folder(), "snap.rzs"));
        byte[] small = {7, 7};
        assertEquals(Status.OK, send(a, Op.WRITE, a.folder(), "snap.rzs", small).status());
        assertArrayEquals(small, readAll(b, a.folder(), "snap.rzs"));
        assertEquals(1, space.scan("c/").size(), "the old chunks are gone");
        assertEquals(Status.OK, send(a, Op.DELETE, a.folder(), "snap.rzs", new byte[0]).status());
        assertEquals(List.of(), list(b, a.folder()));
        assertEquals(0, space.scan("c/").size());
    }

    @Test
    void malformedBytesAreRefusedWithASentence() throws Exception {
        claimed();
        Response r = HubWire.decodeResponse(hub.handle(a.id, new byte[] {9, 1, 2}));
        assertEquals(Status.REFUSED, r.status());
        assertTrue(r.message().contains("unknown hub operation 9"), r.message());
        byte[] good = a.request(hubKey.id, Op.LIST, a.folder(), "", new byte[0]);
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 1);
        Response c = HubWire.decodeResponse(hub.handle(a.id, cut));
        assertEquals(Status.REFUSED, c.status());
        assertTrue(c.message().contains("cut short"), c.message());
    }
}
