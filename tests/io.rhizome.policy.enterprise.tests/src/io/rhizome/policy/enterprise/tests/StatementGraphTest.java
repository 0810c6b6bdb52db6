package io.rhizome.policy.enterprise.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rhizome.policy.enterprise.internal.statement.Action;
import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.policy.enterprise.internal.statement.Role;
import io.rhizome.policy.enterprise.internal.statement.Statement;
import io.rhizome.policy.enterprise.internal.statement.StatementCodec;
import io.rhizome.policy.enterprise.internal.statement.StatementGraph;

/** Statements: signatures, causal order, delegation, conflicts, rights. Plain logic, real Ed25519 keys. */
class StatementGraphTest {

    private final Signer admin = new Signer();

    private Statement genesis() {
        return admin.sign(new Action.CreateOrg("acme", "alice"));
    }

    /** Adds member {@code name} with role and teams, and {@code device} as its device, signed by {@code by}. */
    private static void enrol(Signer by, String name, Role role, List<String> teams, String device) {
        by.sign(new Action.SetMember(name, role, teams));
        by.sign(new Action.AddDevice(name, device));
    }

    private static String rejection(StatementGraph g, Statement s) {
        return g.resolve().rejected().get(s.id());
    }

    @Test
    void theGenesisSignerIsTheFirstAdminAndMayReadAndWriteEverything() {
        Statement g = genesis();
        Organisation org = admin.org();
        assertEquals(g.id(), org.id());
        assertEquals("acme", org.name());
        assertEquals(Role.ADMIN, org.memberOf(admin.device()).orElseThrow().role());
        assertTrue(org.mayWrite(admin.device(), "acme.hr.payroll").allowed());
        assertFalse(org.mayRead(new DeviceKeys().device(), "acme.hr").allowed(), "an unenrolled device has no rights");
    }

    @Test
    void aclEntriesGrantByRoleAndTeamAndPatternAndReadOnlyNeverWrites() {
        genesis();
        Signer bob = new Signer();
        Signer carol = new Signer();
        Signer dave = new Signer();
        enrol(admin, "bob", Role.MEMBER, List.of("hr"), bob.device());
        enrol(admin, "carol", Role.MEMBER, List.of("eng"), carol.device());
        enrol(admin, "dave", Role.READ_ONLY, List.of("hr"), dave.device());
        admin.sign(new Action.Grant("acme.hr.*", "team:hr", true));
        admin.sign(new Action.Grant("acme.eng", "team:eng", true));
        admin.sign(new Action.Grant("acme.news", "role:member", false));
        Organisation org = admin.org();

        assertTrue(org.mayWrite(bob.device(), "acme.hr.payroll").allowed());
        assertFalse(org.mayRead(bob.device(), "acme.hrx").allowed(), "'acme.hr.*' matches below acme.hr only");
        assertFalse(org.mayRead(bob.device(), "acme.eng").allowed());
        assertTrue(org.mayRead(carol.device(), "acme.eng").allowed());
        assertTrue(org.mayRead(carol.device(), "acme.news").allowed());
        assertFalse(org.mayWrite(carol.device(), "acme.news").allowed(), "a read grant does not let a member write");
        assertTrue(org.mayRead(dave.device(), "acme.hr.payroll").allowed());
        Organisation.Verdict w = org.mayWrite(dave.device(), "acme.hr.payroll");
        assertFalse(w.allowed(), "a read-only member never writes, even where its team may");
        assertTrue(w.rule().contains("read-only"), w.rule());
        assertTrue(org.mayWrite(bob.device(), "acme.hr.payroll").rule().contains("acme.hr.*"));
    }

    @Test
    void removingAMemberRemovesItsDevices() {
        genesis();
        Signer bob = new Signer();
        enrol(admin, "bob", Role.MEMBER, List.of("hr"), bob.device());
        admin.sign(new Action.Grant("*", "team:hr", true));
        assertTrue(admin.org().mayRead(bob.device(), "x").allowed());
        admin.sign(new Action.RemoveMember("bob"));
        Organisation org = admin.org();
        assertFalse(org.mayRead(bob.device(), "x").allowed());
        assertTrue(org.memberOf(bob.device()).isEmpty());
    }

