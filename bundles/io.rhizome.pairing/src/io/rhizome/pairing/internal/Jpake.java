package io.rhizome.pairing.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.agreement.jpake.JPAKEParticipant;
import org.bouncycastle.crypto.agreement.jpake.JPAKEPrimeOrderGroups;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound1Payload;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound2Payload;
import org.bouncycastle.crypto.agreement.jpake.JPAKERound3Payload;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One side of a J-PAKE exchange (Bouncy Castle, the NIST 3072-bit prime-order group, SHA-256) with
 * the wire form of its payloads, and the AEAD box both sides use once the key is agreed.
 *
 * <p>Each side's participant id is its own device id, and the remote payload is read with the
 * remote's <em>transport-authenticated</em> device id: the zero-knowledge proofs bind the id, so a
 * relay that authenticated as somebody else cannot pass payloads through.
 */
final class Jpake {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final byte[] SALT = "rhizome-pair-v1".getBytes(StandardCharsets.US_ASCII);

    private final JPAKEParticipant participant;
    private final String remoteId;
    private BigInteger keyingMaterial;
    private byte[] sessionKey;

    Jpake(String selfId, String remoteId, PairingCode code, SecureRandom random) {
        this.participant = new JPAKEParticipant(selfId, code.password(), JPAKEPrimeOrderGroups.NIST_3072, new SHA256Digest(), random);
        this.remoteId = remoteId;
    }

    ObjectNode round1(ObjectNode into) {
        JPAKERound1Payload p = participant.createRound1PayloadToSend();
        into.put("gx1", p.getGx1().toByteArray());
        into.put("gx2", p.getGx2().toByteArray());
        into.set("zkp1", proof(p.getKnowledgeProofForX1()));
        into.set("zkp2", proof(p.getKnowledgeProofForX2()));
        return into;
    }

    void acceptRound1(JsonNode m) throws PairingProtocolException {
        try {
            participant.validateRound1PayloadReceived(new JPAKERound1Payload(remoteId, number(m, "gx1"), number(m, "gx2"),
                    proof(m, "zkp1"), proof(m, "zkp2")));
        } catch (CryptoException | IllegalArgumentException e) {
            throw new PairingProtocolException("J-PAKE round 1 from " + remoteId + " is invalid: " + e.getMessage());
        }
    }

    ObjectNode round2(ObjectNode into) {
        JPAKERound2Payload p = participant.createRound2PayloadToSend();
        into.put("a", p.getA().toByteArray());
        into.set("zkp", proof(p.getKnowledgeProofForX2s()));
        return into;
    }

    void acceptRound2(JsonNode m) throws PairingProtocolException {
        try {
            participant.validateRound2PayloadReceived(new JPAKERound2Payload(remoteId, number(m, "a"), proof(m, "zkp")));
        } catch (CryptoException | IllegalArgumentException e) {
            throw new PairingProtocolException("J-PAKE round 2 from " + remoteId + " is invalid: " + e.getMessage());
        }
        keyingMaterial = participant.calculateKeyingMaterial();
        byte[] ikm = keyingMaterial.toByteArray();
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, SALT, "session".getBytes(StandardCharsets.US_ASCII)));
        sessionKey = new byte[32];
        hkdf.generateBytes(sessionKey, 0, 32);
    }

    ObjectNode round3(ObjectNode into) {
        into.put("mac", participant.createRound3PayloadToSend(keyingMaterial).getMacTag().toByteArray());
        return into;
    }

    /** @return false when the remote's key confirmation does not match: it used another code */
    boolean confirms(JsonNode m) throws PairingProtocolException {
        try {
            participant.validateRound3PayloadReceived(new JPAKERound3Payload(remoteId, mac(m)), keyingMaterial);
            return true;
        } catch (CryptoException e) {
            return false;
        } catch (IllegalArgumentException e) {
            throw new PairingProtocolException("J-PAKE round 3 from " + remoteId + " is malformed: " + e.getMessage());
        }
    }

    byte[] seal(byte[] plaintext, String label) {
        try {
            byte[] nonce = new byte[12];
            new SecureRandom().nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(sessionKey, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(("rhizome-pair-v1|" + label).getBytes(StandardCharsets.US_ASCII));
            byte[] ct = c.doFinal(plaintext);
            byte[] out = new byte[12 + ct.length];
            System.arraycopy(nonce, 0, out, 0, 12);
            System.arraycopy(ct, 0, out, 12, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    byte[] open(byte[] box, String label) throws PairingProtocolException {
        if (box == null || box.length < 12 + 16) {
            throw new PairingProtocolException("the sealed " + label + " message is too short");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(sessionKey, "AES"), new GCMParameterSpec(128, box, 0, 12));
            c.updateAAD(("rhizome-pair-v1|" + label).getBytes(StandardCharsets.US_ASCII));
            return c.doFinal(box, 12, box.length - 12);
        } catch (GeneralSecurityException e) {
            throw new PairingProtocolException("the sealed " + label + " message does not open under the agreed key");
        }
    }

    private static ArrayNode proof(BigInteger[] zkp) {
        ArrayNode a = F.arrayNode();
        for (BigInteger b : zkp) {
            a.add(b.toByteArray());
        }
        return a;
    }

    private static BigInteger[] proof(JsonNode m, String field) throws PairingProtocolException {
        JsonNode a = m.get(field);
        if (a == null || !a.isArray() || a.size() != 2) {
            throw new PairingProtocolException("field '" + field + "' must be a proof of two numbers");
        }
        return new BigInteger[] { number(a.get(0), field), number(a.get(1), field) };
    }

    private static BigInteger mac(JsonNode m) throws PairingProtocolException {
        JsonNode n = m.get("mac");
        try {
            if (n == null || !n.isBinary() || n.binaryValue().length == 0 || n.binaryValue().length > 64) {
                throw new PairingProtocolException("field 'mac' must be 1 to 64 bytes");
            }
            return new BigInteger(n.binaryValue());
        } catch (java.io.IOException e) {
            throw new PairingProtocolException("field 'mac' is unreadable");
        }
    }

    private static BigInteger number(JsonNode m, String field) throws PairingProtocolException {
        JsonNode n = m.isObject() ? m.get(field) : m;
        try {
            if (n == null || !n.isBinary() || n.binaryValue().length == 0 || n.binaryValue().length > 1024) {
                throw new PairingProtocolException("field '" + field + "' must be a number of 1 to 1024 bytes");
            }
            BigInteger b = new BigInteger(n.binaryValue());
            if (b.signum() <= 0) {
                throw new PairingProtocolException("field '" + field + "' must be positive");
            }
            return b;
        } catch (java.io.IOException e) {
            throw new PairingProtocolException("field '" + field + "' is unreadable");
        }
    }
}
