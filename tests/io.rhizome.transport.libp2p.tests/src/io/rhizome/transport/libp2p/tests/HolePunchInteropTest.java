package io.rhizome.transport.libp2p.tests;

import io.rhizome.testsupport.BundleClassPath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DCUtR ({@code /libp2p/dcutr}) and AutoNAT v1 ({@code /libp2p/autonat/1.0.0}) against js-libp2p's
 * {@code @libp2p/dcutr} and {@code @libp2p/autonat}: DCUtR in both roles, AutoNAT with Rhizome as
 * the server (js verifies its address through it; an address of another IP is refused) and as the
 * client (js-libp2p's server closes the connection instead of answering; see {@link NatInteropMain}). js-libp2p hole
 * punches and verifies only addresses it takes for public ones, so the hosts live in network
 * namespaces with such addresses ({@link NatNet}); each scenario runs in a JVM in the Rhizome
 * namespace ({@link NatInteropMain}), which starts the js peers in theirs. The Rhizome host sits
 * behind a stateful firewall (refusing new inbound connections) where the scenario says so.
 */
class HolePunchInteropTest {

    /** Bundles whose code the scenario JVM needs, by symbolic name (a trailing '.' matches a prefix). */
    private static final List<String> CLASSPATH_BUNDLES = List.of("io.rhizome.transport.libp2p", "io.rhizome.api",
            "io.rhizome.testsupport", "io.rhizome.conformance", "io.netty.", "bcprov", "slf4j.api", "ch.qos.logback.classic", "ch.qos.logback.core");
    private static final long SCENARIO_SECONDS = 150;
    private static NatNet net;

    @BeforeAll
    static void network() throws Exception {
        JsPeer.jsDir(); // installs the npm packages here, not in each scenario
        net = NatNet.create();
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void autonatServerRhizomeDialsAJsClientBackAndJsVerifiesItsAddress() throws Exception {
        assertScenario("autonat-server", false, "through the Rhizome AutoNAT server");
    }

    @Test
    void autonatServerRefusesAJsClientsAddressOfAnotherIpAndNeverDialsIt() throws Exception {
        assertScenario("autonat-server-other-ip", false, "the other host got no connection");
    }

    /** js-libp2p's AutoNAT v1 server never answers (see NatInteropMain): no verdict, and it is asked once. */
    @Test
    void autonatClientAJsServerClosesTheConnectionInsteadOfAnsweringAndIsNotAskedAgain() throws Exception {
        assertScenario("autonat-dropped", true, "asked once, reachability unknown");
    }

    @Test
    void dcutrRhizomeReceivedTheRelayedConnectionStartsAndDialsTheJsPeerNormally() throws Exception {
        assertScenario("dcutr-rhizome-starts", true, "route hole-punched, hole punches {");
    }

    @Test
    void dcutrJsReceivedTheRelayedConnectionStartsAndRhizomeAnswersAndDials() throws Exception {
        assertScenario("dcutr-js-starts", true, "route hole-punched over /ip6/" + NatNet.JS);
    }

    private static void assertScenario(String scenario, boolean firewall, String expected) throws Exception {
        net.firewall(firewall);
        Path out = Files.createTempFile("nat-interop-" + scenario, ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", net.ns("rz"), java,
                "-Drhizome.libp2p.js=" + JsPeer.jsDir().getAbsolutePath(), "-cp", BundleClassPath.of(HolePunchInteropTest.class, CLASSPATH_BUNDLES), NatInteropMain.class.getName(),
                scenario, net.ns("")));
        long started = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean done = p.waitFor(SCENARIO_SECONDS, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String log = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        if (!done) {
            fail(scenario + " did not finish within " + SCENARIO_SECONDS + " s:\n" + log);
        }
        assertEquals(0, p.exitValue(), scenario + ":\n" + log);
        assertTrue(log.lines().anyMatch("OK"::equals) && log.contains(expected), scenario + ":\n" + log);
        System.out.println(scenario + " (" + (System.nanoTime() - started) / 1_000_000 + " ms): "
                + log.lines().filter(l -> l.contains(expected)).findFirst().orElse(""));
    }

}
