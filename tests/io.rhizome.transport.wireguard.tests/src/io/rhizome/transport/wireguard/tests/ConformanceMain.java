package io.rhizome.transport.wireguard.tests;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs {@link WireGuardConformance} with the JUnit platform in a JVM inside a fresh network
 * namespace: sets up the {@link TunnelPair}, runs the suite, checks that its traffic went through
 * WireGuard, prints the summary and exits 0 only if every test passed.
 */
public final class ConformanceMain {

    private ConformanceMain() {
    }

    public static void main(String[] args) throws Exception {
        int status;
        try (TunnelPair pair = TunnelPair.create(args[0], args[1])) {
            WireGuardConformance.pair = pair;
            long before = pair.bytesThroughTunnel();
            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(WireGuardConformance.class)).build(), listener);
            TestExecutionSummary summary = listener.getSummary();
            PrintWriter out = new PrintWriter(System.out, true);
            summary.printTo(out);
            summary.printFailuresTo(out, 40);
            long through = pair.bytesThroughTunnel() - before;
            out.println("TUNNEL-BYTES " + through);
            boolean ok = summary.getTotalFailureCount() == 0 && summary.getTestsSucceededCount() > 0 && through > 1_000_000;
            out.println(ok ? "CONFORMANCE-OK " + summary.getTestsSucceededCount() : "CONFORMANCE-FAILED");
            status = ok ? 0 : 1;
        }
        System.exit(status);
    }
}
