package io.rhizome.policy.enterprise.internal;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
    private volatile Set<String> heads = Set.of();
    /** Organisations at causal points whose statements are all here: they never change, so they are kept (a few, most recent). */
    private final Map<Set<String>, Optional<Organisation>> atPoint = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Set<String>, Optional<Organisation>> eldest) {
            return size() > MAX_REMEMBERED_POINTS;
        }
    };
    private static final int MAX_REMEMBERED_POINTS = 64;

    public OrgBook(SignatureCheck check, Consumer<AuditRecord> audit, LongSupplier clock) {
        this.graph = new StatementGraph(check);
        this.audit = audit;
        this.clock = clock;
    }

    /** The organisation as far as this node knows, if a genesis statement is known. */
    public Optional<Organisation> organisation() {
        return org;
    }

    /**
     * The causal point a local write is made at: the heads of the statements this node holds, or
     * empty while it knows no organisation (its writes then carry no point and are judged by each
     * receiver's current organisation).
     */
    public Set<String> writePoint() {
        return heads;
    }

    /**
     * Why {@code point} cannot be judged here yet: statements it names, or that they saw, have not
     * arrived. Empty when the whole causal past of the point is here.
     */
    public Optional<String> missing(Set<String> point) {
        List<String> unknown = point.stream().filter(id -> graph.get(id).isEmpty()).sorted().toList();
        if (!unknown.isEmpty()) {
            return Optional.of("organisation statements " + String.join(", ", unknown.subList(0, Math.min(3, unknown.size())))
                    + (unknown.size() > 3 ? " and " + (unknown.size() - 3) + " more" : "") + " have not arrived");
        }
        if (resolvedAt(point).isEmpty()) {
            return Optional.of("organisation statements that " + String.join(", ", graph.resolveAt(point).waiting().stream().limit(3).toList())
                    + " saw have not arrived");
        }
        return Optional.empty();
    }

    /**
     * The organisation at {@code point} (the statements it names and everything they saw), if a
     * genesis is in that past; empty too while the point is not complete here (see {@link #missing}).
     */
    public Optional<Organisation> organisationAt(Set<String> point) {
        return resolvedAt(point).flatMap(o -> o);
    }

    /** The organisation at a complete point (outer empty: not complete here). */
    private Optional<Optional<Organisation>> resolvedAt(Set<String> point) {
        synchronized (atPoint) {
            Optional<Organisation> known = atPoint.get(point);
            if (known != null) {
                return Optional.of(known);
            }
        }
        if (point.stream().anyMatch(id -> graph.get(id).isEmpty())) {
            return Optional.empty();
        }
        StatementGraph.Resolution r = graph.resolveAt(point);
        if (!r.waiting().isEmpty()) {
            return Optional.empty();
        }
        synchronized (atPoint) {
            atPoint.put(Set.copyOf(point), r.organisation());
        }
        return Optional.of(r.organisation());
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
        heads = r.organisation().isEmpty() ? Set.of() : Set.copyOf(new TreeSet<>(graph.heads()));
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
