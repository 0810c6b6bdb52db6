import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.transport.libp2p.internal.Libp2pConfig;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.mdns.MdnsPeerDiscovery.DiscoveredPeer;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;

/**
 * Two libp2p transports with mDNS in one network namespace that has only loopback: each must find
 * the other through real multicast, then A dials what it found and a message crosses. Exit 0 on
 * success. Run through mdns-netns.sh.
 */
public class MdnsNetnsCheck {

    record Signer(Ed25519PrivateKeyParameters key) implements IdentitySigner {
        public byte[] publicKey() {
            return key.generatePublicKey().getEncoded();
        }

        public byte[] sign(byte[] data) {
            Ed25519Signer s = new Ed25519Signer();
            s.init(true, key);
            s.update(data, 0, data.length);
            return s.generateSignature();
        }
    }

    /** A js-libp2p node with @libp2p/mdns in the same namespace: each side must discover the other. */
    static void jsInterop(Libp2pTransport a, java.io.File jsDir) throws Exception {
        CompletableFuture<DiscoveredPeer> foundJs = new CompletableFuture<>();
        ProcessBuilder pb = new ProcessBuilder("node", "peer.mjs", "listen").directory(jsDir)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("MDNS", "1");
        Process js = pb.start();
        try {
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(js.getInputStream(), StandardCharsets.UTF_8));
            String listening = r.readLine();
            String jsPeer = listening.replaceAll(".*\"peerId\":\"([^\"]+)\".*", "$1");
            a.onDiscovered(p -> {
                if (p.peer().toBase58().equals(jsPeer)) {
                    foundJs.complete(p);
                }
            });
            System.out.println("Rhizome discovered js-libp2p " + foundJs.get(20, TimeUnit.SECONDS));
            String ours = a.host().peerId().toBase58();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String line;
            while ((line = r.readLine()) != null && System.nanoTime() < deadline) {
                if (line.contains("\"event\":\"discovery\"") && line.contains(ours)) {
                    System.out.println("js-libp2p discovered Rhizome: " + line);
                    return;
                }
            }
            throw new IllegalStateException("js-libp2p did not discover " + ours);
        } finally {
            js.getOutputStream().close();
            js.destroy();
        }
    }

    public static void main(String[] args) throws Exception {
        Libp2pConfig config = Libp2pConfig.loopback("rhizome/mdns-check");
        Libp2pTransport a = new Libp2pTransport(new Signer(new Ed25519PrivateKeyParameters(new SecureRandom())), config,
                Duration.ofSeconds(1));
        Libp2pTransport b = new Libp2pTransport(new Signer(new Ed25519PrivateKeyParameters(new SecureRandom())), config,
                Duration.ofSeconds(1));
        CompletableFuture<DiscoveredPeer> aFoundB = new CompletableFuture<>();
        CompletableFuture<DiscoveredPeer> bFoundA = new CompletableFuture<>();
        CompletableFuture<String> received = new CompletableFuture<>();
        a.onDiscovered(aFoundB::complete);
        b.onDiscovered(bFoundA::complete);
        a.start(link -> {
        });
        b.start(link -> link.receiver(new MessageReceiver() {
            public void message(PeerLink l, byte[] m) {
                received.complete(new String(m, StandardCharsets.UTF_8));
            }

            public void closed(PeerLink l, Optional<Throwable> cause) {
            }
        }));
        try {
            DiscoveredPeer found = aFoundB.get(20, TimeUnit.SECONDS);
            System.out.println("A discovered " + found.peer() + " at " + found.addresses());
            System.out.println("B discovered " + bFoundA.get(20, TimeUnit.SECONDS).peer());
            if (!found.peer().equals(b.host().peerId())) {
                throw new IllegalStateException("A discovered someone else: " + found.peer());
            }
            PeerLink link = a.connect(found.addresses().get(0).toString()).toCompletableFuture().get(20, TimeUnit.SECONDS);
            link.send("found you over mDNS".getBytes(StandardCharsets.UTF_8));
            System.out.println("B received: " + received.get(20, TimeUnit.SECONDS));
            if (args.length > 0) {
                jsInterop(a, new java.io.File(args[0]));
            }
            System.out.println("OK");
        } finally {
            a.stop();
            b.stop();
        }
    }
}
