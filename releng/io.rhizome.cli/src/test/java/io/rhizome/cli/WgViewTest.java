package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** {@code rhizome wg show} says where each peer came from and which revoked devices lost their peer. */
class WgViewTest {

    @Test
    void peersSayWhetherPairingOrTheConfigurationMadeThemAndRevokedDevicesAreListed() throws Exception {
        String text = WgView.render(new ObjectMapper().readTree("""
                {"transports": {"wireguard": {"available": true, "running": true, "interface": "rzwga", "publicKey": "PUB",
                 "udpPort": 51820, "meshId": "demo", "address": "fd00::1", "listenAddresses": ["[fd00::1]:7300"],
                 "revokedPeers": ["DEV-C"],
                 "peers": [{"deviceId": "DEV-B", "publicKey": "KEY-B", "address": "fd00::2", "source": "paired",
                            "endpoint": "10.77.0.2:51820", "handshakeAgeSeconds": 4, "rxBytes": 180, "txBytes": 272}]}}}"""));
        assertTrue(text.contains("peer: KEY-B\n  device: DEV-B\n  address: fd00::2\n  from: paired\n  endpoint: 10.77.0.2:51820\n"), text);
        assertTrue(text.contains("  latest handshake: 4 s ago\n"), text);
        assertTrue(text.contains("revoked, peer removed: DEV-C\n"), text);
    }
}
