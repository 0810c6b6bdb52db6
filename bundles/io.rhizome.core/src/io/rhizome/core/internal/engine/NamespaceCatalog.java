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
 * ConfigAdmin configurations (local sources), from the mesh's declarations (the reserved
 * namespace {@link #DECLARATIONS}, see {@code MeshDeclarations}), plus the default for undeclared
 * namespaces. Local sources rank above the mesh, the mesh above the default: a device's own
 * configuration is never overridden by a peer, and a name nobody here declared follows the mesh
 * instead of being guessed. When local sources disagree on a name, the highest ranking wins
 * (ConfigAdmin-declared namespaces are services ranked 1,000,000) and the conflict is logged.
 *
 * <p><b>Change hook.</b> {@link #onChange} listeners run after any change of the resolved
 * definitions (a source added or removed, new mesh declarations), on the thread that made it
 * (for mesh declarations, the engine thread): they must not block. The node uses it to ask peers
 * again for what they hold, since a stream refused under the old definitions may be accepted now.
 * Thread-safe.
 */
public final class NamespaceCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceCatalog.class);

    private record Source(String id, long ranking, List<NamespaceDefinition> definitions) {
    }

    /** How undeclared namespaces behave. */
    public record Defaults(boolean allowUndeclared, String crdtType, SyncScope scope) {
    }

    /** The reserved namespace carrying the mesh's declarations, one entity per declared name. */
    public static final String DECLARATIONS = io.rhizome.api.SyncService.DECLARATIONS_NAMESPACE;

    /**
     * How the reserved namespace itself is defined, on every device, whatever the sources say: a
     * multi-value register keeps concurrent declarations side by side, so a conflict is visible
     * rather than silently overwritten; full scope, so every device learns every declaration.
     */
    public static final NamespaceDefinition DECLARATIONS_DEFINITION = new NamespaceDefinition(DECLARATIONS, io.rhizome.spi.crdt.CrdtType.DECLARATIONS_TYPE,
            SyncScope.FULL, Optional.empty());

    /**
     * The mesh's declaration of one name.
     *
     * @param definition  the winning declaration; empty when the winner withdrew the name
     * @param author      the device that declared the winner
     * @param rivals      concurrent declarations with other content that lost, as sentences
     * @param unavailable why the namespace cannot be used on this device, if so (e.g. it holds
     *                    data of a declaration that lost)
     */
    public record MeshDeclaration(Optional<NamespaceDefinition> definition, String author, List<String> rivals,
            Optional<String> unavailable) {
        public MeshDeclaration {
            rivals = List.copyOf(rivals);
        }
    }

    private final Map<String, Source> sources = new ConcurrentHashMap<>();
    /**
     * The winning local definition of every name, recomputed when a source changes: the lookups
     * by name (every write, every namespace listed) are then one map read, not a walk over every
     * source's definitions.
     */
    private volatile Map<String, NamespaceDefinition> localWinners = Map.of();
    private volatile Map<String, MeshDeclaration> mesh = Map.of();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Parsed predicates by text: a {@link ScopePredicate} or the parse error's message. */
    private final Map<String, Object> predicates = new ConcurrentHashMap<>();
    private volatile Defaults defaults = new Defaults(true, io.rhizome.spi.crdt.CrdtType.DEFAULT_TYPE, SyncScope.FULL);
    public void defaults(Defaults d) {
        this.defaults = d;
    }

    public Defaults defaults() {
        return defaults;
    }

    public void putSource(String sourceId, long ranking, List<NamespaceDefinition> definitions) {
        Source before;
        synchronized (sources) {
            before = sources.put(sourceId, new Source(sourceId, ranking, List.copyOf(definitions)));
            localWinners = winners();
        }
        logConflicts();
        if (before == null || before.ranking() != ranking || !before.definitions().equals(definitions)) {
            changed();
        }
    }

    public void removeSource(String sourceId) {
        Source removed;
        synchronized (sources) {
            removed = sources.remove(sourceId);
            localWinners = winners();
        }
        if (removed != null) {
            changed();
        }
    }

    /**
     * Registers a listener for changes of the resolved definitions (see the class comment).
     *
     * @return removes the listener
     */
    public Runnable onChange(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Replaces the mesh's declarations (by name); listeners run if anything changed. */
    public void mesh(Map<String, MeshDeclaration> declarations) {
        Map<String, MeshDeclaration> copy = Map.copyOf(declarations);
        synchronized (this) {
            if (copy.equals(mesh)) {
                return;
            }
            mesh = copy;
        }
        LOG.debug("mesh namespace declarations changed: {}", copy.keySet());
        changed();
    }

    /**
     * Replaces the mesh's declarations of some names (an empty value: the mesh has none for that
     * name any more), keeping the others; listeners run if anything changed.
     */
    public void meshUpdate(Map<String, Optional<MeshDeclaration>> declarations) {
        boolean changedAny;
        synchronized (this) {
            Map<String, MeshDeclaration> next = new java.util.HashMap<>(mesh);
            for (Map.Entry<String, Optional<MeshDeclaration>> e : declarations.entrySet()) {
                if (e.getValue().isPresent()) {
                    next.put(e.getKey(), e.getValue().get());
                } else {
                    next.remove(e.getKey());
                }
            }
            changedAny = !next.equals(mesh);
            if (changedAny) {
                mesh = Map.copyOf(next);
            }
        }
        if (changedAny) {
            LOG.debug("mesh namespace declarations changed: {}", declarations.keySet());
            changed();
        }
    }

    /** The mesh's declaration of a name, if the mesh has one (possibly a withdrawal). */
    public Optional<MeshDeclaration> mesh(String name) {
        return Optional.ofNullable(mesh.get(name));
    }

    /** Whether a local source (not the mesh) declares the name. */
    public boolean declaredLocally(String name) {
        return localDeclared(name).isPresent();
    }

    private void changed() {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("namespace catalog listener failed", e);
            }
        }
    }

    /** The winning declared definition of every declared name (locally or by the mesh), sorted by name. */
    public List<NamespaceDefinition> declared() {
        Map<String, NamespaceDefinition> all = new TreeMap<>();
        for (MeshDeclaration m : mesh.values()) {
            m.definition().ifPresent(d -> all.put(d.name(), d));
        }
        all.putAll(localWinners);
        return new ArrayList<>(all.values());
    }

    /** The winning definition of every name the local sources declare: the highest ranking source's. */
    private Map<String, NamespaceDefinition> winners() {
        Map<String, NamespaceDefinition> winners = new java.util.HashMap<>();
        Map<String, Long> ranks = new java.util.HashMap<>();
        for (Source s : sortedSources()) {
            for (NamespaceDefinition d : s.definitions()) {
                if (!winners.containsKey(d.name()) || ranks.get(d.name()) < s.ranking()) {
                    winners.put(d.name(), d);
                    ranks.put(d.name(), s.ranking());
                }
            }
        }
        return Map.copyOf(winners);
    }

    /** The declared definition of a name (locally, else by the mesh), if any. */
    public Optional<NamespaceDefinition> declared(String name) {
        if (DECLARATIONS.equals(name)) {
            return Optional.of(DECLARATIONS_DEFINITION);
        }
        Optional<NamespaceDefinition> local = localDeclared(name);
        if (local.isPresent()) {
            return local;
        }
        MeshDeclaration m = mesh.get(name);
        return m == null ? Optional.empty() : m.definition();
    }

    private Optional<NamespaceDefinition> localDeclared(String name) {
        return Optional.ofNullable(localWinners.get(name));
    }

    /**
     * The definition to use for a name: declared, or the default if undeclared names are allowed
     * (a name the mesh withdrew is undeclared again).
     */
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
        Optional<String> meshProblem = meshProblem(d.name());
        if (meshProblem.isPresent()) {
            throw new ScopePredicate.InvalidPredicateException(meshProblem.get());
        }
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

    /**
     * Why a namespace cannot be used as declared, if so: its scope predicate is malformed, or
     * (when no local source declares it) this device holds data of a mesh declaration that lost.
     * The engine refuses local writes to it, refuses its incoming change sets and sends none.
     */
    public Optional<String> scopeProblem(NamespaceDefinition d) {
        Optional<String> meshProblem = meshProblem(d.name());
        if (meshProblem.isPresent()) {
            return meshProblem;
        }
        try {
            predicate(d);
            return Optional.empty();
        } catch (ScopePredicate.InvalidPredicateException e) {
            return Optional.of("its selective scope predicate '" + d.scope().predicate().orElse("") + "' is malformed: " + e.getMessage());
        }
    }

    private Optional<String> meshProblem(String name) {
        MeshDeclaration m = mesh.get(name);
        return m == null || declaredLocally(name) ? Optional.empty() : m.unavailable();
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

    /** The namespaces a node offers in its hello: every declared one that is not local-only. */
    public List<String> offered() {
        List<String> names = new ArrayList<>();
        for (NamespaceDefinition d : declared()) {
            if (d.scope().kind() != SyncScope.Kind.LOCAL_ONLY) {
                names.add(d.name());
            }
        }
        return names;
    }
}
