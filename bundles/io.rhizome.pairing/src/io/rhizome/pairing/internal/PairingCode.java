package io.rhizome.pairing.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import io.rhizome.api.PairingException;
import io.rhizome.api.PairingException.Reason;

/**
 * A one-time pairing code {@code RZ-XXXX-XXXX-XXXX}: 12 Crockford base32 characters (60 random
 * bits). The first group also names the invitation on the local network: its hash is the
 * rendezvous key, so a LAN observer can learn those 20 bits; the PAKE password is the whole code,
 * so 40 unknown bits remain, and the inviter allows only 3 online guesses.
 */
public record PairingCode(String chars) {

    static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    static final int LENGTH = 12;

    public PairingCode {
        if (chars.length() != LENGTH || chars.chars().anyMatch(c -> ALPHABET.indexOf(c) < 0)) {
            throw new IllegalArgumentException("not a normalised pairing code: " + chars);
        }
    }

    public static PairingCode random(SecureRandom random) {
        StringBuilder sb = new StringBuilder(LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(32)));
        }
        return new PairingCode(sb.toString());
    }

    /**
     * Parses a code as a user types it: case-insensitive, dashes and spaces optional, the
     * {@code RZ} prefix optional, Crockford's confusables accepted (I and L read as 1, O as 0).
     */
    public static PairingCode parse(String text) {
        if (text == null) {
            throw malformed("no code given");
        }
        String s = text.trim().toUpperCase(Locale.ROOT).replace("-", "").replace(" ", "");
        if (s.startsWith("RZ") && s.length() == LENGTH + 2) {
            s = s.substring(2);
        }
        if (s.length() != LENGTH) {
            throw malformed("a pairing code has 12 characters after RZ- (RZ-XXXX-XXXX-XXXX), got '" + text.trim() + "'");
        }
        StringBuilder sb = new StringBuilder(LENGTH);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char n = switch (c) {
                case 'I', 'L' -> '1';
                case 'O' -> '0';
                default -> c;
            };
            if (ALPHABET.indexOf(n) < 0) {
                throw malformed("'" + c + "' is not a pairing-code character (Crockford base32: 0-9 and A-Z without I, L, O, U)");
            }
            sb.append(n);
        }
        return new PairingCode(sb.toString());
    }

    /** A code or a {@code rhizome:join?code=...&addr=...} URI (the QR code's content). */
    public static Parsed parseCodeOrUri(String text) {
        String t = text == null ? "" : text.trim();
        if (!t.regionMatches(true, 0, "rhizome:join?", 0, 13)) {
            return new Parsed(parse(t), List.of());
        }
        PairingCode code = null;
        List<String> addrs = new ArrayList<>();
        for (String part : t.substring(13).split("&")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = part.substring(0, eq);
            String value = URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            if (name.equals("code")) {
                code = parse(value);
            } else if (name.equals("addr")) {
                addrs.add(value);
            }
        }
        if (code == null) {
            throw malformed("the join link has no code= parameter");
        }
        return new Parsed(code, addrs);
    }

    /** A code with the addresses a join link carried. */
    public record Parsed(PairingCode code, List<String> addresses) {
    }

    /** As shown to users: {@code RZ-XXXX-XXXX-XXXX}. */
    public String display() {
        return "RZ-" + chars.substring(0, 4) + "-" + chars.substring(4, 8) + "-" + chars.substring(8);
    }

    /** The PAKE password. */
    char[] password() {
        return ("rhizome-pair-v1:" + chars).toCharArray();
    }

    /** The rendezvous key the inviter advertises on the LAN: a hash of the first group. */
    public String rendezvousKey() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(("rhizome-pair-lookup:" + chars.substring(0, 4)).getBytes(StandardCharsets.US_ASCII));
            return "rz-" + HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PairingException malformed(String message) {
        return new PairingException(Reason.MALFORMED_CODE, message);
    }

    @Override
    public String toString() {
        return "PairingCode[hidden]";
    }
}
