package io.rhizome.policy.enterprise.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

import io.rhizome.spi.policy.SyncPolicy;
import io.rhizome.testsupport.Await;
import io.rhizome.testsupport.policy.SyncPolicyConformance;

/**
 * The enterprise policy as the node runs it (its DS component, in a real framework): it passes the
 * conformance suite, it outranks the personal policy once it runs, and stopping its bundle leaves
 * the personal policy in charge (starting it again brings it back), without a restart.
 */
class EnterpriseComponentTest extends SyncPolicyConformance {

    private final PolicyServices services = new PolicyServices(Set.of("member-device")).withMetadataSpace();

    @AfterEach
    void close() {
        services.close();
    }

    @Override
    protected SyncPolicy policy() throws Exception {
        return services.policy("enterprise");
    }

    @Override
    protected String memberDevice() {
        return "member-device";
    }

    @Override
    protected String stranger() {
        return "stranger-device";
    }

    @Test
    void itOutranksThePersonalPolicyAndStoppingItsBundleFallsBackToThePersonalOne() throws Exception {
        policy();
        assertEquals("enterprise", services.active(), "the engine's pick is the highest-ranked policy");
        Bundle enterprise = services.enterprise;
        assertEquals("io.rhizome.policy.enterprise", enterprise.getSymbolicName());
        enterprise.stop(Bundle.STOP_TRANSIENT);
        try {
            Await.until(PolicyServices.WAIT, "only the personal policy is left", () -> "personal".equals(services.active()));
            assertEquals(null, services.reference("enterprise"));
        } finally {
            enterprise.start(Bundle.START_TRANSIENT);
        }
        Await.until(PolicyServices.WAIT, "the enterprise policy is back", () -> "enterprise".equals(services.active()));
        assertTrue(policy().canSend(memberDevice(), namespace()).allowed());
    }
}
