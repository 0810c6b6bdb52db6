package io.rhizome.core.internal.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.rhizome.api.SyncException;
import io.rhizome.core.internal.engine.NamespaceCatalog;
import io.rhizome.core.internal.engine.NamespaceCatalog.MeshDeclaration;
import io.rhizome.core.internal.engine.SyncEngine;
import io.rhizome.core.internal.engine.SyncEngine.LocalWrite;
import io.rhizome.core.internal.engine.Streams;
import io.rhizome.spi.namespace.NamespaceDefinition;
import io.rhizome.spi.namespace.SyncScope;

/**
 * Namespace declarations as mesh data. Each declared name is one entity of the reserved namespace
 * {@link NamespaceCatalog#DECLARATIONS} (a multi-value register), written through the engine like
 * any data — so a declaration is signed by its author, sealed, logged before the data that needs
 * it, synced and recovered. Its value is
 * {@code {"crdtType","scope","predicate"?,"aclClass"?,"by","at"}} or {@code {"withdrawn":true,"by","at"}}.
 *
 * <p><b>Concurrent declarations</b> (two devices declared a name before they synced) stay side by
 * side in the register. Every device picks the same winner: a declaration before a withdrawal,
 * then the later {@code at} (the declaring device's wall clock), then the greater device id. A
 * device whose own losing declaration is of another CRDT type and which wrote data under it finds
 * the namespace unavailable, with both declarations named, instead of having its entities
 * reinterpreted as the winner's type; everyone else sees the loser as a warning.
 *
 * <p>Thread-safe: {@link #refresh(java.util.Collection)} runs on the engine thread (after changes
 * of the reserved namespace, for the names they touched) and after a declaration here;
 * {@link #refresh()} on start; the others on callers' threads.
 */
public final class MeshDeclarations {

