package io.rhizome.transport.libp2p.internal.mdns;

import java.util.List;

import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;
import io.rhizome.transport.libp2p.internal.multiformats.MultiformatException;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/**
 * mDNS packets as any host on the link may send them: {@link DnsMessage#decode}, then what
 * discovery reads from an answer (PTR targets, TXT strings, the {@code dnsaddr=} multiaddrs in them).
 * Documented errors: {@link DnsMessage.DnsException}, and {@link MultiformatException} for a
 * multiaddr that does not parse.
 */
public final class DnsFuzz implements Target {

    private static final Contract CONTRACT = Contract.typed(DnsMessage.DnsException.class, MultiformatException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        CONTRACT.check(input, () -> {
            DnsMessage m = DnsMessage.decode(input, input.length);
            for (List<DnsMessage.Record> records : List.of(m.answers(), m.additionals())) {
                for (DnsMessage.Record r : records) {
                    if (r.type() == DnsMessage.TYPE_PTR) {
                        DnsMessage.ptrTarget(r);
                    } else if (r.type() == DnsMessage.TYPE_TXT) {
                        for (String s : r.txtStrings()) {
                            if (s.startsWith("dnsaddr=")) {
                                try {
                                    Multiaddr.parse(s.substring("dnsaddr=".length())).peerId();
                                } catch (MultiformatException e) {
                                    // typed: the address is skipped
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    public List<byte[]> seeds() {
        String service = "_p2p._udp.local";
        DnsMessage query = new DnsMessage(1, false, List.of(new DnsMessage.Question(service, DnsMessage.TYPE_PTR, 1)), List.of(), List.of());
        DnsMessage answer = new DnsMessage(0, true, List.of(),
                List.of(DnsMessage.Record.ptr(service, "peer1." + service, 120)),
                List.of(DnsMessage.Record.txt("peer1." + service,
                        List.of("dnsaddr=/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"), 120)));
        return List.of(query.encode(), answer.encode());
    }
}