    @Test
    void aForgedSignatureIsNotKeptAndCountsNothing() {
        genesis();
        DeviceKeys thief = new DeviceKeys();
        Statement real = admin.graph.next(admin.device(), new Action.Grant("*", "role:read-only", true), 5, admin.key::sign);
        Statement forged = admin.graph.next(admin.device(), new Action.Grant("*", "role:read-only", true), 5, thief::sign);
        assertEquals(StatementGraph.Added.FORGED, admin.graph.add(forged));
        assertTrue(admin.org().acl().isEmpty());
        assertEquals(StatementGraph.Added.NEW, admin.graph.add(real));
        assertEquals(1, admin.org().acl().size());
    }

    @Test
    void aStatementFromADeviceThatIsNoAdminIsInvalid() {
        genesis();
        Signer bob = new Signer();
        enrol(admin, "bob", Role.MEMBER, List.of(), bob.device());
        bob.learnAll(admin);
        Statement grant = bob.sign(new Action.Grant("*", "role:member", true));
        admin.learnAll(bob);
        assertTrue(rejection(admin.graph, grant).contains("not a device of an admin"), rejection(admin.graph, grant));
        assertTrue(admin.org().acl().isEmpty());
        assertFalse(admin.org().mayWrite(bob.device(), "x").allowed());
    }

    @Test
    void selfPromotionIsInvalid() {
        genesis();
        Signer bob = new Signer();
        enrol(admin, "bob", Role.READ_ONLY, List.of(), bob.device());
        bob.learnAll(admin);
        Statement promote = bob.sign(new Action.SetMember("bob", Role.ADMIN, List.of()));
        admin.learnAll(bob);
        assertTrue(rejection(admin.graph, promote).startsWith("self-promotion"), rejection(admin.graph, promote));
        assertEquals(Role.READ_ONLY, admin.org().memberOf(bob.device()).orElseThrow().role());
    }

    @Test
    void aReplayedOldStatementCannotUndoANewerOne() {
        genesis();
        Signer bob = new Signer();
        enrol(admin, "bob", Role.MEMBER, List.of("hr"), bob.device());
        Statement grant = admin.sign(new Action.Grant("acme.hr.*", "team:hr", true));
        admin.sign(new Action.Revoke("acme.hr.*", "team:hr"));
        assertFalse(admin.org().mayRead(bob.device(), "acme.hr.a").allowed());

        // The same statement again is the same statement: nothing changes.
        assertEquals(StatementGraph.Added.KNOWN, admin.graph.add(grant));
        assertFalse(admin.org().mayRead(bob.device(), "acme.hr.a").allowed());

        // Re-signed by the admin's own key with its old causal position: a second statement #4; neither counts.
        Statement resigned = new Statement(grant.org(), grant.signer(), grant.seq(), grant.seen(), grant.at() + 1, grant.action(), null);
        resigned = resigned.signed(admin.key.sign(resigned.signedBytes()));
        assertEquals(StatementGraph.Added.NEW, admin.graph.add(resigned));
        assertFalse(admin.org().mayRead(bob.device(), "acme.hr.a").allowed());
        assertTrue(rejection(admin.graph, resigned).contains("re-signed replay"), rejection(admin.graph, resigned));
        assertTrue(rejection(admin.graph, grant).contains("re-signed replay"), rejection(admin.graph, grant));

        // A statement claiming a later number than the signer's last one it saw is out of order.
        Statement skipped = new Statement(grant.org(), grant.signer(), 9, java.util.List.copyOf(admin.graph.heads()), 77, new Action.Grant("*", "team:hr", true), null);
        skipped = skipped.signed(admin.key.sign(skipped.signedBytes()));
        admin.graph.add(skipped);
        assertTrue(rejection(admin.graph, skipped).contains("replayed or reordered"), rejection(admin.graph, skipped));
        assertFalse(admin.org().mayRead(bob.device(), "acme.hr.a").allowed());
    }

