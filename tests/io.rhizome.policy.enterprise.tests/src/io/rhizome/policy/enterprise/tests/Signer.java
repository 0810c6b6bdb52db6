package io.rhizome.policy.enterprise.tests;

import java.util.List;

import io.rhizome.policy.enterprise.internal.statement.Action;
import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.policy.enterprise.internal.statement.Statement;
import io.rhizome.policy.enterprise.internal.statement.StatementGraph;

/** A device with its own view of the statements: it signs after what it has seen, and learns what others sent it. */
public final class Signer {

    final DeviceKeys key = new DeviceKeys();
    public final StatementGraph graph = new StatementGraph(DeviceKeys.CHECK);
    private long clock = 1_000;

    public DeviceKeys key() {
        return key;
    }

    public String device() {
        return key.device();
    }

    public Statement sign(Action action) {
        Statement s = graph.next(device(), action, clock++, key::sign);
        graph.add(s);
        return s;
    }

    Signer learn(List<Statement> statements) {
        statements.forEach(graph::add);
        return this;
    }

    Signer learnAll(Signer other) {
        return learn(other.graph.statements());
    }

    public Organisation org() {
        return graph.resolve().organisation().orElseThrow();
    }
}
