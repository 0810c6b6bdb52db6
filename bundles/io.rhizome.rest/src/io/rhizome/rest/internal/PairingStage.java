package io.rhizome.rest.internal;

import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.PairingService.Invitation;
import io.rhizome.api.PeerStatus;
import io.rhizome.api.SyncProgress;
import io.rhizome.api.SyncStatus;

/**
 * Where a pairing is, for the inviter's invitation: {@code waiting-for-joiner} while the code is
 * open, then (once used) {@code connecting} until a sync session with the new device runs,
 * {@code catching-up} while change sets cross, {@code done} once caught up; or the invitation's
 * end state ({@code expired}, {@code locked}, {@code cancelled}). The key agreement itself runs
 * inside the pairing service in well under a second and is not seen from here; the joiner's side
 * shows it as the {@code join} operation's {@code key-agreement} phase.
 */
final class PairingStage {

    private PairingStage() {
    }

    static String of(Invitation i, Optional<PeerStatus> peer) {
        return switch (i.state()) {
            case "active" -> "waiting-for-joiner";
            case "used" -> peer.filter(PeerStatus::connected).map(p -> p.progress().caughtUp() ? "done" : "catching-up").orElse("connecting");
            default -> i.state();
        };
    }

    static Optional<PeerStatus> peer(Invitation i, Optional<SyncStatus> status) {
        return i.pairedWith().flatMap(id -> status.flatMap(s -> s.peers().stream().filter(p -> p.peerId().equals(id)).findFirst()));
    }

    /** Adds {@code stage} and, once the joiner is a peer, {@code catchUp} (what is left with it) to an invitation's JSON. */
    static void describe(ObjectNode o, Invitation i, Optional<SyncStatus> status) {
        Optional<PeerStatus> peer = peer(i, status);
        o.put("stage", of(i, peer));
        peer.ifPresent(p -> {
            SyncProgress g = p.progress();
            ObjectNode c = o.putObject("catchUp");
            c.put("connected", p.connected());
            c.put("incoming", g.incoming());
            c.put("outgoing", g.outgoing());
            c.put("changeSetsReceived", g.changeSetsReceived());
            c.put("changeSetsSent", g.changeSetsSent());
            c.put("caughtUp", p.connected() && g.caughtUp());
            if (g.eta().isPresent()) {
                c.put("etaSeconds", Math.max(1, (g.eta().get().toMillis() + 999) / 1000));
            } else {
                c.putNull("etaSeconds");
            }
        });
    }
}
