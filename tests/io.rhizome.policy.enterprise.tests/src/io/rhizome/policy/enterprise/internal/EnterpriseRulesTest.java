package io.rhizome.policy.enterprise.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.rhizome.policy.enterprise.internal.statement.Action;
import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.policy.enterprise.internal.statement.Role;
import io.rhizome.policy.enterprise.internal.statement.Statement;
import io.rhizome.policy.enterprise.internal.statement.StatementGraph;
import io.rhizome.policy.enterprise.tests.OrgFixture;
import io.rhizome.spi.policy.SyncPolicy.Decision;

/** The enterprise decisions on both sides, by the author's rights, with audit records. */
class EnterpriseRulesTest {

    private final OrgFixture f = new OrgFixture();
    private final List<AuditRecord> audited = new ArrayList<>();
    private Optional<Organisation> org = Optional.empty();
    private final Set<String> trustedDevices = new java.util.HashSet<>();

    private EnterpriseRules rules(boolean allowWithoutOrganisation) {
        return new EnterpriseRules(() -> org, trustedDevices::contains, allowWithoutOrganisation, audited::add, () -> 42);
    }

    private void organise() {
        f.standard();
        org = Optional.of(f.admin.org());
        trustedDevices.addAll(List.of(f.admin.device(), f.hr.device(), f.eng.device(), f.reader.device()));
    }

    @Test
    void aNamespaceIsSentOnlyToDevicesThatMayReadIt() {
        organise();
        EnterpriseRules r = rules(true);
        assertTrue(r.canSend(f.hr.device(), "acme.hr.payroll").allowed());
        Decision d = r.canSend(f.eng.device(), "acme.hr.payroll");
        assertFalse(d.allowed());
        assertTrue(d.reason().contains("no ACL entry lets member 'carol'"), d.reason());
        assertTrue(r.canSend(f.reader.device(), "acme.hr.payroll").allowed(), "read-only dave's team reads acme.hr.*");
        assertTrue(r.canSend(f.eng.device(), "acme.eng.src").allowed());
    }

    @Test
    void aChangeSetIsJudgedByItsAuthorNotByThePeerThatRelaysIt() {
        organise();
        EnterpriseRules r = rules(true);
        Decision relayed = r.canReceive(f.admin.device(), "acme.hr.payroll", f.reader.device());
        assertFalse(relayed.allowed(), "the read-only device's write is refused even when the admin's device relays it");
        assertTrue(relayed.reason().contains("read-only"), relayed.reason());
        assertTrue(r.canReceive(f.reader.device(), "acme.hr.payroll", f.hr.device()).allowed(),
                "bob's write relayed by the read-only device is bob's write");
        assertFalse(r.canReceive(f.hr.device(), "acme.eng.src", f.hr.device()).allowed());
        assertTrue(r.canReceive(f.eng.device(), "acme.eng.src", f.eng.device()).allowed());
    }

    @Test
    void theReservedNamespacesTravelBetweenAllTrustedDevicesAndStrangersGetNothing() {
        organise();
        EnterpriseRules r = rules(true);
        for (String ns : List.of(OrgBook.NAMESPACE, "rhizome.namespaces")) {
            assertTrue(r.canSend(f.reader.device(), ns).allowed());
            assertTrue(r.canReceive(f.reader.device(), ns, f.reader.device()).allowed());
        }
        String stranger = new io.rhizome.policy.enterprise.tests.Signer().device();
        assertFalse(r.canSend(stranger, OrgBook.NAMESPACE).allowed());
        assertFalse(r.canReceive(stranger, "acme.hr.payroll", f.admin.device()).allowed());
    }

    @Test
    void beforeAnOrganisationExistsTheSettingDecides() {
        trustedDevices.add("peer");
        assertTrue(rules(true).canSend("peer", "notes").allowed());
        Decision d = rules(false).canSend("peer", "notes");
        assertFalse(d.allowed());
        assertTrue(d.reason().contains("no organisation"), d.reason());
        assertTrue(rules(false).canSend("peer", OrgBook.NAMESPACE).allowed());
    }

    @Test
    void eachDenialIsAuditedOnceWithDeviceMemberNamespaceRuleAndStatement() {
        organise();
        EnterpriseRules r = rules(true);
        for (int round = 0; round < 3; round++) {
            r.canReceive(f.admin.device(), "acme.hr.payroll", f.reader.device());
            r.canSend(f.eng.device(), "acme.hr.payroll");
        }
        assertEquals(2, audited.size(), audited.toString());
        AuditRecord receive = audited.get(0);
        assertEquals(AuditRecord.DENY_RECEIVE, receive.decision());
        assertEquals(f.reader.device(), receive.device());
        assertEquals("dave", receive.member());
        assertEquals("acme.hr.payroll", receive.namespace());
        assertTrue(receive.rule().contains("read-only"), receive.rule());
        assertFalse(receive.statement().isEmpty(), "the statement that made dave read-only is named");
        assertEquals(42, receive.time());
        assertEquals(AuditRecord.DENY_SEND, audited.get(1).decision());
        assertEquals("carol", audited.get(1).member());
    }

    @Test
    void revokingAMemberStopsItsTrafficAtTheNextDecision() {
        organise();
        EnterpriseRules r = rules(true);
        assertTrue(r.canSend(f.hr.device(), "acme.hr.payroll").allowed());
        f.admin.sign(new Action.RemoveMember("bob"));
        org = Optional.of(f.admin.org());
        assertFalse(r.canSend(f.hr.device(), "acme.hr.payroll").allowed());
        assertFalse(r.canReceive(f.admin.device(), "acme.hr.payroll", f.hr.device()).allowed());
        assertEquals(Role.READ_ONLY, org.get().memberOf(f.reader.device()).orElseThrow().role());
    }

    @Test
    void theBookCountsVerifiedStatementsAndAuditsEachChangeOnce() {
        organise();
        OrgBook book = new OrgBook(io.rhizome.policy.enterprise.tests.DeviceKeys.CHECK, audited::add, () -> 7);
        com.fasterxml.jackson.databind.node.ArrayNode all = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        for (Statement s : f.admin.graph.statements()) {
            all.add(io.rhizome.policy.enterprise.internal.statement.StatementCodec.toJson(s));
        }
        Statement forged = f.admin.graph.next(f.admin.device(), new Action.Grant("*", "role:read-only", true), 9,
                m -> new io.rhizome.policy.enterprise.tests.Signer().key().sign(m));
        all.add(io.rhizome.policy.enterprise.internal.statement.StatementCodec.toJson(forged));
        book.ingest(all);
        book.ingest(all);
        assertEquals(f.admin.org(), book.organisation().orElseThrow());
        long accepted = audited.stream().filter(a -> a.decision().equals(AuditRecord.STATEMENT_ACCEPTED)).count();
        assertEquals(f.admin.graph.statements().size(), accepted, "every counted statement audited once");
        List<AuditRecord> rejected = audited.stream().filter(a -> a.decision().equals(AuditRecord.STATEMENT_REJECTED)).toList();
        assertEquals(1, rejected.size());
        assertEquals(forged.id(), rejected.get(0).statement());
        assertTrue(rejected.get(0).rule().contains("forged"), rejected.get(0).rule());
        assertEquals(StatementGraph.Added.FORGED, book.graph().add(forged));
    }
}
