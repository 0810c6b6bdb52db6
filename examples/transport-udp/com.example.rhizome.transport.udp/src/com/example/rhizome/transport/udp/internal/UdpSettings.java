package com.example.rhizome.transport.udp.internal;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where the transport listens: {@code udp.listen} in the node's {@code rhizome.properties} (the
 * home folder is the framework property {@code rhizome.home}), else {@value #DEFAULT}. A plugin
 * installed into a running node has no launcher option of its own, so it reads its key from the
 * file the node's user edits anyway; the node ignores keys it does not know.
 */
public final class UdpSettings {

    public static final String KEY = "udp.listen";
    public static final String DEFAULT = "127.0.0.1:7410";

    private UdpSettings() {
    }

    /**
     * @param home the node home, or null outside a node
     * @throws IllegalArgumentException naming the file, the key and what is wrong
     */
    public static InetSocketAddress listen(String home) {
        String value = DEFAULT;
        Path file = null;
        if (home != null && !home.isBlank()) {
            file = Path.of(home, "rhizome.properties");
            if (Files.isRegularFile(file)) {
                Properties p = new Properties();
                try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(r);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
                }
                value = p.getProperty(KEY, DEFAULT).strip();
            }
        }
        try {
            InetSocketAddress a = UdpAddress.parse(value);
            if (a.getAddress().isAnyLocalAddress()) {
                throw new IllegalArgumentException("'" + value + "' is a wildcard; name the one IP address peers dial (127.0.0.1:7410, 192.168.1.20:7410)");
            }
            return a;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((file == null ? "" : file + ": ") + KEY + ": " + e.getMessage(), e);
        }
    }
}
