package io.rhizome.rest.internal;

import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In the standalone node (framework property {@code rhizome.node=true}) turns SIGTERM / Ctrl-C into
 * a clean framework stop, so components deactivate, stores close and api.json is removed. Inside a
 * host application this does nothing: the host owns the framework's lifecycle.
 */
@Component(immediate = true)
public class NodeShutdownComponent {

    private static final Logger LOG = LoggerFactory.getLogger(NodeShutdownComponent.class);
    private static final long STOP_TIMEOUT_SECONDS = 20;

    private Thread hook;

    @Activate
    void activate(BundleContext context) {
        if (!Boolean.parseBoolean(context.getProperty("rhizome.node"))) {
            return;
        }
        Framework framework = (Framework) context.getBundle(0);
        hook = new Thread(() -> {
            LOG.info("stopping the Rhizome node");
            try {
                framework.stop();
                framework.waitForStop(TimeUnit.SECONDS.toMillis(STOP_TIMEOUT_SECONDS));
            } catch (BundleException | InterruptedException e) {
                LOG.warn("the framework did not stop cleanly", e);
            }
        }, "rhizome-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Deactivate
    void deactivate() {
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook is what stopped us
            }
        }
    }
}
