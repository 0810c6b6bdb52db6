package com.example.rhizome.transport.udp.internal;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Arrays;

/**
 * The keys of one link, agreed in the handshake (see {@link Packets}): an X25519 exchange of
 * ephemeral keys, each side signing the transcript (both ephemeral keys, the connection id, the
 * protocol) with its Ed25519 identity key, which is its device id. A valid signature proves that
 * the far end holds the private key of the device id it claims; the fresh ephemeral keys make each
 * link's keys new (forward secrecy) and a recorded handshake useless to replay. One key per
 * direction, from HKDF-SHA256 over the shared secret salted with the transcript's hash.
 *
 * <p>Whether that device may sync is not decided here: the engine and its policy decide that by
 * the authenticated device id, as for every transport.
 */
final class Handshake {

    final long conn;
    final InetSocketAddress remote;
    final String protocol;
    final KeyPair ephemeral;
    final byte[] ownEphemeral;
    /** What this side resends until the next step arrives: HELLO (dialler) or WELCOME (listener). */
    byte[] resend;
    byte[] transcript;
    Sealer out;
    Sealer in;
    byte[] remoteIdentity;
    final long startedAt;
    long lastSent;

    Handshake(long conn, InetSocketAddress remote, String protocol, long now) throws GeneralSecurityException {
        this.conn = conn;
        this.remote = remote;
        this.protocol = protocol;
        this.ephemeral = Crypto.x25519();
        this.ownEphemeral = Crypto.raw(ephemeral.getPublic());
        this.startedAt = now;
    }

    /** The listener's side, on a HELLO: agrees the keys and makes the WELCOME it sends (and resends). */
    void welcome(Identity identity, byte[] clientEphemeral) throws Exception {
        transcript = Packets.transcript(conn, clientEphemeral, ownEphemeral, protocol);
        keys(clientEphemeral, false);
        byte[] self = identity.publicKey();
        resend = Packets.welcome(conn, ownEphemeral, self, identity.sign(Crypto.concat(new byte[] { 'S' }, transcript)));
    }

    /**
     * The dialler's side, on a WELCOME: checks the listener's signature, agrees the keys and makes
     * the FINISH. Returns false (and changes nothing) for a WELCOME that does not verify.
     */
    boolean finish(Identity identity, byte[] p, int length) throws Exception {
        if (length != 9 + 2 * Packets.KEY + Packets.SIGNATURE) {
            return false;
        }
        byte[] serverEphemeral = Arrays.copyOfRange(p, 9, 9 + Packets.KEY);
        byte[] serverIdentity = Arrays.copyOfRange(p, 9 + Packets.KEY, 9 + 2 * Packets.KEY);
        byte[] signature = Arrays.copyOfRange(p, 9 + 2 * Packets.KEY, length);
        byte[] t = Packets.transcript(conn, ownEphemeral, serverEphemeral, protocol);
        if (!Crypto.verifyEd25519(serverIdentity, Crypto.concat(new byte[] { 'S' }, t), signature)) {
            return false;
        }
        transcript = t;
        remoteIdentity = serverIdentity;
        keys(serverEphemeral, true);
        byte[] self = identity.publicKey();
        resend = Packets.finish(conn, self, identity.sign(Crypto.concat(new byte[] { 'C' }, t, serverIdentity)));
        return true;
    }

    /** The listener's side, on a FINISH: whether the dialler proved its identity; records it. */
    boolean verifyFinish(Identity identity, byte[] p, int length) {
        if (length != 9 + Packets.KEY + Packets.SIGNATURE || transcript == null) {
            return false;
        }
        byte[] clientIdentity = Arrays.copyOfRange(p, 9, 9 + Packets.KEY);
        byte[] signature = Arrays.copyOfRange(p, 9 + Packets.KEY, length);
        if (!Crypto.verifyEd25519(clientIdentity, Crypto.concat(new byte[] { 'C' }, transcript, identity.publicKey()), signature)) {
            return false;
        }
        remoteIdentity = clientIdentity;
        return true;
    }

    private void keys(byte[] peerEphemeral, boolean dialler) throws GeneralSecurityException {
        byte[] secret = Crypto.agree(ephemeral, peerEphemeral);
        byte[] salt = Crypto.sha256(transcript);
        Sealer c2s = new Sealer(Crypto.hkdf(salt, secret, "client to server"));
        Sealer s2c = new Sealer(Crypto.hkdf(salt, secret, "server to client"));
        out = dialler ? c2s : s2c;
        in = dialler ? s2c : c2s;
    }
}
