package io.rhizome.pairing.internal;

import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

import io.rhizome.api.PairingService;

/**
 * The daemon's current invitation: 5 minutes, one successful join, 3 wrong attempts. An attempt is
 * charged when the inviter sends its second J-PAKE round (from then on the joiner could test a
 * guess), and refunded by nothing: a joiner that hangs up after that has used it.
 */
final class ActiveInvitation {

    static final long LIFETIME_MILLIS = 5 * 60 * 1000L;
    static final int ATTEMPTS = 3;

    final PairingCode code;
    final long expiresAt;
    final String joinUri;
    final List<String> addresses;
    private final LongSupplier clock;
    private int attemptsLeft = ATTEMPTS;
    private String state = "active";
    private String pairedWith;
    private Object holder;

    ActiveInvitation(PairingCode code, long now, List<String> addresses, String joinUri, LongSupplier clock) {
        this.code = code;
        this.expiresAt = now + LIFETIME_MILLIS;
        this.addresses = List.copyOf(addresses);
        this.joinUri = joinUri;
        this.clock = clock;
    }

    synchronized String state() {
        if (state.equals("active") && clock.getAsLong() >= expiresAt) {
            state = "expired";
        }
        return state;
    }

    /** Takes the invitation for one exchange; null if that is possible, else why not. */
    synchronized String acquire(Object exchange) {
        String s = state();
        if (!s.equals("active")) {
            return switch (s) {
                case "used" -> "this invitation was already used";
                case "expired" -> "this invitation expired; ask for a new code";
                case "locked" -> "this invitation was locked after " + ATTEMPTS + " wrong codes; ask for a new code";
                default -> "this invitation was cancelled";
            };
        }
        if (holder != null && holder != exchange) {
            return "another device is pairing with this invitation right now; try again in a moment";
        }
        holder = exchange;
        return null;
    }

    synchronized void release(Object exchange) {
        if (holder == exchange) {
            holder = null;
            if (attemptsLeft == 0 && state.equals("active")) {
                state = "locked";
            }
        }
    }

    synchronized void charge() {
        attemptsLeft = Math.max(0, attemptsLeft - 1);
    }

    synchronized int attemptsLeft() {
        return attemptsLeft;
    }

    synchronized void used(String deviceId) {
        state = "used";
        pairedWith = deviceId;
    }

    synchronized void cancel() {
        if (state().equals("active")) {
            state = "cancelled";
        }
    }

    synchronized PairingService.Invitation view() {
        return new PairingService.Invitation(code.display(), joinUri, expiresAt, attemptsLeft, state(), Optional.ofNullable(pairedWith), addresses);
    }
}
