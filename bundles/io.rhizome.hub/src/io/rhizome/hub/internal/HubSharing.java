package io.rhizome.hub.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.CloudService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.spi.store.StoreException;

/**
 * Hubs travel through the mesh: this device announces the hubs it uses ({@link HubRecord}, signed
 * by pairing and carried in its mesh updates, which a device accepts only from a trusted device
 * over a channel the transport authenticated), and adds as its {@code hub} cloud every hub a
 * trusted device announces that it does not use yet — once.
 *
 * <p>Why once: every hub this device has used (added by hand or learned) is remembered in the hub
 * bundle's metadata space; a remembered hub that is no longer among its clouds was removed here
 * ({@code cloud remove}) and is not added again from mesh updates — the removal is this device's
 * own, as it would be for a folder. {@code cloud add hub ADDRESS} by hand brings it back.
 *
 * <p>A record that is malformed (not the format, a name that is no peer id, an address that does not
 * end in that hub's {@code /p2p/} id) is refused whole with a log sentence, once per record, and
 * adds nothing. A hub that refuses this device for now (the members who tell it of this device
 * have not run a round yet) is tried again at the next check.
 */
final class HubSharing {

    private static final Logger LOG = LoggerFactory.getLogger(HubSharing.class);
    static final String KNOWN = "shared/known/";

    private final Supplier<CloudService> clouds;
    private final Supplier<List<TrustedDevices>> trusted;
    private final MetadataSpace space;
    private final String self;
    private volatile Map<String, String> announced = Map.of();
    /** What was last logged per device (a refused record, a refusing hub), so a check every few seconds logs a problem once. */
    private final Map<String, String> logged = new ConcurrentHashMap<>();

    HubSharing(Supplier<CloudService> clouds, Supplier<List<TrustedDevices>> trusted, MetadataSpace space, String self) {
        this.clouds = clouds;
        this.trusted = trusted;
        this.space = space;
        this.self = self;
    }

    /** What this device announces now (from memory). */
    Map<String, String> announcement() {
        return announced;
    }

    /** One check: what this device uses, announced and remembered; what the others announce, added. */
    synchronized void check() throws StoreException {
        CloudService cs = clouds.get();
        if (cs == null) {
            return;
        }
        List<HubRecord> used = used(cs);
        announced = HubRecord.values(used);
        Set<String> inUse = new HashSet<>();
        for (HubRecord h : used) {
            inUse.add(h.peerId());
            if (space.get(KNOWN + h.peerId()).isEmpty()) {
                space.put(KNOWN + h.peerId(), h.addresses().get(0).getBytes(StandardCharsets.UTF_8));
            }
        }
        for (TrustedDevices t : trusted.get()) {
            for (String device : t.trustedDeviceIds()) {
                if (!device.equals(self) && t.isTrusted(device)) {
                    learnFrom(cs, device, t.announcement(device, HubRecord.KIND), inUse);
                }
            }
        }
        announced = HubRecord.values(used(cs)); // with the hubs just learned: the others hear of them at once
    }

    private void learnFrom(CloudService cs, String device, Map<String, String> values, Set<String> inUse) throws StoreException {
        List<HubRecord> hubs;
        try {
            hubs = HubRecord.parse(device, values);
        } catch (IllegalArgumentException e) {
            logOnce(device, "refused: " + e.getMessage(), () -> LOG.warn("hub: refused the hub record of device {}, nothing added from it: {}", device, e.getMessage()));
            return;
        }
        for (HubRecord h : hubs) {
            if (inUse.contains(h.peerId())) {
                continue;
            }
            if (space.get(KNOWN + h.peerId()).isPresent()) {
                // used here before and no longer: removed here, and the removal stands
                logOnce(device + " " + h.peerId(), "removed", () -> LOG.info("hub: not adding hub {} that device {} uses: it was removed here "
                        + "(`rhizome cloud add hub {}` brings it back)", h.peerId(), device, h.addresses().get(0)));
                continue;
            }
            String address = h.addresses().get(0);
            try {
                CloudService.Cloud c = cs.add("hub", address);
                space.put(KNOWN + h.peerId(), address.getBytes(StandardCharsets.UTF_8));
                inUse.add(h.peerId());
                logged.remove(device + " " + h.peerId());
                LOG.info("hub: added hub {} at {} as cloud {}, as device {} uses it (a mesh update)", h.peerId(), address, c.id(), device);
            } catch (IllegalArgumentException | IllegalStateException e) {
                logOnce(device + " " + h.peerId(), e.getMessage(), () -> LOG.info("hub: hub {} that device {} uses cannot be added yet, trying again: {}",
                        h.peerId(), device, e.getMessage()));
            }
        }
    }

    private void logOnce(String key, String what, Runnable log) {
        if (!what.equals(logged.put(key, what))) {
            log.run();
        }
    }

    private static List<HubRecord> used(CloudService cs) {
        List<HubRecord> out = new ArrayList<>();
        for (CloudService.Cloud c : cs.clouds()) {
            if (c.kind().equals("hub")) {
                HubRecord h = HubRecord.ofLocation(c.location());
                if (h != null) {
                    out.add(h);
                }
            }
        }
        return out;
    }
}
