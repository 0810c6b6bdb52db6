package io.rhizome.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Pairs devices into one mesh and manages the trusted devices ({@code rhizome pair}, {@code join},
 * {@code peers}, {@code peers revoke}). Provided by {@code io.rhizome.pairing} as an OSGi service;
 * transport-independent (it uses any transport that offers protocol channels).
 *
 * <p><b>Invitation:</b> {@link #invite()} creates a one-time code {@code RZ-XXXX-XXXX-XXXX}
 * (Crockford base32, 60 random bits), valid for 5 minutes, for one successful join, and killed after
 * 3 wrong attempts. It lives in the daemon: closing the CLI that showed it does not cancel it.
 *
 * <p><b>Security:</b> the code authenticates the exchange through a PAKE (EC J-PAKE on P-256), so
 * a network eavesdropper or a fake inviter learns nothing that lets it test codes offline; each
 * wrong guess costs an online attempt. The PAKE participants are bound to the transport-authenticated
 * device ids, and the mesh keys travel encrypted under the PAKE session key.
 *
 * <p><b>Threading:</b> thread-safe; {@link #join} blocks the caller for at most its timeout.
 *
 * <p><b>Versioning:</b> Implemented by {@code io.rhizome.pairing} only; host applications and the
 * REST API call it: {@code @ProviderType}: a method may be added in a minor version.
 *
 * @since 0.1
 */
@ProviderType
public interface PairingService {

    /** Creates a new invitation, replacing (and killing) an earlier one that is still active. */
    Invitation invite();

    /** The current invitation and its state, empty if none was created since the daemon started. */
    Optional<Invitation> invitation();

    /** Kills the current invitation, if any. */
    void cancelInvitation();

    /**
     * Joins the mesh of the device that shows {@code code}: finds it on the local network (or at
     * {@code address}, in a transport's syntax, for example a multiaddr), runs the PAKE, trusts it,
     * receives the mesh keys and starts syncing with it. Only a node that holds no data of its own
     * yet can join (its earlier writes are sealed under its own mesh key; export them before and
     * import them after joining).
     *
     * @param code    the code as shown, case-insensitive, with or without dashes (Crockford
     *                confusables I/L → 1, O → 0 accepted); or the {@code rhizome:join?...} URI of the QR code
     * @param address where the inviter listens, empty to find it on the local network
     * @return the inviter, now trusted
     * @throws PairingException with the reason it failed; nothing changed on this node
     */
    TrustedPeer join(String code, Optional<String> address, Duration timeout);

    /** The trusted (paired) devices, sorted by pairing time. */
    List<TrustedPeer> trustedPeers();

    /**
     * Revokes a device: it is no longer trusted, its links are closed, a new mesh key epoch is
     * started (so it cannot read anything written from now on) and the remaining trusted devices
     * are told (the new key and the revocation) the next time they are reachable.
     *
     * @throws PairingException {@link PairingException.Reason#UNKNOWN_PEER} if it is not trusted
     */
    void revoke(String deviceId);

    /**
     * A one-time pairing invitation.
     *
     * @param code          {@code RZ-XXXX-XXXX-XXXX}
     * @param joinUri       the QR code's content: {@code rhizome:join?code=...&addr=...}
     * @param expiresAt     epoch millis
     * @param attemptsLeft  wrong codes still tolerated
     * @param state         {@code active}, {@code used}, {@code expired}, {@code locked} (too many wrong codes) or {@code cancelled}
     * @param pairedWith    the device that joined, once {@code used}
     * @param addresses     where the inviter listens
     */
    record Invitation(String code, String joinUri, long expiresAt, int attemptsLeft, String state,
            Optional<String> pairedWith, List<String> addresses) {
        public Invitation {
            addresses = List.copyOf(addresses);
        }
    }

    /**
     * A trusted device.
     *
     * @param deviceId  its device id (base64url Ed25519 key)
     * @param fingerprint human-comparable fingerprint of its key
     * @param pairedAt  epoch millis
     * @param addresses last known addresses, {@code kind} + space + address
     * @param via       how it became trusted: {@code invited} (it joined us) or {@code joined} (we joined it) or {@code mesh} (told by another trusted device)
     */
    record TrustedPeer(String deviceId, String fingerprint, long pairedAt, List<String> addresses, String via) {
        public TrustedPeer {
            addresses = List.copyOf(addresses);
        }
    }
}
