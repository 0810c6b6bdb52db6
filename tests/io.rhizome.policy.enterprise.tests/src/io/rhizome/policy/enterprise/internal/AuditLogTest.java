package io.rhizome.policy.enterprise.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.rhizome.spi.store.MetadataOwner;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.testsupport.MemoryReplicaStore;

/** The audit log appends in order, answers queries by time, and goes on numbering after a re-open. */
class AuditLogTest {

    private static AuditRecord record(long time, String decision) {
        return new AuditRecord(time, "dev", "bob", "acme.hr", decision, "rule " + time, "st" + time);
    }

    @Test
    void recordsAreKeptInOrderQueriedByTimeAndSurviveAReopen() throws Exception {
        MemoryReplicaStore store = new MemoryReplicaStore();
        MetadataSpace space = store.metadata(MetadataOwner.bundle("io.rhizome.policy.enterprise"));
        try (AuditLog log = new AuditLog(space)) {
            log.append(record(10, AuditRecord.DENY_SEND));
            log.append(record(20, AuditRecord.DENY_RECEIVE));
            assertEquals(List.of(record(10, AuditRecord.DENY_SEND), record(20, AuditRecord.DENY_RECEIVE)), log.query(0));
        }
        try (AuditLog reopened = new AuditLog(space)) {
            reopened.append(record(30, AuditRecord.STATEMENT_ACCEPTED));
            assertEquals(List.of(20L, 30L), reopened.query(15).stream().map(AuditRecord::time).toList());
            assertEquals(3, space.scan(AuditLog.PREFIX).size(), "appended after the earlier records, none overwritten");
        }
    }

    @Test
    void aRecordIsAJsonLineWithTheIssuesFields() {
        AuditRecord r = record(1_700_000_000_000L, AuditRecord.DENY_RECEIVE);
        assertEquals("{\"time\":\"2023-11-14T22:13:20Z\",\"device\":\"dev\",\"member\":\"bob\",\"namespace\":\"acme.hr\","
                + "\"decision\":\"deny-receive\",\"rule\":\"rule 1700000000000\",\"statement\":\"st1700000000000\"}", r.toJson().toString());
        assertEquals(r, AuditRecord.fromJson(r.toJson()));
    }
}
