package io.rhizome.policy.enterprise.internal;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.spi.policy.SyncPolicy;

/**
 * The enterprise policy's decisions, from memory (the DS component delegates to it; engine tests use it directly).
 *
 * <ul>
 * <li>A peer that is not a trusted device of the mesh gets and gives nothing.</li>
 * <li>The reserved namespaces ({@value OrgBook#NAMESPACE}, {@code rhizome.namespaces}) travel to
 * and from every trusted device: a device must learn the statements to know its own rights, and a
 * statement counts only if it verifies, whoever relayed it.</li>
 * <li>Any other namespace is sent to a peer only if the peer's device may read it, and a change
 * set is accepted only if its <i>author</i> may write it — the relaying peer does not matter, so a
 * read-only device's write is refused by every receiver even when an admin's device relays it.</li>
 * <li>Before any organisation is known, {@code allowWithoutOrganisation} decides: sync like the
 * personal policy (so devices can be paired and the organisation created) or nothing.</li>
 * <li>A change set that carries the causal point its author wrote at (the heads of the statements
 * the author's device held, {@link #writePoint(String)}) is judged by the organisation at that point, so
 * every receiver decides alike whatever it has learnt since: a write made while its author had the
 * right counts even if it arrives after a revocation, one made before a grant does not count after
 * it. A point naming statements this device does not hold yet is waited for ({@link #awaiting}).
 * A change set without a point (written before any organisation was known, or by a node without
 * this policy) is judged by the organisation as this device counts it now.</li>
 * </ul>
 *
 * Each denial is audited once per organisation state (the engine asks again every sync round).
 */
public final class EnterpriseRules implements SyncPolicy {

    static final String DECLARATIONS = "rhizome.namespaces";
    private static final int MAX_REMEMBERED_DENIALS = 10_000;

    private final Supplier<Optional<Organisation>> org;
    /** Where causal points are resolved; null for rules that judge by the current organisation only. */
    private final OrgBook points;
    private final Predicate<String> trusted;
    private final boolean allowWithoutOrganisation;
    private final Consumer<AuditRecord> audit;
    private final LongSupplier clock;
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private volatile Optional<Organisation> deniedUnder = Optional.empty();

    public EnterpriseRules(Supplier<Optional<Organisation>> org, Predicate<String> trusted, boolean allowWithoutOrganisation,
            Consumer<AuditRecord> audit, LongSupplier clock) {
        this(org, null, trusted, allowWithoutOrganisation, audit, clock);
    }

    /** Rules over {@code book}'s organisation that also write and judge causal points. */
    public EnterpriseRules(OrgBook book, Predicate<String> trusted, boolean allowWithoutOrganisation, Consumer<AuditRecord> audit,
            LongSupplier clock) {
        this(book::organisation, book, trusted, allowWithoutOrganisation, audit, clock);
    }

    private EnterpriseRules(Supplier<Optional<Organisation>> org, OrgBook points, Predicate<String> trusted,
            boolean allowWithoutOrganisation, Consumer<AuditRecord> audit, LongSupplier clock) {
        this.org = org;
        this.points = points;
        this.trusted = trusted;
        this.allowWithoutOrganisation = allowWithoutOrganisation;
        this.audit = audit;
        this.clock = clock;
    }

    private volatile Optional<Organisation> versionOf = Optional.empty();
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Changes with every new organisation state (a statement arrived): earlier refusals may now be
     * rights. Over a book it is derived from the statement heads, so it is the same number after a
     * restart for the same statements (the engine then knows that what it withheld before the
     * restart was withheld under the same decisions).
     */
    @Override
    public long decisionsVersion() {
        if (points != null) {
            return fingerprint(points.writePoint());
        }
        Optional<Organisation> o = org.get();
        if (o != versionOf) {
            versionOf = o;
            return version.incrementAndGet();
        }
        return version.get();
    }

    /** A 64-bit FNV-1a hash of the sorted heads. */
    private static long fingerprint(Set<String> heads) {
        long h = 0xcbf29ce484222325L;
        for (String id : new java.util.TreeSet<>(heads)) {
            for (int i = 0; i < id.length(); i++) {
                h = (h ^ id.charAt(i)) * 0x100000001b3L;
            }
            h = (h ^ ',') * 0x100000001b3L;
        }
        return h;
    }

