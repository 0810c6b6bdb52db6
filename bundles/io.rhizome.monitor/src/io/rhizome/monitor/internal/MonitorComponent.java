package io.rhizome.monitor.internal;

import java.nio.file.Path;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;

/**
 * The sync monitor's lifecycle shell: registers the page's servlet ({@code /monitor/*}) and the
 * session filter in front of the REST API ({@code /api/*}) on the HTTP whiteboard, in the default
 * context the REST servlet uses, so both answer on the REST port.
 */
@Component(immediate = true)
public class MonitorComponent {

    /** Framework or system property: how long a login link works, in milliseconds (the tests shorten it). */
    static final String TOKEN_TTL_PROPERTY = "rhizome.monitor.loginTokenMillis";

    private ServiceRegistration<Servlet> servlet;
    private ServiceRegistration<Filter> filter;

    @Activate
    void activate(BundleContext context) {
        ObjectMapper json = new ObjectMapper();
        NodeApiKey key = new NodeApiKey(home(context), ProcessHandle.current().pid(), json);
        Sessions sessions = new Sessions(System::currentTimeMillis);
        LoginTokens tokens = new LoginTokens(ttl(context.getProperty(TOKEN_TTL_PROPERTY)), System::currentTimeMillis);

        Hashtable<String, Object> sp = new Hashtable<>();
        sp.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/monitor/*");
        sp.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "rhizome-monitor");
        servlet = context.registerService(Servlet.class, new MonitorServlet(tokens, sessions, key, json, context.getBundle()::getEntry), sp);

        Hashtable<String, Object> fp = new Hashtable<>();
        fp.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_PATTERN, "/api/*");
        fp.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_FILTER_NAME, "rhizome-monitor-session");
        filter = context.registerService(Filter.class, new ApiSessionFilter(new BrowserGate(sessions), key, json), fp);
    }

    static long ttl(String property) {
        try {
            long v = property == null ? LoginTokens.DEFAULT_TTL_MILLIS : Long.parseLong(property.trim());
            return v > 0 ? v : LoginTokens.DEFAULT_TTL_MILLIS;
        } catch (NumberFormatException e) {
            return LoginTokens.DEFAULT_TTL_MILLIS;
        }
    }

    /** The node's home, as the REST API resolves it: framework property {@code rhizome.home}, default {@code ~/.rhizome}. */
    private static Path home(BundleContext context) {
        String configured = context.getProperty("rhizome.home");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".rhizome");
    }

    @Deactivate
    void deactivate() {
        if (filter != null) {
            filter.unregister();
        }
        if (servlet != null) {
            servlet.unregister();
        }
    }
}
