package io.rhizome.policy.enterprise.internal;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.policy.enterprise.internal.statement.SignatureCheck;
import io.rhizome.policy.enterprise.internal.statement.Statement;
import io.rhizome.policy.enterprise.internal.statement.StatementCodec;
import io.rhizome.policy.enterprise.internal.statement.StatementGraph;

/**
 * This node's view of its organisation: the statements received in the reserved namespace
 * {@link #NAMESPACE}, each verified before it counts, and the organisation they add up to
 * (answered from memory, for the sync threads). Every statement that starts or stops counting, and
 * every forged one, is reported once to the audit sink. Thread-safe.
 */
public final class OrgBook {

    private static final Logger LOG = LoggerFactory.getLogger(OrgBook.class);

    /** The reserved namespace of organisation statements (a grow-only set: nothing in it can be taken back). */
    public static final String NAMESPACE = "rhizome.org";
    /** The one entity of {@link #NAMESPACE} that holds every statement. */
    public static final String KEY = "statements";

    private final StatementGraph graph;
    private final Consumer<AuditRecord> audit;
    private final LongSupplier clock;
    private final Set<String> audited = new HashSet<>();
    private volatile Optional<Organisation> org = Optional.empty();

    public OrgBook(SignatureCheck check, Consumer<AuditRecord> audit, LongSupplier clock) {
        this.graph = new StatementGraph(check);
        this.audit = audit;
        this.clock = clock;
    }

    /** The organisation as far as this node knows, if a genesis statement is known. */
    public Optional<Organisation> organisation() {
        return org;
    }

    public StatementGraph graph() {
        return graph;
    }

    /** Marks audit entries already written (by an earlier run) so they are not written again. */
    public synchronized void alreadyAudited(String statementId, String decision) {
        audited.add(decision + " " + statementId);
    }

    /** Reads the value of {@link #KEY} (an array of statements) and recomputes the organisation. */
    public synchronized void ingest(JsonNode statements) {
        if (statements != null && statements.isArray()) {
            for (JsonNode value : statements) {
                Statement s;
                try {
                    s = StatementCodec.fromJson(value);
                } catch (IllegalArgumentException e) {
                    LOG.warn("organisation statement ignored, it is malformed: {}", e.getMessage());
                    continue;
                }
                if (graph.add(s) == StatementGraph.Added.FORGED) {
                    once(s, AuditRecord.STATEMENT_REJECTED, "the signature does not verify by the signer's key (forged or altered)");
                }
            }
        }
        StatementGraph.Resolution r = graph.resolve();
        org = r.organisation();
        for (Map.Entry<String, String> e : r.rejected().entrySet()) {
            graph.get(e.getKey()).ifPresent(s -> once(s, AuditRecord.STATEMENT_REJECTED, e.getValue()));
        }
        for (Statement s : graph.statements()) {
            if (!r.rejected().containsKey(s.id()) && !r.waiting().contains(s.id()) && r.organisation().isPresent()) {
                once(s, AuditRecord.STATEMENT_ACCEPTED, describe(s));
            }
        }
    }

    /** A statement in words, for people. */
    public static String describe(Statement s) {
        return String.join(" ", s.action().fields());
    }

    private void once(Statement s, String decision, String rule) {
        if (audited.add(decision + " " + s.id())) {
            String member = org.flatMap(o -> o.memberOf(s.signer())).map(Organisation.Member::name).orElse("");
            LOG.info("organisation statement {} by {} {}: {}", s.id(), s.signer(), decision, rule);
            audit.accept(new AuditRecord(clock.getAsLong(), s.signer(), member, "", decision, rule, s.id()));
        }
    }
}
