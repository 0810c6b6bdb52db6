package io.rhizome.policy.enterprise.internal;

import java.util.Optional;
import java.util.Set;

import io.rhizome.policy.enterprise.internal.statement.Organisation;
import io.rhizome.policy.enterprise.tests.OrgFixture;
import io.rhizome.policy.enterprise.tests.Signer;
import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.testsupport.policy.SyncPolicyConformance;

/** The enterprise rules pass the SyncPolicy conformance suite, with an organisation (bob may write acme.hr.*). */
class EnterpriseRulesConformanceTest extends SyncPolicyConformance {

    private final OrgFixture f = new OrgFixture().standard();
    private final String stranger = new Signer().device();

    @Override
    protected SyncPolicy policy() {
        Optional<Organisation> org = Optional.of(f.admin.org());
        Set<String> trusted = Set.of(f.admin.device(), f.hr.device(), f.eng.device(), f.reader.device());
        return new EnterpriseRules(() -> org, trusted::contains, true, r -> { }, System::currentTimeMillis);
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
