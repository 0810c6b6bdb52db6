package io.rhizome.policy.enterprise.internal.statement;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Every statement this node has received, as a causal graph ({@link Statement#seen()} are the
 * edges), and what they add up to.
 *
 * <p><b>Validity.</b> A statement is dropped on arrival if its signature does not verify by its
 * signer's key. It waits (counts nothing) until every statement it saw is known. It is
 * <i>invalid</i> when, judged by the valid statements in its own causal past: it belongs to
 * another organisation; it is a second genesis; its sequence number is not one more than the
 * signer's last statement it saw, or the signer signed another statement with the same number (a
 * re-signed replay or an equivocation: none of them counts); it raises the signer's own
 * member (self-promotion); its signer is not a device of an admin at that point (never was, or was
 * removed before); or it enrols a device for an unknown member.
 *
 * <p><b>Removed admins.</b> A removal cannot be ordered against statements its author never saw,
 * so a removed admin could otherwise keep signing "before" its removal. Revoke wins: a statement
 * by a device that is no admin in the final state counts only if the statement that removed it
 * had seen it. The check runs to a fixpoint, each round dropping the first offending statement in
 * causal order (depth, then id), so two admins that remove each other concurrently end
 * deterministically: the one whose removal comes first in that order is removed.
 *
 * <p><b>Concurrent conflicts</b> on one register (a member, a device, an ACL entry) resolve among
 * the statements no other statement on that register saw: a removal or revocation wins, then the
 * lower role or the read-only grant, then the smaller statement id. Every device holding the same
 * statements computes the same organisation.
 *
 * <p>Thread-safe (synchronized). Resolution is quadratic to cubic in the number of statements,
 * which is fine for the hundreds an organisation signs, and runs only when a statement arrives.
 */
public final class StatementGraph {

    /** What {@link #resolve} found: the organisation (if a genesis is known), and why statements do not count. */
    public record Resolution(Optional<Organisation> organisation, Map<String, String> rejected, Set<String> waiting) {
    }

    /** The outcome of {@link #add}. */
    public enum Added {
        NEW, KNOWN, FORGED
    }

    private final SignatureCheck check;
    private final Map<String, Statement> known = new LinkedHashMap<>();

    public StatementGraph(SignatureCheck check) {
        this.check = check;
    }

    /** Adds a received statement; a statement whose signature does not verify is not kept. */
    public synchronized Added add(Statement s) {
        String id = s.id();
        if (known.containsKey(id)) {
            return Added.KNOWN;
        }
        if (!check.verify(s.signer(), s.signedBytes(), s.signature())) {
            return Added.FORGED;
        }
        known.put(id, s);
        return Added.NEW;
    }

    public synchronized Optional<Statement> get(String id) {
        return Optional.ofNullable(known.get(id));
    }

    public synchronized List<Statement> statements() {
        return List.copyOf(known.values());
    }

    /** The statements no other known statement saw. */
    public synchronized Set<String> heads() {
        Set<String> heads = new TreeSet<>(known.keySet());
        known.values().forEach(s -> heads.removeAll(s.seen()));
        return heads;
    }

    /**
     * A new statement by {@code signer}, placed after everything known (its heads, and its signer's
     * last statement), signed by {@code sign}. Not added: callers add it, publish it, and
     * {@link #resolve} tells whether it counts.
     */
    public synchronized Statement next(String signer, Action action, long at, UnaryOperator<byte[]> sign) {
        long seq = known.values().stream().filter(s -> s.signer().equals(signer)).mapToLong(Statement::seq).max().orElse(0) + 1;
        Optional<Statement> genesis = known.values().stream().filter(Statement::isGenesis).min(Comparator.comparing(Statement::id));
        String org = action instanceof Action.CreateOrg || genesis.isEmpty() ? "" : genesis.get().id();
        Statement unsigned = new Statement(org, signer, seq, action instanceof Action.CreateOrg ? List.of() : List.copyOf(heads()), at, action, null);
        return unsigned.signed(sign.apply(unsigned.signedBytes()));
    }

