package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rhizome.transport.libp2p.internal.FileListenPortStore;
import io.rhizome.transport.libp2p.internal.KeyServiceSigner;
import io.rhizome.transport.libp2p.internal.TcpAddresses;
import io.rhizome.transport.libp2p.internal.Libp2pSettings;
import io.rhizome.transport.libp2p.internal.Libp2pTransport;
import io.rhizome.transport.libp2p.internal.multiformats.Multiaddr;

/** p2p.listen / p2p.mdns parsing, and port-0 listen addresses keeping their port across restarts. */
class ListenSettingsTest {

    @TempDir
    Path home;

    @Test
    void settingsAreParsedStrictlyWithClearErrors() {
        assertEquals(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/0")), Libp2pSettings.parseListen(null));
        assertEquals(List.of(Multiaddr.parse("/ip4/0.0.0.0/tcp/0")), Libp2pSettings.parseListen("  "));
        assertEquals(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"), Multiaddr.parse("/ip6/::1/tcp/0")),
                Libp2pSettings.parseListen("/ip4/127.0.0.1/tcp/4001, /ip6/::1/tcp/0"));
        for (String bad : List.of("/ip4/1.2.3/tcp/1", "/ip4/127.0.0.1/tcp/70000", "/dns4/example.com/tcp/1",
                "/ip4/127.0.0.1/udp/1", "/ip4/127.0.0.1", "127.0.0.1:4001", "/ip4/127.0.0.1/tcp/1,")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Libp2pSettings.parseListen(bad), bad);
            assertTrue(e.getMessage().startsWith("p2p.listen: "), e.getMessage());
        }
        assertTrue(Libp2pSettings.parseMdns(null, true));
        assertFalse(Libp2pSettings.parseMdns("FALSE", true));
        assertTrue(Libp2pSettings.parseMdns(" true ", false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Libp2pSettings.parseMdns("yes", true));
        assertEquals("p2p.mdns: must be true or false, not 'yes'", e.getMessage());
    }

    private Libp2pTransport transport(TestKeys keys, FileListenPortStore store) {
        return new Libp2pTransport(new KeyServiceSigner(keys), Nodes.config(), null, store);
    }

    private static int port(Libp2pTransport t) {
        return TcpAddresses.tcpPort(Multiaddr.parse(t.listenAddresses().get(0)));
    }

    @Test
    void aPortZeroListenAddressKeepsItsPortAcrossRestartsAndProcesses() throws Exception {
        TestKeys keys = TestKeys.random();
        FileListenPortStore store = new FileListenPortStore(home.resolve(FileListenPortStore.FILE_NAME));
        Libp2pTransport t = transport(keys, store);
        t.start(link -> {
        });
        int first = port(t);
        assertTrue(first > 0);
        assertEquals(Optional.of(first), store.port("/ip4/127.0.0.1/tcp/0"));
        t.stop();
        t.start(link -> {
        });
        assertEquals(first, port(t), "same instance restarted (engine pause/resume)");
        t.stop();

        // a new process on the same home: a new transport reading the file
        Libp2pTransport again = transport(keys, new FileListenPortStore(home.resolve(FileListenPortStore.FILE_NAME)));
        again.start(link -> {
        });
        try {
            assertEquals(first, port(again));
        } finally {
            again.stop();
        }
    }

    @Test
    void aRememberedPortThatIsTakenFallsBackToAFreshOneAndIsReplaced() throws Exception {
        FileListenPortStore store = new FileListenPortStore(home.resolve(FileListenPortStore.FILE_NAME));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            store.remember(Map.of("/ip4/127.0.0.1/tcp/0", taken.getLocalPort()));
            Libp2pTransport t = transport(TestKeys.random(), store);
            t.start(link -> {
            });
            try {
                assertNotEquals(taken.getLocalPort(), port(t));
                assertEquals(Optional.of(port(t)), store.port("/ip4/127.0.0.1/tcp/0"));
            } finally {
                t.stop();
            }
        }
    }

    @Test
    void aCorruptPortFileIsIgnored() throws Exception {
        Path file = home.resolve(FileListenPortStore.FILE_NAME);
        Files.writeString(file, "/ip4/127.0.0.1/tcp/0=banana\n");
        FileListenPortStore store = new FileListenPortStore(file);
        assertEquals(Optional.empty(), store.port("/ip4/127.0.0.1/tcp/0"));
        Libp2pTransport t = transport(TestKeys.random(), store);
        t.start(link -> {
        });
        try {
            assertEquals(Optional.of(port(t)), store.port("/ip4/127.0.0.1/tcp/0"));
        } finally {
            t.stop();
        }
    }
}
