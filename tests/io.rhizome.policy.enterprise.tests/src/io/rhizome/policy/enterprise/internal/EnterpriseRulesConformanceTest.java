package io.rhizome.policy.enterprise.internal;

import java.util.Set;

import io.rhizome.policy.enterprise.tests.OrgFixture;
import io.rhizome.policy.enterprise.tests.Signer;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.testsupport.policy.SyncPolicyConformance;

/**
 * The enterprise rules pass the SyncPolicy conformance suite, with an organisation (bob may write
 * acme.hr.*) read by an {@link OrgBook}, as the component runs them (so write points are checked too).
 */
class EnterpriseRulesConformanceTest extends SyncPolicyConformance {

    private final OrgFixture f = new OrgFixture().standard();
    private final String stranger = new Signer().device();

    @Override
    protected SyncPolicy policy() {
        OrgBook book = new OrgBook(io.rhizome.policy.enterprise.tests.DeviceKeys.CHECK, r -> { }, System::currentTimeMillis);
        com.fasterxml.jackson.databind.node.ArrayNode all = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        f.admin.graph.statements().forEach(s -> all.add(io.rhizome.policy.enterprise.internal.statement.StatementCodec.toJson(s)));
        book.ingest(all);
        Set<String> trusted = Set.of(f.admin.device(), f.hr.device(), f.eng.device(), f.reader.device());
        return new EnterpriseRules(book, trusted::contains, true, r -> { }, System::currentTimeMillis);
    }

    @Override
    protected String memberDevice() {
        return f.hr.device();
    }

    @Override
    protected String stranger() {
        return stranger;
    }

    @Override
    protected String namespace() {
        return "acme.hr.notes";
    }

    @Override
    protected boolean judgesAuthors() {
        return true;
    }
}
