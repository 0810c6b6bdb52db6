package io.rhizome.examples.notes.driver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Starts the test driver only when the framework property {@code notes.driver.port} is set (0: any
 * free port): a line protocol on 127.0.0.1 through which a test drives the application's widgets
 * (see {@link DriverSession}). The port it got is written to {@code <rhizome.home>/notes-driver.port}.
 * Without the property the bundle does nothing.
 */
public final class DriverActivator implements BundleActivator {
    private ServerSocket server;
    private Thread acceptor;

    @Override
    public void start(BundleContext context) throws IOException {
        String port = context.getProperty("notes.driver.port");
        String home = context.getProperty("rhizome.home");
        if (port == null || port.isBlank()) {
            return;
        }
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("notes.driver.port needs rhizome.home (where the port file is written)");
        }
        server = new ServerSocket(Integer.parseInt(port.strip()), 4, InetAddress.getLoopbackAddress());
        Widgets widgets = new Widgets(context);
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    new DriverSession(server.accept(), widgets).start();
                } catch (IOException e) {
                    return;   // closed by stop()
                }
            }
        }, "notes-driver");
        acceptor.setDaemon(true);
        acceptor.start();
        Path file = Path.of(home, "notes-driver.port");
        Path tmp = Path.of(home, "notes-driver.port.tmp");
        Files.writeString(tmp, Integer.toString(server.getLocalPort()));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void stop(BundleContext context) throws IOException {
        if (server != null) {
            server.close();
        }
    }
}