    @Test
    void anAdminMayDelegateAndADelegatedAdminsStatementsCount() {
        genesis();
        Signer erin = new Signer();
        enrol(admin, "erin", Role.ADMIN, List.of(), erin.device());
        erin.learnAll(admin);
        Signer bob = new Signer();
        enrol(erin, "bob", Role.MEMBER, List.of("hr"), bob.device());
        erin.sign(new Action.Grant("acme.hr.*", "team:hr", false));
        admin.learnAll(erin);
        assertTrue(admin.graph.resolve().rejected().isEmpty(), admin.graph.resolve().rejected().toString());
        assertTrue(admin.org().mayRead(bob.device(), "acme.hr.x").allowed());
    }

    @Test
    void aRemovedAdminsLaterAndConcurrentStatementsAreInvalid() {
        genesis();
        Signer erin = new Signer();
        enrol(admin, "erin", Role.ADMIN, List.of(), erin.device());
        erin.learnAll(admin);
        // Erin signs concurrently with her removal (she has not seen it) ...
        Statement concurrent = erin.sign(new Action.Grant("*", "role:read-only", true));
        admin.sign(new Action.RemoveMember("erin"));
        // ... and after it.
        erin.learnAll(admin);
        Statement after = erin.sign(new Action.Grant("*", "role:member", true));
        admin.learnAll(erin);

        Organisation org = admin.org();
        assertTrue(org.acl().isEmpty(), "neither of the removed admin's grants counts: " + org.acl());
        assertTrue(rejection(admin.graph, after).contains("not a device of an admin"), rejection(admin.graph, after));
        assertTrue(rejection(admin.graph, concurrent).contains("removed as admin"), rejection(admin.graph, concurrent));
    }

    @Test
    void whatARemovedAdminSignedBeforeTheRemoverSawItKeepsCounting() {
        genesis();
        Signer erin = new Signer();
        enrol(admin, "erin", Role.ADMIN, List.of(), erin.device());
        erin.learnAll(admin);
        erin.sign(new Action.Grant("acme.docs", "role:member", false));
        admin.learnAll(erin);
        admin.sign(new Action.SetMember("erin", Role.MEMBER, List.of()));
        Organisation org = admin.org();
        assertEquals(1, org.acl().size(), "the removal saw erin's grant, so it stands");
        assertFalse(org.isAdminDevice(erin.device()));
    }

    @Test
    void concurrentConflictsResolveTheSameWayOnEveryDeviceRevokeWinsThenTheLowerRight() {
        genesis();
        Signer erin = new Signer();
        Signer bob = new Signer();
        enrol(admin, "erin", Role.ADMIN, List.of(), erin.device());
        enrol(admin, "bob", Role.MEMBER, List.of("hr"), bob.device());
        admin.sign(new Action.Grant("acme.hr.*", "team:hr", true));
        erin.learnAll(admin);
        // Concurrently: admin revokes the entry, erin narrows it to read; admin promotes bob, erin makes him read-only;
        // admin grants write on acme.ops, erin grants read on it.
        admin.sign(new Action.Revoke("acme.hr.*", "team:hr"));
        erin.sign(new Action.Grant("acme.hr.*", "team:hr", false));
        admin.sign(new Action.SetMember("bob", Role.ADMIN, List.of("hr")));
        erin.sign(new Action.SetMember("bob", Role.READ_ONLY, List.of("hr")));
        admin.sign(new Action.Grant("acme.ops", "role:read-only", true));
        erin.sign(new Action.Grant("acme.ops", "role:read-only", false));

        List<Statement> all = new ArrayList<>(admin.graph.statements());
        all.addAll(erin.graph.statements());
        Organisation first = null;
        Random random = new Random(12);
        for (int round = 0; round < 5; round++) {
            Collections.shuffle(all, random);
            StatementGraph g = new StatementGraph(DeviceKeys.CHECK);
            all.forEach(g::add);
            Organisation org = g.resolve().organisation().orElseThrow();
            if (first == null) {
                first = org;
            }
            assertEquals(first, org, "the same statements in another order give the same organisation");
        }
        assertFalse(first.mayRead(bob.device(), "acme.hr.a").allowed(), "the revocation wins over the concurrent grant");
        assertEquals(Role.READ_ONLY, first.memberOf(bob.device()).orElseThrow().role(), "the lower role wins");
        assertEquals(List.of(false), first.acl().stream().filter(e -> e.pattern().equals("acme.ops")).map(Organisation.AclEntry::write).toList(),
                "the read grant wins over the concurrent write grant");
    }

