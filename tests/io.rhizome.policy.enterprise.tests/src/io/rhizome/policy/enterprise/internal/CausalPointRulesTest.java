package io.rhizome.policy.enterprise.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.policy.enterprise.internal.statement.Action;
import io.rhizome.policy.enterprise.internal.statement.Statement;
import io.rhizome.policy.enterprise.internal.statement.StatementCodec;
import io.rhizome.policy.enterprise.tests.DeviceKeys;
import io.rhizome.policy.enterprise.tests.OrgFixture;
import io.rhizome.spi.policy.SyncPolicy.Decision;

/** A write is judged by the organisation at the statements its author had seen (the change set's policy point). */
class CausalPointRulesTest {

    private final OrgFixture f = new OrgFixture().standard();
    private final List<AuditRecord> audited = new ArrayList<>();
    private final OrgBook book = new OrgBook(DeviceKeys.CHECK, r -> { }, () -> 1);
    private final Set<String> trusted = Set.of(f.admin.device(), f.hr.device(), f.eng.device(), f.reader.device());
    private final EnterpriseRules rules = new EnterpriseRules(book, trusted::contains, true, audited::add, () -> 42);

    private void ingest(List<Statement> statements) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        statements.forEach(s -> a.add(StatementCodec.toJson(s)));
        book.ingest(a);
    }

    @Test
    void noPointBeforeAnOrganisationAndNoneForTheReservedNamespaces() {
        assertEquals(Set.of(), rules.writePoint("acme.hr.payroll"), "no organisation known: the write carries no point");
        ingest(f.admin.graph.statements());
        assertEquals(f.admin.graph.heads(), rules.writePoint("acme.hr.payroll"));
        assertEquals(Set.of(), rules.writePoint(OrgBook.NAMESPACE), "statements never wait for statements");
        assertEquals(Set.of(), rules.writePoint("rhizome.namespaces"));
        assertEquals(Optional.empty(), rules.awaiting(OrgBook.NAMESPACE, Set.of("unknown")));
    }

    @Test
    void aWriteMadeBeforeARevocationCountsAndOneMadeAfterItDoesNot() {
        ingest(f.admin.graph.statements());
        Set<String> before = rules.writePoint("acme.hr.payroll");
        f.admin.sign(new Action.RemoveMember("bob"));
        ingest(f.admin.graph.statements());
        Set<String> after = rules.writePoint("acme.hr.payroll");

        assertFalse(rules.canReceive(f.admin.device(), "acme.hr.payroll", f.hr.device()).allowed(), "without a point: today's organisation");
        assertEquals(Optional.empty(), rules.awaiting("acme.hr.payroll", before));
        assertTrue(rules.canReceive(f.admin.device(), "acme.hr.payroll", f.hr.device(), before).allowed(),
                "bob wrote while team hr could write acme.hr.*");
        Decision late = rules.canReceive(f.admin.device(), "acme.hr.payroll", f.hr.device(), after);
        assertFalse(late.allowed());
        assertTrue(late.reason().contains("had seen when writing"), late.reason());
        List<AuditRecord> atPoint = audited.stream().filter(r -> r.decision().equals(AuditRecord.DENY_RECEIVE)
                && r.rule().contains("had seen when writing")).toList();
        assertEquals(1, atPoint.size(), "the refusal at the point is audited: " + audited);
        assertTrue(atPoint.get(0).rule().contains("is not a device of any member"), atPoint.get(0).rule());
        assertEquals(f.hr.device(), atPoint.get(0).device());
    }

    @Test
    void aWriteMadeBeforeAGrantIsRefusedAfterIt() {
        ingest(f.admin.graph.statements());
        Set<String> before = rules.writePoint("acme.hr.notes");
        f.admin.sign(new Action.Grant("acme.hr.*", "team:eng", true));
        ingest(f.admin.graph.statements());
        assertTrue(rules.canReceive(f.admin.device(), "acme.hr.notes", f.eng.device()).allowed(), "today carol may write acme.hr.*");
        assertFalse(rules.canReceive(f.admin.device(), "acme.hr.notes", f.eng.device(), before).allowed(),
                "but not at the statements she had seen when she wrote");
        assertTrue(rules.canReceive(f.admin.device(), "acme.hr.notes", f.eng.device(), rules.writePoint("acme.hr.notes")).allowed());
    }

    @Test
    void aPointNamingStatementsNotHeldYetIsAwaitedThenJudged() {
        List<Statement> first = f.admin.graph.statements();
        ingest(first);
        Statement grant = f.admin.sign(new Action.Grant("acme.ops.*", "team:hr", true));
        Set<String> point = Set.of(grant.id());
        Optional<String> waiting = rules.awaiting("acme.ops.x", point);
        assertTrue(waiting.isPresent(), "the grant has not arrived");
        assertTrue(waiting.get().contains(grant.id()) && waiting.get().contains("have not arrived"), waiting.get());
        assertTrue(audited.isEmpty(), "waiting is no denial");
        ingest(f.admin.graph.statements());
        assertEquals(Optional.empty(), rules.awaiting("acme.ops.x", point));
        assertTrue(rules.canReceive(f.admin.device(), "acme.ops.x", f.hr.device(), point).allowed());
    }
}