    private static final Logger LOG = LoggerFactory.getLogger(MeshDeclarations.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final SyncEngine engine;
    private final LongSupplier wallClock;

    public MeshDeclarations(SyncEngine engine, LongSupplier wallClock) {
        this.engine = engine;
        this.wallClock = wallClock;
    }

    private NamespaceCatalog catalog() {
        return engine.catalog();
    }

    /** One value of the register: a declaration or a withdrawal, with who made it and when. */
    private record Declared(Optional<NamespaceDefinition> definition, String by, long at) {
    }

    // ------------------------------------------------------------------ reading

    /** Reads every declaration from the reserved namespace into the catalog (on start). */
    public synchronized void refresh() {
        Map<String, MeshDeclaration> all = new HashMap<>();
        for (String name : engine.keys(NamespaceCatalog.DECLARATIONS)) {
            read(name).ifPresent(m -> all.put(name, m));
        }
        catalog().mesh(all);
    }

    /**
     * Reads the declarations of the given names again (those a change touched) into the catalog:
     * a change costs what it changed, not what the mesh has declared (with every declared name read
     * again, importing an export of a thousand namespaces read a million declarations).
     */
    public synchronized void refresh(java.util.Collection<String> names) {
        Map<String, Optional<MeshDeclaration>> changed = new HashMap<>();
        for (String name : names) {
            changed.put(name, read(name));
        }
        catalog().meshUpdate(changed);
    }

    /** The mesh's declaration of one name, from the reserved namespace; empty if it holds none that parses. */
    private Optional<MeshDeclaration> read(String name) {
        Optional<JsonNode> value = engine.get(NamespaceCatalog.DECLARATIONS, name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        List<Declared> siblings = new ArrayList<>();
        for (JsonNode v : value.get().isArray() ? value.get() : List.of(value.get())) {
            parse(name, v).ifPresent(siblings::add);
        }
        return siblings.isEmpty() ? Optional.empty() : Optional.of(resolve(name, siblings));
    }

    private Optional<Declared> parse(String name, JsonNode v) {
        try {
            String by = v.path("by").asText("?");
            long at = v.path("at").asLong(0);
            if (v.path("withdrawn").asBoolean(false)) {
                return Optional.of(new Declared(Optional.empty(), by, at));
            }
            return Optional.of(new Declared(Optional.of(definition(name, v)), by, at));
        } catch (IllegalArgumentException e) {
            // A declaration no definition can express (a peer running other code): ignored, and said so.
            LOG.warn("declaration of namespace '{}' by {} is not understood and is ignored: {}", name, v.path("by").asText("?"),
                    e.getMessage());
            return Optional.empty();
        }
    }

    private MeshDeclaration resolve(String name, List<Declared> siblings) {
        // A withdrawal never beats a concurrent declaration: the declarer may have written data under it.
        Declared winner = siblings.stream().max(Comparator.comparing((Declared d) -> d.definition().isPresent())
                .thenComparingLong(Declared::at).thenComparing(Declared::by)).orElseThrow();
        List<String> rivals = new ArrayList<>();
        Optional<String> unavailable = Optional.empty();
        Set<Optional<NamespaceDefinition>> seen = new LinkedHashSet<>();
        seen.add(winner.definition());
        for (Declared d : siblings) {
            if (!seen.add(d.definition())) {
                continue;
            }
            rivals.add("device " + d.by() + " declared it " + describe(d.definition()) + " at the same time");
            boolean mine = d.by().equals(engine.deviceId());
            boolean otherType = !d.definition().map(NamespaceDefinition::crdtType).equals(winner.definition().map(NamespaceDefinition::crdtType));
            boolean wroteUnderIt = engine.versions().containsKey(Streams.id(name, engine.deviceId()));
            if (mine && otherType && wroteUnderIt && unavailable.isEmpty()) {
                unavailable = Optional.of("this device declared namespace '" + name + "' " + describe(d.definition())
                        + " while device " + winner.by() + " declared it " + describe(winner.definition())
                        + "; the mesh uses the latter, and this device holds data written under its own declaration, "
                        + "which keeps its type: write new data of that kind to a new namespace name");
            }
        }
        if (!rivals.isEmpty()) {
            LOG.warn("namespace '{}' has concurrent declarations; the mesh uses the declaration {} by {}; {}", name, describe(winner.definition()),
                    winner.by(), rivals);
        }
        return new MeshDeclaration(winner.definition(), winner.by(), rivals, unavailable);
    }

    static String describe(Optional<NamespaceDefinition> d) {
        if (d.isEmpty()) {
            return "withdrawn";
        }
        SyncScope s = d.get().scope();
        return "as " + d.get().crdtType() + " (" + scopeName(s) + s.predicate().map(p -> " '" + p + "'").orElse("") + ")";
    }

    /**
     * What is off about the mesh's declaration of a name on this device without making it
     * unavailable: a local declaration that overrides it, or concurrent declarations that lost.
     */
    public Optional<String> warning(String name) {
        Optional<MeshDeclaration> m = catalog().mesh(name);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        List<String> notes = new ArrayList<>();
        Optional<NamespaceDefinition> used = catalog().declared(name);
        if (catalog().declaredLocally(name) && m.get().definition().isPresent() && !used.equals(m.get().definition())) {
            notes.add("this device declares it " + describe(used) + " in its own configuration, but the mesh declares it "
                    + describe(m.get().definition()) + " (by device " + m.get().author() + "); this device uses its own declaration, "
                    + "so peers may refuse what it sends");
        }
        if (!m.get().rivals().isEmpty()) {
            notes.add("the mesh uses the declaration " + describe(m.get().definition()) + " by device " + m.get().author() + "; "
                    + String.join("; ", m.get().rivals()));
        }
        return notes.isEmpty() ? Optional.empty() : Optional.of(String.join(". ", notes));
    }

    // ------------------------------------------------------------------ writing

    /** The declaration of a definition as a value of the reserved namespace. */
    public ObjectNode encode(NamespaceDefinition d) {
        ObjectNode o = F.objectNode();
        o.put("crdtType", d.crdtType());
        o.put("scope", scopeName(d.scope()));
        d.scope().predicate().ifPresent(p -> o.put("predicate", p));
        d.aclClass().ifPresent(a -> o.put("aclClass", a));
        o.put("by", engine.deviceId());
        o.put("at", wallClock.getAsLong());
        return o;
    }

    /** The write that publishes a definition; put it before the writes that need it. */
    public LocalWrite declaration(NamespaceDefinition d) {
        return set(d.name(), encode(d));
    }

    private LocalWrite set(String name, JsonNode value) {
        ObjectNode intent = F.objectNode();
        intent.put("op", "set");
        intent.set("value", value);
        return new LocalWrite(NamespaceCatalog.DECLARATIONS, name, intent);
    }

    /**
     * The given writes, preceded (in the same transaction) by the declaration of every name they
     * auto-create: a name neither declared here nor by the mesh gets the default definition, and
     * the mesh learns it together with the data. Writes to the reserved namespace are refused.
     */
    /** Refuses the reserved namespace, which only declarations write. */
    static void requireWritable(String namespace) {
        if (namespace.equals(NamespaceCatalog.DECLARATIONS)) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "namespace '" + NamespaceCatalog.DECLARATIONS
                    + "' is reserved for namespace declarations and cannot be written directly; declare namespaces with "
                    + "'rhizome ns create' (POST /api/v1/ns) or SyncService.declare");
        }
    }