    @Test
    void twoAdminsRemovingEachOtherConcurrentlyEndTheSameWayEverywhere() {
        genesis();
        Signer erin = new Signer();
        Signer frank = new Signer();
        enrol(admin, "erin", Role.ADMIN, List.of(), erin.device());
        enrol(admin, "frank", Role.ADMIN, List.of(), frank.device());
        erin.learnAll(admin);
        frank.learnAll(admin);
        erin.sign(new Action.RemoveMember("frank"));
        frank.sign(new Action.RemoveMember("erin"));
        StatementGraph one = new StatementGraph(DeviceKeys.CHECK);
        StatementGraph two = new StatementGraph(DeviceKeys.CHECK);
        erin.graph.statements().forEach(one::add);
        frank.graph.statements().forEach(one::add);
        frank.graph.statements().forEach(two::add);
        erin.graph.statements().forEach(two::add);
        Organisation a = one.resolve().organisation().orElseThrow();
        assertEquals(a, two.resolve().organisation().orElseThrow());
        assertEquals(1, Set.of("erin", "frank").stream().filter(a.members()::containsKey).count(),
                "exactly one of the two is removed: " + a.members().keySet());
    }

    @Test
    void rightsAreEvaluatedAtACausalPoint() {
        genesis();
        Signer bob = new Signer();
        enrol(admin, "bob", Role.MEMBER, List.of("hr"), bob.device());
        Statement grant = admin.sign(new Action.Grant("acme.hr.*", "team:hr", true));
        admin.sign(new Action.Revoke("acme.hr.*", "team:hr"));
        Organisation before = admin.graph.resolveAt(Set.of(grant.id())).organisation().orElseThrow();
        assertTrue(before.mayWrite(bob.device(), "acme.hr.a").allowed(), "bob could write where the grant was the latest statement");
        assertFalse(admin.org().mayWrite(bob.device(), "acme.hr.a").allowed(), "and can no longer");
    }

    @Test
    void aStatementWaitsUntilEverythingItSawIsKnown() {
        genesis();
        Signer bob = new Signer();
        admin.sign(new Action.SetMember("bob", Role.MEMBER, List.of()));
        Statement device = admin.sign(new Action.AddDevice("bob", bob.device()));
        StatementGraph g = new StatementGraph(DeviceKeys.CHECK);
        g.add(admin.graph.statements().get(0));
        g.add(device);
        assertTrue(g.resolve().waiting().contains(device.id()));
        assertTrue(g.resolve().organisation().orElseThrow().memberOf(bob.device()).isEmpty());
        g.add(admin.graph.statements().get(1));
        assertTrue(g.resolve().organisation().orElseThrow().memberOf(bob.device()).isPresent());
    }

    @Test
    void aStatementTravelsAsJsonUnchanged() {
        genesis();
        Statement s = admin.sign(new Action.SetMember("bob", Role.READ_ONLY, List.of("hr", "eng")));
        Statement back = StatementCodec.fromJson(StatementCodec.toJson(s));
        assertEquals(s.id(), back.id());
        assertEquals(s.action(), back.action());
        assertEquals(StatementGraph.Added.KNOWN, admin.graph.add(back));
    }

    @Test
    void badInputIsRefusedWithASentence() {
        IllegalArgumentException role = assertThrows(IllegalArgumentException.class, () -> Role.parse("boss"));
        assertTrue(role.getMessage().contains("read-only"), role.getMessage());
        IllegalArgumentException pattern = assertThrows(IllegalArgumentException.class, () -> new Action.Grant("acme.*.hr", "role:member", false));
        assertTrue(pattern.getMessage().startsWith("malformed namespace pattern 'acme.*.hr'"), pattern.getMessage());
        IllegalArgumentException principal = assertThrows(IllegalArgumentException.class, () -> new Action.Grant("acme", "bob", false));
        assertTrue(principal.getMessage().contains("role:<role>"), principal.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Action.AddDevice("bob", "not-a-device"));
    }
}
