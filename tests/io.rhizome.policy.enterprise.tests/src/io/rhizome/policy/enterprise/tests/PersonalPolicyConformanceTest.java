package io.rhizome.policy.enterprise.tests;

import java.util.Set;

import org.junit.jupiter.api.AfterEach;

import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.testsupport.policy.SyncPolicyConformance;

/** The personal policy (the real DS service) passes the SyncPolicy conformance suite: trusted devices sync everything. */
class PersonalPolicyConformanceTest extends SyncPolicyConformance {

    private final PolicyServices services = new PolicyServices(Set.of("member-device"));

    @AfterEach
    void close() {
        services.close();
    }

    @Override
    protected SyncPolicy policy() throws Exception {
        return services.policy("personal");
    }

    @Override
    protected String memberDevice() {
        return "member-device";
    }

    @Override
    protected String stranger() {
        return "stranger-device";
    }
}
