package io.rhizome.core.internal.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;

/**
 * Every namespace definition the node knows, from {@code NamespaceProvider} services and
 * ConfigAdmin configurations, plus the default for undeclared namespaces. When sources disagree
 * on a name, the highest ranking wins (ConfigAdmin-declared namespaces are services ranked 1,000,000) and the conflict
 * is logged. Thread-safe.
 */
public final class NamespaceCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceCatalog.class);

    private record Source(String id, long ranking, List<NamespaceDefinition> definitions) {
    }

    /** How undeclared namespaces behave. */
    public record Defaults(boolean allowUndeclared, String crdtType, SyncScope scope) {
    }

    private final Map<String, Source> sources = new ConcurrentHashMap<>();
    /** Parsed predicates by text: a {@link ScopePredicate} or the parse error's message. */
    private final Map<String, Object> predicates = new ConcurrentHashMap<>();
    private volatile Defaults defaults = new Defaults(true, "lww-register", SyncScope.FULL);
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Called after any source of definitions changed (a namespace declared, changed or removed),
     * on the thread that changed it: the node asks its peers again for what it refused before.
     */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    private void changed() {
        for (Runnable r : changeListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("namespace change listener failed", e);
            }
        }
    }

    public void defaults(Defaults d) {
        this.defaults = d;
    }

    public Defaults defaults() {
        return defaults;
    }

    public void putSource(String sourceId, long ranking, List<NamespaceDefinition> definitions) {
        Source before = sources.put(sourceId, new Source(sourceId, ranking, List.copyOf(definitions)));
        logConflicts();
        if (before == null || before.ranking() != ranking || !before.definitions().equals(definitions)) {
            changed();
        }
    }

    public void removeSource(String sourceId) {
        if (sources.remove(sourceId) != null) {
            changed();
        }
    }

    /** The winning declared definition of every declared name, sorted by name. */
    public List<NamespaceDefinition> declared() {
        Map<String, NamespaceDefinition> winners = new TreeMap<>();
        Map<String, Long> ranks = new TreeMap<>();
        for (Source s : sortedSources()) {
            for (NamespaceDefinition d : s.definitions()) {
                if (!winners.containsKey(d.name()) || ranks.get(d.name()) < s.ranking()) {
                    winners.put(d.name(), d);
                    ranks.put(d.name(), s.ranking());
                }
            }
        }
        return new ArrayList<>(winners.values());
    }

    /** The declared definition of a name, if any. */
    public Optional<NamespaceDefinition> declared(String name) {
        NamespaceDefinition best = null;
        long bestRank = Long.MIN_VALUE;
        for (Source s : sortedSources()) {
            for (NamespaceDefinition d : s.definitions()) {
                if (d.name().equals(name) && (best == null || s.ranking() > bestRank)) {
                    best = d;
                    bestRank = s.ranking();
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** The definition to use for a name: declared, or the default if undeclared names are allowed. */
    public Optional<NamespaceDefinition> resolve(String name) {
        Optional<NamespaceDefinition> d = declared(name);
        if (d.isPresent()) {
            return d;
        }
        Defaults def = defaults;
        if (!def.allowUndeclared()) {
            return Optional.empty();
        }
        return Optional.of(new NamespaceDefinition(name, def.crdtType(), def.scope(), Optional.empty()));
    }

    /**
     * The predicate of a selective namespace; empty for full and local-only scopes.
     *
     * @throws ScopePredicate.InvalidPredicateException if the declared predicate is malformed
     *                                                  (the namespace is then unavailable)
     */
    public Optional<ScopePredicate> predicate(NamespaceDefinition d) throws ScopePredicate.InvalidPredicateException {
        if (d.scope().kind() != SyncScope.Kind.SELECTIVE) {
            return Optional.empty();
        }
        String text = d.scope().predicate().orElse("");
        Object parsed = predicates.computeIfAbsent(text, t -> {
            try {
                return ScopePredicate.parse(t);
            } catch (ScopePredicate.InvalidPredicateException e) {
                return e.getMessage();
            }
        });
        if (parsed instanceof ScopePredicate p) {
            return Optional.of(p);
        }
        throw new ScopePredicate.InvalidPredicateException((String) parsed);
    }

    /** Why a namespace cannot be used as declared (its scope predicate is malformed), if so. */
    public Optional<String> scopeProblem(NamespaceDefinition d) {
        try {
            predicate(d);
            return Optional.empty();
        } catch (ScopePredicate.InvalidPredicateException e) {
            return Optional.of("its selective scope predicate '" + d.scope().predicate().orElse("") + "' is malformed: " + e.getMessage());
        }
    }

    private List<Source> sortedSources() {
        List<Source> list = new ArrayList<>(sources.values());
        list.sort(Comparator.comparing(Source::id));
        return list;
    }

    private void logConflicts() {
        Map<String, NamespaceDefinition> seen = new TreeMap<>();
        for (Source s : sortedSources()) {
            for (NamespaceDefinition d : s.definitions()) {
                NamespaceDefinition other = seen.putIfAbsent(d.name(), d);
                if (other != null && !other.equals(d)) {
                    LOG.warn("namespace '{}' is defined differently by several sources ({} and {}); the highest ranking wins: {}",
                            d.name(), other, d, declared(d.name()).orElse(d));
                }
            }
        }
    }
}
