package io.rhizome.core.internal.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crdt.CrdtType;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;
import io.rhizome.spi.policy.SyncPolicy;

/**
 * What one scan of the log may send one peer: which namespaces (the peer's subscription, the
 * scope, the policy), and the predicate of the selective ones. Decided once per namespace per scan,
 * since neither the policy nor the declarations change within one. Confined to the outbox's caller.
 */
final class SendFilter {

    private static final Logger LOG = LoggerFactory.getLogger(SendFilter.class);

    /** A selective namespace's definition and parsed predicate. */
    record Scope(NamespaceDefinition def, ScopePredicate predicate) {
    }

    private final NamespaceCatalog catalog;
    private final Function<String, Optional<CrdtType>> types;
    private final Optional<SyncPolicy> policy;
    private final String peerId;
    private final List<String> subscription;
    private final Map<String, Boolean> allowed = new HashMap<>();
    private final Map<String, Optional<Scope>> scopes = new HashMap<>();
    private final java.util.Set<String> deniedByPolicy = new java.util.HashSet<>();

    SendFilter(NamespaceCatalog catalog, Function<String, Optional<CrdtType>> types, Optional<SyncPolicy> policy, String peerId,
            List<String> subscription) {
        this.catalog = catalog;
        this.types = types;
        this.policy = policy;
        this.peerId = peerId;
        this.subscription = subscription;
    }

    /** Whether the peer may receive the namespace's change sets (logged once per scan when not). */
    boolean mayReceive(String namespace) {
        return allowed.computeIfAbsent(namespace, this::decide);
    }

    /** Whether {@link #mayReceive} said no because of the policy (which may say otherwise later). */
    boolean deniedByPolicy(String namespace) {
        return deniedByPolicy.contains(namespace);
    }

    /** The predicate of a selective namespace (checked valid by {@link #mayReceive}); empty otherwise. */
    Optional<Scope> scope(String namespace) {
        return scopes.computeIfAbsent(namespace, ns -> {
            Optional<NamespaceDefinition> def = catalog.resolve(ns);
            try {
                return def.isEmpty() ? Optional.empty() : catalog.predicate(def.get()).map(p -> new Scope(def.get(), p));
            } catch (ScopePredicate.InvalidPredicateException e) {
                throw new IllegalStateException("unreachable: mayReceive refuses namespaces with malformed predicates", e);
            }
        });
    }

    private boolean decide(String namespace) {
        if (!subscription.isEmpty() && !subscription.contains(namespace)) {
            return false;
        }
        Optional<NamespaceDefinition> def = catalog.resolve(namespace);
        if (def.isEmpty() || def.get().scope().kind() == SyncScope.Kind.LOCAL_ONLY) {
            return false;
        }
        Optional<String> problem = catalog.scopeProblem(def.get());
        if (problem.isEmpty() && def.get().scope().kind() == SyncScope.Kind.SELECTIVE && types.apply(def.get().crdtType()).isEmpty()) {
            problem = Optional.of("its CRDT type '" + def.get().crdtType() + "' is not installed, so its selective predicate cannot be evaluated");
        }
        if (problem.isPresent()) {
            LOG.warn("peer {}: not sending namespace '{}': {}", peerId, namespace, problem.get());
            return false;
        }
        if (policy.isEmpty()) {
            return false;
        }
        SyncPolicy.Decision d = policy.get().canSend(peerId, namespace);
        if (!d.allowed()) {
            deniedByPolicy.add(namespace);
            policy.get().audit(peerId, namespace, d);
            LOG.info("peer {}: not sending namespace '{}': {}", peerId, namespace, d.reason());
        }
        return d.allowed();
    }
}