    public List<LocalWrite> withDeclarations(List<LocalWrite> writes) {
        List<LocalWrite> declarations = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (LocalWrite w : writes) {
            requireWritable(w.namespace());
            names.add(w.namespace());
        }
        for (String name : names) {
            if (catalog().declared(name).isEmpty()) {
                Optional<NamespaceDefinition> d;
                try {
                    d = catalog().resolve(name);
                } catch (IllegalArgumentException e) {
                    throw new SyncException(SyncException.Reason.INVALID_VALUE, e.getMessage());
                }
                d.ifPresent(def -> declarations.add(declaration(def)));
            }
        }
        if (declarations.isEmpty()) {
            return writes;
        }
        declarations.addAll(writes);
        return declarations;
    }

    /** See {@code SyncService.declare}. */
    public void declare(NamespaceDefinition d) {
        if (d.name().equals(NamespaceCatalog.DECLARATIONS)) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "namespace '" + d.name() + "' is reserved for namespace declarations");
        }
        if (engine.type(d.crdtType()).isEmpty()) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "CRDT type '" + d.crdtType()
                    + "' is not installed on this device; install the plugin that provides it first");
        }
        Optional<String> lost = catalog().mesh(d.name()).flatMap(MeshDeclaration::unavailable);
        if (lost.isPresent() && !catalog().declaredLocally(d.name())) {
            // A new declaration would hide the conflict while this device's entities keep the losing type.
            throw new SyncException(SyncException.Reason.CONFLICT, lost.get());
        }
        Optional<NamespaceDefinition> current = catalog().resolve(d.name());
        if (engine.namespacesWithData().contains(d.name()) && current.isPresent() && !current.get().crdtType().equals(d.crdtType())) {
            int entities = engine.keys(d.name()).size();
            throw new SyncException(SyncException.Reason.CONFLICT, "namespace '" + d.name() + "' holds " + current.get().crdtType()
                    + " data (" + entities + " entit" + (entities == 1 ? "y" : "ies") + "); it cannot become a " + d.crdtType()
                    + ": declare a new name for the " + d.crdtType() + " data, or export this one, move its values and import them there");
        }
        Optional<NamespaceDefinition> meshHas = catalog().mesh(d.name()).flatMap(MeshDeclaration::definition);
        boolean contested = catalog().mesh(d.name()).map(m -> !m.rivals().isEmpty()).orElse(false);
        if (!meshHas.equals(Optional.of(d)) || contested) {
            engine.write(List.of(declaration(d)));
            refresh(List.of(d.name()));
            LOG.info("namespace '{}' declared for the mesh {}", d.name(), describe(Optional.of(d)));
        }
        Optional<String> problem = catalog().scopeProblem(d);
        if (problem.isPresent()) {
            throw new SyncException(SyncException.Reason.INVALID_VALUE, "namespace '" + d.name() + "' is declared but unavailable: "
                    + problem.get() + "; writes to it are refused and nothing of it is sent until it is declared again with a valid predicate");
        }
    }

    /** See {@code SyncService.undeclare}. */
    public boolean undeclare(String name) {
        Optional<MeshDeclaration> m = catalog().mesh(name);
        if (m.isEmpty() || m.get().definition().isEmpty()) {
            return false;
        }
        if (engine.namespacesWithData().contains(name)) {
            int entities = engine.keys(name).size();
            throw new SyncException(SyncException.Reason.CONFLICT, "namespace '" + name + "' holds data (" + entities + " entit"
                    + (entities == 1 ? "y" : "ies") + " here); its declaration stays so that its writes keep reaching peers. "
                    + "A namespace with data cannot be deleted; stop using it, or move its values to a new name");
        }
        ObjectNode withdrawn = F.objectNode();
        withdrawn.put("withdrawn", true);
        withdrawn.put("by", engine.deviceId());
        withdrawn.put("at", wallClock.getAsLong());
        engine.write(List.of(set(name, withdrawn)));
        refresh(List.of(name));
        LOG.info("namespace '{}' withdrawn from the mesh", name);
        return true;
    }

    // ------------------------------------------------------------------ text forms

    static String scopeName(SyncScope s) {
        return s.kind().id();
    }

    /**
     * A definition from its JSON form ({@code crdtType}, {@code scope} full|selective|local-only,
     * {@code predicate}, {@code aclClass}), as in declarations and export lines.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong
     */
    public static NamespaceDefinition definition(String name, JsonNode v) {
        if (!v.path("crdtType").isTextual() || v.get("crdtType").asText().isBlank()) {
            throw new IllegalArgumentException("\"crdtType\" is required (a string)");
        }
        SyncScope scope = SyncScope.parse(v.path("scope").asText("full"), v.path("predicate").asText(""));
        String acl = v.path("aclClass").asText("");
        return new NamespaceDefinition(name, v.get("crdtType").asText(), scope, acl.isBlank() ? Optional.empty() : Optional.of(acl));
    }
}
