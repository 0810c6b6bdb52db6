package io.rhizome.transport.libp2p.tests;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.TransportListener;
import io.rhizome.transport.libp2p.internal.Libp2pConfig;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.noise.IdentitySigner;

/**
 * Runs inside a fresh network namespace that has only loopback (started by {@link MdnsNetnsTest}
 * through {@code unshare}), as a plain JVM: real multicast between libp2p nodes.
 * <ol>
 * <li>A and B (mDNS discovery on) report each other to their {@link TransportListener#discovered}
 * with the right device id, and A dials what it was told: a message crosses.</li>
 * <li>Rendezvous: B advertises a key; C (discovery off, rendezvous only) finds B's address by the
 * key and opens a pairing channel there; a key nobody advertises, or one no longer advertised, is
 * not found.</li>
 * <li>With a js folder argument: a js-libp2p node with @libp2p/mdns and A discover each other.</li>
 * </ol>
 * Prints one line per step and "OK" at the end; exit 0 on success, 1 on failure.
 */
public final class MdnsNetnsMain {

    private static final long WAIT_SECONDS = 20;
    private static final String PAIR = "/rhizome/pair/1.0.0";

    record Signer(Ed25519PrivateKeyParameters key) implements IdentitySigner {
        Signer() {
            this(new Ed25519PrivateKeyParameters(new SecureRandom()));
        }

        @Override
        public byte[] publicKey() {
            return key.generatePublicKey().getEncoded();
        }

        @Override
        public byte[] sign(byte[] data) {
            Ed25519Signer s = new Ed25519Signer();
            s.init(true, key);
            s.update(data, 0, data.length);
            return s.generateSignature();
        }

        String deviceId() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(publicKey());
        }
    }

    /** Records what a transport reports; completes {@code found} for one expected device. */
    static final class Listener implements TransportListener {
        final String expected;
        final CompletableFuture<String> found = new CompletableFuture<>();
        final CompletableFuture<String> received = new CompletableFuture<>();

        Listener(String expected) {
            this.expected = expected;
        }

        @Override
        public void inbound(PeerLink link) {
            link.receiver(new MessageReceiver() {
                @Override
                public void message(PeerLink l, byte[] m) {
                    received.complete(new String(m, StandardCharsets.UTF_8));
                }

                @Override
                public void closed(PeerLink l, Optional<Throwable> cause) {
                }
            });
        }

        @Override
        public void discovered(String deviceId, String address) {
            if (deviceId.equals(expected)) {
                found.complete(address);
            }
        }
    }

    public static void main(String[] args) {
        try {
            run(args.length > 0 ? new File(args[0]) : null);
            System.out.println("OK");
            System.exit(0);
        } catch (Throwable t) {
            System.out.println("FAILED: " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    static void run(File jsDir) throws Exception {
        Libp2pConfig config = Libp2pConfig.loopback("rhizome/mdns-netns");
        Signer ka = new Signer();
        Signer kb = new Signer();
        Listener la = new Listener(kb.deviceId());
        Listener lb = new Listener(ka.deviceId());
        Libp2pTransport a = new Libp2pTransport(ka, config, Duration.ofSeconds(1));
        Libp2pTransport b = new Libp2pTransport(kb, config, Duration.ofSeconds(1));
        Libp2pTransport c = new Libp2pTransport(new Signer(), config, null);
        try {
            a.start(la);
            b.start(lb);
            c.start(link -> {
            });
            String addrOfB = la.found.get(WAIT_SECONDS, TimeUnit.SECONDS);
            System.out.println("A discovered device " + kb.deviceId() + " at " + addrOfB);
            System.out.println("B discovered device " + ka.deviceId() + " at " + lb.found.get(WAIT_SECONDS, TimeUnit.SECONDS));
            PeerLink link = a.connect(addrOfB).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            check(kb.deviceId().equals(link.remotePeerId()), "A reached " + link.remotePeerId() + ", not B");
            link.send("found you over mDNS".getBytes(StandardCharsets.UTF_8));
            check("found you over mDNS".equals(lb.received.get(WAIT_SECONDS, TimeUnit.SECONDS)), "B got the wrong message");
            System.out.println("discovery: a message crossed from A to B");

            CompletableFuture<String> pairMessage = new CompletableFuture<>();
            b.serve(PAIR, l -> l.receiver(new MessageReceiver() {
                @Override
                public void message(PeerLink from, byte[] m) {
                    pairMessage.complete(from.remotePeerId() + ":" + new String(m, StandardCharsets.UTF_8));
                }

                @Override
                public void closed(PeerLink from, Optional<Throwable> cause) {
                }
            }));
            AutoCloseable ad = b.advertise("rz-netns-7f3a");
            List<String> found = c.find("rz-netns-7f3a", Duration.ofSeconds(WAIT_SECONDS)).toCompletableFuture()
                    .get(WAIT_SECONDS + 5, TimeUnit.SECONDS);
            System.out.println("rendezvous: C found rz-netns-7f3a at " + found);
            check(!found.isEmpty() && found.stream().allMatch(s -> s.endsWith("/p2p/" + b.host().peerId().toBase58())),
                    "rendezvous found " + found + ", not B");
            PeerLink pair = c.open(found.get(0), PAIR).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            pair.send("hello pairing".getBytes(StandardCharsets.UTF_8));
            String got = pairMessage.get(WAIT_SECONDS, TimeUnit.SECONDS);
            check(got.endsWith(":hello pairing"), "B got " + got);
            System.out.println("rendezvous: a pairing message crossed from C to B");

            List<String> nobody = c.find("rz-nobody", Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            check(nobody.isEmpty(), "a key nobody advertises was found at " + nobody);
            ad.close();
            List<String> withdrawn = c.find("rz-netns-7f3a", Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            check(withdrawn.isEmpty(), "a withdrawn key was still found at " + withdrawn);
            System.out.println("rendezvous: unknown and withdrawn keys are not found");

            if (jsDir != null) {
                jsInterop(a, jsDir);
            }
        } finally {
            a.stop();
            b.stop();
            c.stop();
        }
    }

    /** A js-libp2p node with @libp2p/mdns in the same namespace: each side must discover the other. */
    static void jsInterop(Libp2pTransport a, File jsDir) throws Exception {
        CompletableFuture<String> foundJs = new CompletableFuture<>();
        ProcessBuilder pb = new ProcessBuilder("node", "peer.mjs", "listen").directory(jsDir)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("MDNS", "1");
        pb.environment().put("PEER_TIMEOUT_MS", "60000");
        Process js = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(js.getInputStream(), StandardCharsets.UTF_8))) {
            String listening = r.readLine();
            check(listening != null && listening.contains("\"listening\""), "js peer did not start: " + listening);
            String jsPeer = listening.replaceAll(".*\"peerId\":\"([^\"]+)\".*", "$1");
            a.onDiscovered(p -> {
                if (p.peer().toBase58().equals(jsPeer)) {
                    foundJs.complete(p.addresses().toString());
                }
            });
            System.out.println("js: Rhizome discovered js-libp2p at " + foundJs.get(WAIT_SECONDS, TimeUnit.SECONDS));
            String ours = a.host().peerId().toBase58();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            String line;
            while ((line = r.readLine()) != null && System.nanoTime() < deadline) {
                if (line.contains("\"event\":\"discovery\"") && line.contains(ours)) {
                    System.out.println("js: js-libp2p discovered Rhizome: " + line);
                    return;
                }
            }
            throw new IllegalStateException("js-libp2p did not discover " + ours);
        } finally {
            js.getOutputStream().close();
            js.destroy();
            js.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }
}
