package io.rhizome.policy.enterprise.internal;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

import io.rhizome.policy.enterprise.internal.statement.Action;
import io.rhizome.policy.enterprise.internal.statement.Names;
import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.policy.enterprise.internal.statement.Role;
import io.rhizome.policy.enterprise.internal.statement.Statement;
import io.rhizome.policy.enterprise.internal.statement.StatementGraph;

/**
 * Makes this device's statements: signs them with the device's identity key, checks that they
 * would count (so a person hears why not, and nothing is published), and publishes them into the
 * reserved namespace. Every refusal is an {@link IllegalArgumentException} with a sentence; a
 * refused request publishes nothing. Thread-safe.
 */
public final class OrgAdmin {

    private final OrgBook book;
    private final String device;
    private final UnaryOperator<byte[]> sign;
    private final Consumer<Statement> publish;
    private final LongSupplier clock;

    /**
     * @param publish writes the statement into {@link OrgBook#NAMESPACE} durably and then lets the
     *                book ingest it; throws if it cannot
     */
    public OrgAdmin(OrgBook book, String device, UnaryOperator<byte[]> sign, Consumer<Statement> publish, LongSupplier clock) {
        this.book = book;
        this.device = device;
        this.sign = sign;
        this.publish = publish;
        this.clock = clock;
    }

    public synchronized Statement create(String name, String member) {
        Optional<Organisation> org = book.organisation();
        if (org.isPresent()) {
            throw new IllegalArgumentException("this device already belongs to organisation '" + org.get().name() + "' ("
                    + org.get().id() + "); a device belongs to one organisation");
        }
        return issue(new Action.CreateOrg(name, member));
    }

    public synchronized Statement setMember(String member, String role, List<String> teams) {
        return issue(new Action.SetMember(member, Role.parse(role), teams));
    }

    public synchronized Statement removeMember(String member) {
        Names.checkName("member", member);
        if (!organisation().members().containsKey(member)) {
            throw new IllegalArgumentException("'" + member + "' is not a member of organisation '" + organisation().name() + "'");
        }
        return issue(new Action.RemoveMember(member));
    }

    public synchronized Statement addDevice(String member, String deviceId) {
        return issue(new Action.AddDevice(member, deviceId));
    }

    public synchronized Statement removeDevice(String deviceId) {
        Action a = new Action.RemoveDevice(deviceId);
        if (organisation().memberOf(deviceId).isEmpty()) {
            throw new IllegalArgumentException("device " + deviceId + " is not a device of any member of organisation '"
                    + organisation().name() + "'");
        }
        return issue(a);
    }

    public synchronized Statement grant(String pattern, String principal, boolean write) {
        return issue(new Action.Grant(pattern, principal, write));
    }

    public synchronized Statement revoke(String pattern, String principal) {
        Action.Revoke r = new Action.Revoke(pattern, principal);
        boolean exists = organisation().acl().stream().anyMatch(e -> e.pattern().equals(r.pattern()) && e.principal().equals(r.principal()));
        if (!exists) {
            throw new IllegalArgumentException("no ACL entry for " + r.principal() + " on '" + r.pattern() + "' to revoke (see `rhizome acl show`)");
        }
        return issue(r);
    }

    private Organisation organisation() {
        return book.organisation().orElseThrow(() -> new IllegalArgumentException(
                "this device belongs to no organisation yet: create one with `rhizome org create NAME`, or pair with a device of one"));
    }

    private Statement issue(Action action) {
        if (!(action instanceof Action.CreateOrg)) {
            organisation();
        }
        StatementGraph graph = book.graph();
        Statement s = graph.next(device, action, clock.getAsLong(), sign);
        StatementGraph.Resolution trial = graph.resolveWith(s);
        String why = trial.rejected().get(s.id());
        if (why != null) {
            throw new IllegalArgumentException("refused, the statement would not count: " + why);
        }
        publish.accept(s);
        return s;
    }
}
