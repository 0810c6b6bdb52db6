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
 * </ul>
 *
 * Each denial is audited once per organisation state (the engine asks again every sync round).
 */
public final class EnterpriseRules implements SyncPolicy {

    static final String DECLARATIONS = "rhizome.namespaces";
    private static final int MAX_REMEMBERED_DENIALS = 10_000;

    private final Supplier<Optional<Organisation>> org;
    private final Predicate<String> trusted;
    private final boolean allowWithoutOrganisation;
    private final Consumer<AuditRecord> audit;
    private final LongSupplier clock;
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private volatile Optional<Organisation> deniedUnder = Optional.empty();

    public EnterpriseRules(Supplier<Optional<Organisation>> org, Predicate<String> trusted, boolean allowWithoutOrganisation,
            Consumer<AuditRecord> audit, LongSupplier clock) {
        this.org = org;
        this.trusted = trusted;
        this.allowWithoutOrganisation = allowWithoutOrganisation;
        this.audit = audit;
        this.clock = clock;
    }

    private volatile Optional<Organisation> versionOf = Optional.empty();
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();

    /** Changes with every new organisation state (a statement arrived): earlier refusals may now be rights. */
    @Override
    public long decisionsVersion() {
        Optional<Organisation> o = org.get();
        if (o != versionOf) {
            versionOf = o;
            return version.incrementAndGet();
        }
        return version.get();
    }

    @Override
    public Decision canSend(String peerId, String namespace) {
        return decide(peerId, namespace, peerId, false);
    }

    @Override
    public Decision canReceive(String peerId, String namespace, String author) {
        return decide(peerId, namespace, author, true);
    }

    private Decision decide(String peerId, String namespace, String device, boolean receive) {
        if (!trusted.test(peerId)) {
            return Decision.deny("device " + peerId + " is not a trusted device of this mesh (pair it first)");
        }
        if (namespace.equals(OrgBook.NAMESPACE) || namespace.equals(DECLARATIONS)) {
            return Decision.ALLOW;
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

    private void auditOnce(Organisation o, String decision, String device, String namespace, String rule, Organisation.Verdict v) {
        if (!deniedUnder.equals(Optional.of(o)) || denied.size() > MAX_REMEMBERED_DENIALS) {
            denied.clear();
            deniedUnder = Optional.of(o);
        }
        if (denied.add(decision + " " + device + " " + namespace + " " + rule)) {
            String member = o.memberOf(device).map(Organisation.Member::name).orElse("");
            audit.accept(new AuditRecord(clock.getAsLong(), device, member, namespace, decision, rule, v.statementId().orElse("")));
        }
    }
}
