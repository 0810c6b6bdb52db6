package io.rhizome.policy.enterprise.internal.statement;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * One admin-signed statement of an organisation.
 *
 * <p><b>Causal position.</b> {@code seq} numbers the signer's statements (1, 2, ...) and
 * {@code seen} lists the ids of the statements the signer held as heads when it signed (its
 * causal past). A statement counts only once everything it saw is known, and is judged by the
 * state of its causal past; so an old statement sent again changes nothing (it is the same id, and
 * everything that saw it already overrides it), and a statement cannot claim to come "after"
 * something it did not see.
 *
 * @param org       the organisation's id (the id of its genesis statement); empty for the genesis itself
 * @param signer    the device id (Ed25519 public key, base64url) whose identity key signed it
 * @param seq       the signer's statement number, from 1
 * @param seen      ids of the statements the signer had as heads, sorted
 * @param at        the signer's wall clock, milliseconds (shown to people; never used to order)
 * @param action    what it says
 * @param signature Ed25519 over {@link #signedBytes()}
 */
public record Statement(String org, String signer, long seq, List<String> seen, long at, Action action, byte[] signature) {

    public Statement {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(action, "action");
        seen = seen.stream().sorted().distinct().toList();
        if (seq < 1) {
            throw new IllegalArgumentException("a statement's sequence number starts at 1, not " + seq);
        }
        signature = signature == null ? new byte[0] : signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The bytes the signer signs: every field but the signature, length-prefixed, under a domain tag. */
    public byte[] signedBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        field(out, "rhizome.org.statement/1");
        field(out, org);
        field(out, signer);
        field(out, Long.toString(seq));
        field(out, Long.toString(at));
        field(out, Integer.toString(seen.size()));
        seen.forEach(s -> field(out, s));
        List<String> f = action.fields();
        field(out, Integer.toString(f.size()));
        f.forEach(s -> field(out, s));
        return out.toByteArray();
    }

    /** This statement with a signature. */
    public Statement signed(byte[] sig) {
        return new Statement(org, signer, seq, seen, at, action, sig);
    }

    /**
     * The statement's id: SHA-256 of the signed bytes and the signature, base64url. A copy with
     * another signature is another statement, so a forged copy cannot take a real one's place.
     */
    public String id() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(signedBytes());
            d.update(signature);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Whether this is an organisation's genesis statement. */
    public boolean isGenesis() {
        return action instanceof Action.CreateOrg;
    }

    private static void field(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >>> 24);
        out.write(b.length >>> 16);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Statement s && s.id().equals(id());
    }

    @Override
    public int hashCode() {
        return id().hashCode();
    }

    @Override
    public String toString() {
        return "Statement[" + id() + " " + action.fields() + " by " + signer + "#" + seq + "]";
    }
}