    /**
     * What the known statements and {@code extra} would add up to, without keeping {@code extra}:
     * to tell a person why a statement would not count before it is published.
     */
    public synchronized Resolution resolveWith(Statement extra) {
        boolean added = !known.containsKey(extra.id());
        known.put(extra.id(), extra);
        try {
            return resolve();
        } finally {
            if (added) {
                known.remove(extra.id());
            }
        }
    }

    /** The organisation all known statements add up to. */
    public synchronized Resolution resolve() {
        return resolveWithin(known.keySet());
    }

    /**
     * The organisation as it was at a causal point: the statements {@code point} names and
     * everything they saw (unknown ids are ignored).
     */
    public synchronized Resolution resolveAt(Collection<String> point) {
        Set<String> closure = new HashSet<>();
        List<String> todo = new ArrayList<>(point);
        while (!todo.isEmpty()) {
            String id = todo.remove(todo.size() - 1);
            Statement s = known.get(id);
            if (s != null && closure.add(id)) {
                todo.addAll(s.seen());
            }
        }
        return resolveWithin(closure);
    }

    private Resolution resolveWithin(Set<String> scope) {
        Map<String, String> rejected = new LinkedHashMap<>();
        Set<String> waiting = new TreeSet<>();
        Map<String, Integer> depth = new HashMap<>();
        for (String id : scope) {
            if (depthOf(id, scope, depth, new HashSet<>()) < 0) {
                waiting.add(id);
            }
        }
        List<Statement> order = new ArrayList<>();
        for (String id : scope) {
            if (!waiting.contains(id)) {
                order.add(known.get(id));
            }
        }
        order.sort(Comparator.comparing((Statement s) -> depth.get(s.id())).thenComparing(Statement::id));
        Causality c = new Causality(order);
        Optional<Statement> genesis = order.stream().filter(Statement::isGenesis).filter(s -> s.seen().isEmpty() && s.seq() == 1
                && s.org().isEmpty()).min(Comparator.comparing(Statement::id));
        if (genesis.isEmpty()) {
            order.forEach(s -> rejected.put(s.id(), "no organisation genesis statement is known"));
            return new Resolution(Optional.empty(), rejected, waiting);
        }
        BitSet excluded = new BitSet();
        Map<Integer, String> exclusionReasons = new HashMap<>();
        for (int round = 0; round <= order.size(); round++) {
            Map<Integer, String> reasons = new HashMap<>(exclusionReasons);
            BitSet valid = new BitSet();
            for (int i = 0; i < order.size(); i++) {
                if (excluded.get(i)) {
                    continue;
                }
                Optional<String> why = invalidity(i, order, c, genesis.get(), valid);
                if (why.isPresent()) {
                    reasons.put(i, why.get());
                } else {
                    valid.set(i);
                }
            }
            Organisation org = c.fold(valid, genesis.get());
            int offender = firstUnseenByRemover(org, order, c, valid, genesis.get());
            if (offender < 0) {
                reasons.forEach((i, r) -> rejected.put(order.get(i).id(), r));
                return new Resolution(Optional.of(org), rejected, waiting);
            }
            excluded.set(offender);
            exclusionReasons.put(offender, "signed by " + order.get(offender).signer()
                    + ", which was removed as admin by a statement that had not seen it; the removal wins");
        }
        throw new IllegalStateException("unreachable: each round excludes one more of " + order.size() + " statements");
    }

    /** -1 if the statement (or one it saw, transitively) is not known or not in scope. */
    private int depthOf(String id, Set<String> scope, Map<String, Integer> depth, Set<String> visiting) {
        Integer d = depth.get(id);
        if (d != null) {
            return d;
        }
        Statement s = known.get(id);
        if (s == null || !scope.contains(id) || !visiting.add(id)) {
            return -1;
        }
        int max = 0;
        for (String p : s.seen()) {
            int pd = depthOf(p, scope, depth, visiting);
            if (pd < 0) {
                depth.put(id, -1);
                return -1;
            }
            max = Math.max(max, pd + 1);
        }
        depth.put(id, max);
        return max;
    }

