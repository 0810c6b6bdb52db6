package io.rhizome.rest.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import io.rhizome.api.NamespaceInfo;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;

/**
 * Writes an exported value back as local changes: the intents that turn the entity's current
 * exported value into the one of the line, as the namespace's CRDT type computes them
 * ({@code CrdtType.importIntents}), applied in transactions.
 */
final class Importer {

    private final SyncService sync;
    /**
     * Every namespace, as listed once for this import and again only after a declaration line
     * changed them: a line costs a map lookup, not a listing of every namespace (listing once per
     * name made an import into a node with many namespaces quadratic; found by the import fuzz target).
     */
    private Map<String, NamespaceInfo> namespaces;

    Importer(SyncService sync) {
        this.sync = sync;
    }

    /** Where the import tells how far it got: an operation record, the bytes read through a line's number, a tick after each step. */
    private Operation op;
    private java.util.function.IntToLongFunction bytesThroughLine = n -> 0;
    private Runnable tick = () -> { };

    Importer watchedBy(Operation operation, java.util.function.IntToLongFunction bytesThrough, Runnable onTick) {
        this.op = operation;
        this.bytesThroughLine = bytesThrough;
        this.tick = onTick;
        return this;
    }

    private void progress(String phase, int done, List<Line> lines) {
        if (op == null) {
            return;
        }
        op.advance(done, done == 0 ? 0 : bytesThroughLine.applyAsLong(lines.get(done - 1).number()));
        tick.run();
    }

    private void phase(String phase, List<Line> lines) {
        if (op != null) {
            op.phase(phase, "lines", lines.size());
            tick.run();
        }
    }

    private Optional<NamespaceInfo> namespace(String name) {
        if (namespaces == null) {
            namespaces = new java.util.HashMap<>();
            for (NamespaceInfo info : sync.namespaces()) {
                namespaces.put(info.name(), info);
            }
        }
        return Optional.ofNullable(namespaces.get(name));
    }

    /** One parsed line of an export: an entity, or (with {@code declaration}) a namespace declaration. */
    record Line(int number, String namespace, String key, Optional<String> type, JsonNode value,
            Optional<io.rhizome.spi.namespace.NamespaceDefinition> declaration) {
        Line(int number, String namespace, String key, Optional<String> type, JsonNode value) {
            this(number, namespace, key, type, value, Optional.empty());
        }

        Line(int number, io.rhizome.spi.namespace.NamespaceDefinition declaration) {
            this(number, declaration.name(), "", Optional.of(declaration.crdtType()), NullNode.getInstance(), Optional.of(declaration));
        }
    }

    /** Lines per transaction: one durable commit per chunk instead of per line. */
    static final int CHUNK = 500;

    /** An import stopped at a line; every line before it was written. */
    static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;
        final Line line;
        final int written;
        final SyncException cause;

