package io.rhizome.conformance.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.spi.policy.SyncPolicy.Decision;

/**
 * The contract of {@link SyncPolicy} every policy bundle passes: subclass it in your test bundle,
 * set up a fixture in which {@link #memberDevice()} may read and write {@link #namespace()} and
 * {@link #stranger()} is no device of the mesh, and return the policy under test.
 *
 * <p>What it checks: decisions are never null and carry a reason a person can read (a refusal is
 * sent to the peer as the protocol refusal's text); a stranger gets and gives nothing, on either
 * side; a member device syncs its namespace both ways; answers do not depend on the thread or on
 * earlier calls (the engine asks from several sync threads, repeatedly); {@link SyncPolicy#audit}
 * never throws; odd but legal input (an unknown namespace, the reserved declarations namespace) is
 * answered, not thrown at; a write point ({@link SyncPolicy#writePoint}) is never null, a point the
 * policy wrote itself is not awaited, and a member's write at it is accepted. A policy that judges the <i>author</i> of a relayed change set (not only
 * the relaying peer) says so with {@link #judgesAuthors()} and is checked for it.
 */
public abstract class SyncPolicyConformance {

    /** The policy under test, set up with the fixture. */
    protected abstract SyncPolicy policy() throws Exception;

    /** A device that may read and write {@link #namespace()}. */
    protected abstract String memberDevice();

    /** A device the policy knows nothing about. */
    protected abstract String stranger();

    /** A namespace {@link #memberDevice()} may read and write. */
    protected String namespace() {
        return "conformance.notes";
    }

    /** Whether the policy refuses a change set by an unknown author even when a member relays it. */
    protected boolean judgesAuthors() {
        return false;
    }

    private static void wellFormed(Decision d, String what) {
        assertNotNull(d, what + ": a decision, never null");
        assertNotNull(d.reason(), what + ": a reason");
        assertFalse(d.reason().isBlank(), what + ": a reason a person can read");
    }

    @Test
    public void aMemberDeviceSyncsItsNamespaceBothWays() throws Exception {
        SyncPolicy p = policy();
        Decision send = p.canSend(memberDevice(), namespace());
        Decision receive = p.canReceive(memberDevice(), namespace(), memberDevice());
        wellFormed(send, "canSend to the member");
        wellFormed(receive, "canReceive from the member");
        assertTrue(send.allowed(), send.reason());
        assertTrue(receive.allowed(), receive.reason());
    }

    @Test
    public void aStrangerGetsAndGivesNothingWithAReason() throws Exception {
        SyncPolicy p = policy();
        for (String ns : List.of(namespace(), "rhizome.namespaces", "anything.else")) {
            Decision send = p.canSend(stranger(), ns);
            Decision receive = p.canReceive(stranger(), ns, stranger());
            wellFormed(send, "canSend to a stranger");
            wellFormed(receive, "canReceive from a stranger");
            assertFalse(send.allowed(), "sent '" + ns + "' to a stranger");
            assertFalse(receive.allowed(), "accepted '" + ns + "' from a stranger");
        }
    }

    @Test
    public void anUnknownAuthorRelayedByAMemberIsRefusedByAPolicyThatJudgesAuthors() throws Exception {
        Decision d = policy().canReceive(memberDevice(), namespace(), stranger());
        wellFormed(d, "canReceive of a stranger's change set relayed by a member");
        if (judgesAuthors()) {
            assertFalse(d.allowed(), "accepted a stranger's change set because a member relayed it");
        }
    }

    @Test
    public void oddButLegalInputIsAnsweredAndAuditNeverThrows() throws Exception {
        SyncPolicy p = policy();
        for (String ns : List.of("x", "rhizome.namespaces", "a.b.c.d.e.f", "never-declared")) {
            Decision s = p.canSend(memberDevice(), ns);
            Decision r = p.canReceive(memberDevice(), ns, memberDevice());
            wellFormed(s, "canSend of '" + ns + "'");
            wellFormed(r, "canReceive of '" + ns + "'");
            p.audit(memberDevice(), ns, s);
            p.audit(stranger(), ns, Decision.deny("conformance: refused"));
            p.audit(stranger(), ns, Decision.ALLOW);
        }
    }

    @Test
    public void answersDoNotDependOnTheThreadOrOnEarlierCalls() throws Exception {
        SyncPolicy p = policy();
        boolean send = p.canSend(memberDevice(), namespace()).allowed();
        boolean refuse = p.canReceive(stranger(), namespace(), stranger()).allowed();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Callable<Boolean> work = () -> {
                    for (int i = 0; i < 2_000; i++) {
                        if (p.canSend(memberDevice(), namespace()).allowed() != send
                                || p.canReceive(stranger(), namespace(), stranger()).allowed() != refuse) {
                            return false;
                        }
                    }
                    return true;
                };
                results.add(pool.submit(work));
            }
            for (Future<Boolean> f : results) {
                assertEquals(true, f.get(60, TimeUnit.SECONDS), "a decision changed under concurrent calls");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void aWriteAtThePolicysOwnWritePointIsJudgedAtOnce() throws Exception {
        SyncPolicy p = policy();
        java.util.Set<String> point = p.writePoint(namespace());
        assertNotNull(point, "writePoint: a set, never null (empty for none)");
        if (!point.isEmpty()) {
            assertEquals(java.util.Optional.empty(), p.awaiting(namespace(), point), "a point this policy wrote itself is not awaited");
        }
        Decision member = p.canReceive(memberDevice(), namespace(), memberDevice(), point);
        wellFormed(member, "canReceive of the member's write at the policy's write point");
        assertTrue(member.allowed(), member.reason());
        Decision stranger = p.canReceive(stranger(), namespace(), stranger(), point);
        wellFormed(stranger, "canReceive of a stranger's write at the policy's write point");
        assertFalse(stranger.allowed(), "accepted a stranger's write because it named a write point");
    }
}