    private static Optional<String> invalidity(int i, List<Statement> order, Causality c, Statement genesis, BitSet valid) {
        Statement s = order.get(i);
        if (s.isGenesis()) {
            return s == genesis ? Optional.empty()
                    : Optional.of("a second organisation genesis; organisation " + genesis.id() + " came first");
        }
        if (!s.org().equals(genesis.id())) {
            return Optional.of("belongs to organisation " + s.org() + ", not " + genesis.id());
        }
        if (c.equivocates(s)) {
            return Optional.of("signer " + s.signer() + " signed more than one statement #" + s.seq()
                    + " (a re-signed replay or an equivocation); none of them counts");
        }
        BitSet past = c.ancestors(i);
        long previous = 0;
        for (int j = past.nextSetBit(0); j >= 0; j = past.nextSetBit(j + 1)) {
            if (order.get(j).signer().equals(s.signer())) {
                previous = Math.max(previous, order.get(j).seq());
            }
        }
        if (s.seq() != previous + 1) {
            return Optional.of("sequence #" + s.seq() + " does not follow the signer's last statement it saw (#" + previous
                    + "): replayed or reordered");
        }
        BitSet validPast = (BitSet) past.clone();
        validPast.and(valid);
        Organisation at = c.fold(validPast, genesis);
        Optional<Organisation.Member> signerMember = at.memberOf(s.signer());
        if (s.action() instanceof Action.SetMember set && signerMember.isPresent() && signerMember.get().name().equals(set.member())
                && set.role().ordinal() > signerMember.get().role().ordinal()) {
            return Optional.of("self-promotion: " + s.signer() + " raised its own member '" + set.member() + "' to " + set.role().id());
        }
        if (!at.isAdminDevice(s.signer())) {
            return Optional.of("signer " + s.signer() + " is not a device of an admin at the causal point of the statement"
                    + (signerMember.isPresent() ? " (member '" + signerMember.get().name() + "' is " + signerMember.get().role().id() + ")" : ""));
        }
        if (s.action() instanceof Action.AddDevice add && !at.members().containsKey(add.member())) {
            return Optional.of("enrols a device for member '" + add.member() + "', who is not a member at that point");
        }
        return Optional.empty();
    }

    /** The first valid statement (in causal order) by a device that is no admin now and that its remover had not seen; -1 if none. */
    private static int firstUnseenByRemover(Organisation org, List<Statement> order, Causality c, BitSet valid, Statement genesis) {
        for (int i = valid.nextSetBit(0); i >= 0; i = valid.nextSetBit(i + 1)) {
            Statement s = order.get(i);
            if (s == genesis || org.isAdminDevice(s.signer())) {
                continue;
            }
            boolean seenByRemover = false;
            for (int j = valid.nextSetBit(0); j >= 0 && !seenByRemover; j = valid.nextSetBit(j + 1)) {
                seenByRemover = c.lowersAdmin(j, s.signer()) && c.ancestors(j).get(i);
            }
            if (!seenByRemover) {
                return i;
            }
        }
        return -1;
    }

    /** Ancestor sets of statements in causal order, and folding a set of them into an organisation. */
    private static final class Causality {
        private final List<Statement> order;
        private final List<BitSet> ancestors = new ArrayList<>();
        private final Map<String, Integer> index = new HashMap<>();
        /** device id to the members it was ever enrolled as (by any statement in scope). */
        private final Map<String, Set<String>> enrolments = new HashMap<>();
        private final Map<String, Integer> bySignerSeq = new HashMap<>();

        Causality(List<Statement> order) {
            this.order = order;
            for (int i = 0; i < order.size(); i++) {
                Statement s = order.get(i);
                index.put(s.id(), i);
                bySignerSeq.merge(s.signer() + "#" + s.seq(), 1, Integer::sum);
                BitSet a = new BitSet();
                for (String p : s.seen()) {
                    int pi = index.get(p);
                    a.set(pi);
                    a.or(ancestors.get(pi));
                }
                ancestors.add(a);
                if (s.action() instanceof Action.AddDevice add) {
                    enrolments.computeIfAbsent(add.device(), d -> new HashSet<>()).add(add.member());
                } else if (s.action() instanceof Action.CreateOrg create) {
                    enrolments.computeIfAbsent(s.signer(), d -> new HashSet<>()).add(create.member());
                }
            }
        }

