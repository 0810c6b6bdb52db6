package io.rhizome.hub.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.rhizome.hub.internal.HubWire.Op;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.policy.TrustedDevices;
import io.rhizome.spi.transport.ProtocolChannels;
import io.rhizome.spi.transport.Transport;
import io.rhizome.transport.cloud.CloudStore;
import io.rhizome.transport.cloud.CloudStoreFactory;

/**
 * The {@code hub} cloud kind on a device: {@code rhizome cloud add hub ADDRESS[#CODE]}, the
 * address being the hub's libp2p address ending in {@code /p2p/HUB_PEER_ID} (so the channel is
 * authenticated as that hub), the code the hub's one-time claim code (only for the device that
 * claims it). Opening checks that the hub serves this device (claiming it first with the code): a
 * refusal (wrong code, not a member, revoked) is refused with the hub's sentence; a hub that cannot
 * be reached now is used anyway, and each round tries it again.
 */
@Component(service = CloudStoreFactory.class, property = CloudStoreFactory.KIND_PROPERTY + "=hub")
public final class HubStoreFactory implements CloudStoreFactory {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HubStoreFactory.class);

    private static final Pattern LOCATION = Pattern.compile("(/(?:ip4|ip6|dns|dns4|dns6)/[^/\\s#]+/tcp/\\d{1,5}(?:/[^\\s#]*)?/p2p/[1-9A-HJ-NP-Za-km-z]{40,60})(?:#(RZH-[0-9A-Za-z-]{12,20}))?");

    @Reference(target = "(" + Transport.KIND_PROPERTY + "=libp2p)")
    private Transport transport;
    @Reference
    private KeyService keys;

    private final List<TrustedDevices> trusted = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTrustedDevices(TrustedDevices t) {
        trusted.add(t);
    }

    void removeTrustedDevices(TrustedDevices t) {
        trusted.remove(t);
    }

    @Override
    public String normalise(String location) {
        Matcher m = LOCATION.matcher(location.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + location + "' is not a hub address: expected the address `rhizome hub` printed, "
                    + "/ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT/p2p/HUB_PEER_ID, followed by #CLAIM_CODE on the device that claims the hub");
        }
        return m.group(0);
    }

    @Override
    public CloudStore open(String location) {
        Matcher m = LOCATION.matcher(location);
        if (!m.matches() || !(transport instanceof ProtocolChannels channels)) {
            throw new IllegalArgumentException(m.matches() ? "the libp2p transport cannot open protocol channels here" : "'" + location + "' is not a hub address");
        }
        HubClient client = new HubClient(channels, keys, m.group(1));
        try {
            if (m.group(2) != null) {
                HubWire.Response r = client.call(Op.MEMBERS_PUT, "", "", HubWire.strings(claim(m.group(2))));
                if (r.status() != HubWire.Status.OK
                        && client.call(Op.MEMBERS_GET, "", "", new byte[0]).status() != HubWire.Status.OK) {
                    // not claimed by this device before (a restart would find it a member): the claim's own refusal says why
                    client.close();
                    throw new IllegalArgumentException("the hub refused the claim: " + r.message());
                }
            } else {
                client.expect(Op.MEMBERS_GET, "", "", new byte[0]);
            }
        } catch (HubClient.RefusedException e) {
            client.close();
            throw new IllegalArgumentException(e.getMessage());
        } catch (IOException e) {
            // not reachable now (down, moved): the rounds try again and say so in `cloud status`
            LOG.warn("hub {}: not reachable now, the cloud rounds will try again: {}", m.group(1), e.getMessage());
        }
        return new HubStore(client, m.group(1), keys.deviceId(), () -> List.copyOf(trusted));
    }

    private List<String> claim(String code) {
        List<String> entries = new java.util.ArrayList<>();
        entries.add("=" + code);
        for (TrustedDevices t : trusted) {
            t.trustedDeviceIds().stream().filter(t::isTrusted).forEach(id -> entries.add("+" + id));
        }
        return entries;
    }
}
