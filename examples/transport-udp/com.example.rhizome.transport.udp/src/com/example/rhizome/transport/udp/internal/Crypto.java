package com.example.rhizome.transport.udp.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK's primitives the handshake needs (Java 17 has them all: X25519, Ed25519, HMAC-SHA256),
 * with keys in their raw 32-byte form as they travel in packets. The JDK speaks X.509
 * SubjectPublicKeyInfo; for these two curves that is a fixed 12-byte prefix before the raw key.
 */
final class Crypto {

    private static final byte[] X25519_PREFIX = hex("302a300506032b656e032100");
    private static final byte[] ED25519_PREFIX = hex("302a300506032b6570032100");

    private Crypto() {
    }

    static KeyPair x25519() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("XDH");
        g.initialize(NamedParameterSpec.X25519);
        return g.generateKeyPair();
    }

    /** The raw 32-byte form of an X25519 or Ed25519 public key of the JDK. */
    static byte[] raw(PublicKey key) {
        byte[] der = key.getEncoded();
        return Arrays.copyOfRange(der, der.length - 32, der.length);
    }

    static byte[] agree(KeyPair own, byte[] peerRaw) throws GeneralSecurityException {
        PublicKey peer = KeyFactory.getInstance("XDH").generatePublic(new X509EncodedKeySpec(concat(X25519_PREFIX, peerRaw)));
        KeyAgreement ka = KeyAgreement.getInstance("XDH");
        ka.init(own.getPrivate());
        ka.doPhase(peer, true);
        byte[] secret = ka.generateSecret();
        if (isZero(secret)) {
            // a low-order point: the peer chose the "shared" secret; refuse (RFC 7748, section 6.1)
            throw new GeneralSecurityException("the peer's ephemeral key is a low-order point");
        }
        return secret;
    }

    static boolean verifyEd25519(byte[] publicKeyRaw, byte[] message, byte[] signature) {
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_PREFIX, publicKeyRaw)));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // not a valid key or signature encoding: not authenticated
        }
    }

    /** HKDF-SHA256 (RFC 5869) with one output block: extract with {@code salt}, expand with {@code info}. */
    static byte[] hkdf(byte[] salt, byte[] ikm, String info) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt, "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        mac.update((byte) 1);
        return mac.doFinal();
    }

    static byte[] sha256(byte[] data) throws GeneralSecurityException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /** The device id of an identity key, as the Rhizome SPI defines it: base64url without padding. */
    static String deviceId(byte[] publicKeyRaw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(publicKeyRaw);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static boolean isZero(byte[] b) {
        int acc = 0;
        for (byte x : b) {
            acc |= x;
        }
        return acc == 0;
    }

    private static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