        boolean equivocates(Statement s) {
            return bySignerSeq.get(s.signer() + "#" + s.seq()) > 1;
        }

        BitSet ancestors(int i) {
            return ancestors.get(i);
        }

        /** Whether statement j takes admin rights away from a device (removes it, its member, or demotes its member). */
        boolean lowersAdmin(int j, String device) {
            Action a = order.get(j).action();
            Set<String> members = enrolments.getOrDefault(device, Set.of());
            return (a instanceof Action.RemoveDevice r && r.device().equals(device))
                    || (a instanceof Action.RemoveMember rm && members.contains(rm.member()))
                    || (a instanceof Action.SetMember set && set.role() != Role.ADMIN && members.contains(set.member()));
        }

        Organisation fold(BitSet set, Statement genesis) {
            Map<String, List<Integer>> byRegister = new LinkedHashMap<>();
            for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) {
                for (String r : registers(order.get(i))) {
                    byRegister.computeIfAbsent(r, x -> new ArrayList<>()).add(i);
                }
            }
            Map<String, Organisation.Member> members = new HashMap<>();
            Map<String, String> devices = new HashMap<>();
            List<Organisation.AclEntry> acl = new ArrayList<>();
            for (Map.Entry<String, List<Integer>> e : byRegister.entrySet()) {
                Statement w = winner(e.getValue());
                String register = e.getKey();
                Action a = w.action();
                if (a instanceof Action.CreateOrg create) {
                    if (register.startsWith("member:")) {
                        members.put(create.member(), new Organisation.Member(create.member(), Role.ADMIN, List.of(), w.id()));
                    } else {
                        devices.put(w.signer(), create.member());
                    }
                } else if (a instanceof Action.SetMember m) {
                    members.put(m.member(), new Organisation.Member(m.member(), m.role(), m.teams(), w.id()));
                } else if (a instanceof Action.AddDevice d) {
                    devices.put(d.device(), d.member());
                } else if (a instanceof Action.Grant g) {
                    acl.add(new Organisation.AclEntry(g.pattern(), g.principal(), g.write(), w.id()));
                }
                // A removal or revocation that wins leaves its register empty.
            }
            devices.values().removeIf(m -> !members.containsKey(m));
            acl.sort(Comparator.comparing(Organisation.AclEntry::pattern).thenComparing(Organisation.AclEntry::principal));
            return new Organisation(genesis.id(), ((Action.CreateOrg) genesis.action()).name(), members, devices, acl);
        }

        private static List<String> registers(Statement s) {
            if (s.action() instanceof Action.CreateOrg create) {
                return List.of("member:" + create.member(), "device:" + s.signer());
            }
            return List.of(s.action().register());
        }

        /** Among the statements on one register, the one that counts: see the class comment. */
        private Statement winner(List<Integer> candidates) {
            List<Statement> maxima = new ArrayList<>();
            for (int c : candidates) {
                boolean seenByAnother = false;
                for (int d : candidates) {
                    seenByAnother |= d != c && ancestors.get(d).get(c);
                }
                if (!seenByAnother) {
                    maxima.add(order.get(c));
                }
            }
            return maxima.stream().min(Comparator.comparing((Statement s) -> !s.action().lowers())
                    .thenComparingInt(Causality::rank).thenComparing(Statement::id)).orElseThrow();
        }

        private static int rank(Statement s) {
            Action a = s.action();
            if (a instanceof Action.SetMember m) {
                return m.role().ordinal();
            }
            if (a instanceof Action.CreateOrg) {
                return Role.ADMIN.ordinal();
            }
            return a instanceof Action.Grant g && g.write() ? 1 : 0;
        }
    }
}