        Stopped(Line line, int written, SyncException cause) {
            super(cause.getMessage(), cause);
            this.line = line;
            this.written = written;
            this.cause = cause;
        }
    }

    /**
     * Checks every entity line with its type first (see {@link #check}; a refusal there writes
     * nothing), then writes the lines in order, up to {@link #CHUNK} lines (with distinct entities)
     * per transaction. When a chunk still fails (storage, a declaration refused, a value changed
     * under the import), its lines are retried one by one so that exactly the lines before the
     * failing one are written.
     *
     * @return the number of lines written
     */
    int writeAll(List<Line> lines) throws Stopped {
        check(lines);
        phase("writing", lines);
        int written = 0;
        int i = 0;
        while (i < lines.size()) {
            if (lines.get(i).declaration().isPresent()) {
                declare(lines.get(i), lines.get(i).declaration().get(), written);
                i++;
                progress("writing", i, lines);
                continue;
            }
            declareUndeclared(lines.get(i), written);
            List<Line> chunk = new ArrayList<>();
            Set<String> entities = new java.util.HashSet<>();
            entities.add(lines.get(i).namespace() + "\u0000" + lines.get(i).key());
            chunk.add(lines.get(i++));
            while (i < lines.size() && chunk.size() < CHUNK && lines.get(i).declaration().isEmpty() && known(lines.get(i))
                    && entities.add(lines.get(i).namespace() + "\u0000" + lines.get(i).key())) {
                chunk.add(lines.get(i++));
            }
            try {
                List<Map.Entry<Line, List<JsonNode>>> planned = new ArrayList<>();
                for (Line line : chunk) {
                    planned.add(Map.entry(line, plan(line)));
                }
                sync.transaction(tx -> {
                    for (Map.Entry<Line, List<JsonNode>> e : planned) {
                        for (JsonNode intent : e.getValue()) {
                            tx.mutate(e.getKey().namespace(), e.getKey().key(), intent);
                        }
                    }
                    return null;
                });
                written += chunk.size();
            } catch (SyncException chunkFailed) {
                for (Line line : chunk) {
                    try {
                        write(line);
                        written++;
                    } catch (SyncException e) {
                        throw new Stopped(line, written, e);
                    }
                }
            }
            progress("writing", i, lines);
        }
        return written;
    }

    /**
     * Declares a namespace of a declaration line (declaring what the mesh already has changes
     * nothing); a declaration line is not counted as written.
     */
    private void declare(Line line, io.rhizome.spi.namespace.NamespaceDefinition d, int written) throws Stopped {
        try {
            sync.declare(d);
        } catch (SyncException e) {
            throw new Stopped(line, written, e);
        }
        namespaces = null; // the name may be declared locally too, with another type: listed again when next asked
    }

    private boolean known(Line line) {
        return namespace(line.namespace()).isPresent() || line.type().isEmpty();
    }

    /**
     * An entity line of a namespace nobody declared, with a type (an export older than declaration
     * lines): the namespace is declared with that type, rather than auto-created as the default.
     */
    private void declareUndeclared(Line line, int written) throws Stopped {
        if (!known(line)) {
            io.rhizome.spi.namespace.NamespaceDefinition d;
            try {
                d = io.rhizome.spi.namespace.NamespaceDefinition.of(line.namespace(), line.type().get());
            } catch (IllegalArgumentException e) {
                throw new Stopped(line, written, new SyncException(SyncException.Reason.INVALID_VALUE, e.getMessage()));
            }
            Map<String, NamespaceInfo> listed = namespaces;
            declare(line, d, written);
            if (listed != null) {
                // A name nobody had (not in the listing, so no local source declares it) now has exactly this declaration.
                listed.put(d.name(), new NamespaceInfo(d.name(), d.crdtType(), d.scope(), d.aclClass(), true, Optional.empty()));
                namespaces = listed;
            }
        }
    }

    /**
     * The intents of one entity line, from the namespace's CRDT type (through
     * {@link SyncService#importIntents}): the import knows no type itself, so a third-party type
     * imports exactly like a built-in one.
     */
    private List<JsonNode> plan(Line line) {
        NamespaceInfo ns = namespace(line.namespace()).orElse(null);
        if (line.type().isPresent() && ns != null && !line.type().get().equals(ns.crdtType())) {
            throw mismatch(line, ns.crdtType());
        }
        return sync.importIntents(line.namespace(), line.key(), line.value(), Optional.empty());
    }

    private static SyncException mismatch(Line line, String type) {
        return new SyncException(SyncException.Reason.WRONG_OPERATION, "the line says type '" + line.type().get() + "' but namespace '"
                + line.namespace() + "' is a " + type);
    }

    /**
     * Asks the type of every entity line for its intents before anything is written, so that a
     * type that cannot import (or cannot take a line's value) refuses the import with nothing
     * written, declarations included. A namespace gets the type of its declaration line, else the
     * type it has, else the line's.
     */
    private void check(List<Line> lines) throws Stopped {
        Map<String, String> declaredHere = new java.util.HashMap<>();
        phase("checking", lines);
        int checked = 0;
        for (Line line : lines) {
            if (++checked % CHUNK == 0) {
                progress("checking", checked, lines);
            }
            if (line.declaration().isPresent()) {
                checkDeclaration(line, line.declaration().get());
                declaredHere.put(line.namespace(), line.declaration().get().crdtType());
                continue;
            }
            Optional<String> type = Optional.ofNullable(declaredHere.get(line.namespace()))
                    .or(() -> namespace(line.namespace()).map(NamespaceInfo::crdtType))
                    .or(line::type);
            try {
                if (line.type().isPresent() && !line.type().equals(type)) {
                    throw mismatch(line, type.get());
                }
                sync.importIntents(line.namespace(), line.key(), line.value(), type);
            } catch (SyncException e) {
                throw new Stopped(line, 0, e);
            }
        }
    }

    /**
     * What {@code SyncService.declare} would refuse, refused here, before any line is written: a
     * type that is not installed on this device, a reserved name, a namespace that holds data of
     * another type. (Without it a declaration line after entity lines stopped the import half way,
     * with those lines written: found by the REST fuzz target.) The type is asked for through
     * {@code importIntents} of a null into a null under the declared type: a type that is not
     * installed answers {@code NAMESPACE_UNAVAILABLE}, a reserved name {@code INVALID_VALUE}; a type
     * that is installed answers with intents, or with {@code WRONG_OPERATION} when a null is no
     * export of it, which says it is there. Nothing is written either way.
     */
    private void checkDeclaration(Line line, io.rhizome.spi.namespace.NamespaceDefinition d) throws Stopped {
        try {
            sync.importIntents(d.name(), DECLARATION_PROBE_KEY, NullNode.getInstance(), Optional.of(d.crdtType()));
        } catch (SyncException e) {
            if (e.reason() != SyncException.Reason.WRONG_OPERATION) {
                throw new Stopped(line, 0, e);
            }
        }
        Optional<NamespaceInfo> current = namespace(d.name());
        if (current.isPresent() && !current.get().crdtType().equals(d.crdtType()) && !sync.keys(d.name()).isEmpty()) {
            throw new Stopped(line, 0, new SyncException(SyncException.Reason.CONFLICT, "namespace '" + d.name() + "' holds "
                    + current.get().crdtType() + " data; it cannot become a " + d.crdtType() + ": import it under a new name"));
        }
    }

    /** The key the declaration check asks about; any valid key would do, nothing is written. */
    private static final String DECLARATION_PROBE_KEY = "import-declaration-check";

    void write(Line line) {
        List<JsonNode> intents = plan(line);
        if (intents.isEmpty()) {
            return;
        }
        sync.transaction(tx -> {
            for (JsonNode intent : intents) {
                tx.mutate(line.namespace(), line.key(), intent);
            }
            return null;
        });
    }
}