    @Override
    public Decision canSend(String peerId, String namespace) {
        return decide(peerId, namespace, peerId, false);
    }

    @Override
    public Decision canReceive(String peerId, String namespace, String author) {
        return decide(peerId, namespace, author, true, Set.of());
    }

    @Override
    public Decision canReceive(String peerId, String namespace, String author, Set<String> writePoint) {
        return decide(peerId, namespace, author, true, points == null ? Set.of() : writePoint);
    }

    /** The heads of the statements this device holds; none for the reserved namespaces (statements must not wait for themselves). */
    @Override
    public Set<String> writePoint(String namespace) {
        return points == null || reserved(namespace) ? Set.of() : points.writePoint();
    }

    @Override
    public Optional<String> awaiting(String namespace, Set<String> writePoint) {
        return points == null || reserved(namespace) || writePoint.isEmpty() ? Optional.empty() : points.missing(writePoint);
    }

    private static boolean reserved(String namespace) {
        return namespace.equals(OrgBook.NAMESPACE) || namespace.equals(DECLARATIONS);
    }

    private Decision decide(String peerId, String namespace, String device, boolean receive) {
        return decide(peerId, namespace, device, receive, Set.of());
    }

    private Decision decide(String peerId, String namespace, String device, boolean receive, Set<String> point) {
        if (!trusted.test(peerId)) {
            return Decision.deny("device " + peerId + " is not a trusted device of this mesh (pair it first)");
        }
        if (reserved(namespace)) {
            return Decision.ALLOW;
        }
        if (!point.isEmpty()) {
            return decideAt(namespace, device, point);
        }
        Optional<Organisation> o = org.get();
        if (o.isEmpty()) {
            return allowWithoutOrganisation ? Decision.ALLOW
                    : Decision.deny("enterprise policy: no organisation is known yet, so only the organisation's statements sync");
        }
        Organisation.Verdict v = receive ? o.get().mayWrite(device, namespace) : o.get().mayRead(device, namespace);
        if (v.allowed()) {
            return Decision.ALLOW;
        }
        String rule = (receive ? "author " : "") + v.rule();
        auditOnce(o.get(), receive ? AuditRecord.DENY_RECEIVE : AuditRecord.DENY_SEND, device, namespace, rule, v);
        return Decision.deny("enterprise policy: " + rule);
    }

    /** A write judged by the organisation at the point its author wrote it (the point is complete here: see {@link #awaiting}). */
    private Decision decideAt(String namespace, String device, Set<String> point) {
        Optional<Organisation> o = points.organisationAt(point);
        if (o.isEmpty()) {
            // The author's device held statements but no genesis: it wrote before any organisation it knew.
            return allowWithoutOrganisation ? Decision.ALLOW
                    : Decision.deny("enterprise policy: the author wrote before it knew an organisation, and only the organisation's statements sync until then");
        }
        Organisation.Verdict v = o.get().mayWrite(device, namespace);
        if (v.allowed()) {
            return Decision.ALLOW;
        }
        String rule = "author " + v.rule() + " at the organisation statements it had seen when writing";
        auditOnce(org.get().orElse(o.get()), o.get(), AuditRecord.DENY_RECEIVE, device, namespace, rule, v);
        return Decision.deny("enterprise policy: " + rule);
    }

    private void auditOnce(Organisation o, String decision, String device, String namespace, String rule, Organisation.Verdict v) {
        auditOnce(o, o, decision, device, namespace, rule, v);
    }

    /** Audits once while the organisation is {@code under}; the member is named as {@code named} counts it. */
    private void auditOnce(Organisation under, Organisation named, String decision, String device, String namespace, String rule,
            Organisation.Verdict v) {
        Organisation o = under;
        if (!deniedUnder.equals(Optional.of(o)) || denied.size() > MAX_REMEMBERED_DENIALS) {
            denied.clear();
            deniedUnder = Optional.of(o);
        }
        if (denied.add(decision + " " + device + " " + namespace + " " + rule)) {
            String member = named.memberOf(device).map(Organisation.Member::name).orElse("");
            audit.accept(new AuditRecord(clock.getAsLong(), device, member, namespace, decision, rule, v.statementId().orElse("")));
        }
    }
}
