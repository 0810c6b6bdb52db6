package io.rhizome.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Builds a real plugin bundle jar at test time: a manifest, compiled classes copied from the test
 * bundle, and resources such as a DS component description. Installing the jar into the running
 * framework is exactly what a third party's bundle goes through.
 */
public class PluginBundleBuilder {

    private final String symbolicName;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    public PluginBundleBuilder(String symbolicName) {
        this.symbolicName = symbolicName;
        headers.put("Bundle-ManifestVersion", "2");
        headers.put("Bundle-SymbolicName", symbolicName);
        headers.put("Bundle-Version", "1.0.0");
    }

    public PluginBundleBuilder header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** Copies a class compiled into the calling test bundle into the new bundle. */
    public PluginBundleBuilder addClass(Class<?> type) throws IOException {
        String path = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("class file not found: " + path);
            }
            entries.put(path, in.readAllBytes());
        }
        return this;
    }

    public PluginBundleBuilder addResource(String path, String text) {
        entries.put(path, text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A DS 1.5 component that provides {@code service} implemented by {@code impl}, with properties. */
    public PluginBundleBuilder addComponent(Class<?> impl, Class<?> service, Map<String, String> properties) throws IOException {
        StringBuilder xml = new StringBuilder();
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.5.0\" name=\"")
                .append(impl.getName()).append("\" immediate=\"true\">\n")
                .append("  <implementation class=\"").append(impl.getName()).append("\"/>\n")
                .append("  <service><provide interface=\"").append(service.getName()).append("\"/></service>\n");
        properties.forEach((k, v) -> xml.append("  <property name=\"").append(k).append("\" value=\"").append(v).append("\"/>\n"));
        xml.append("</scr:component>\n");
        String path = "OSGI-INF/" + impl.getSimpleName() + ".xml";
        addResource(path, xml.toString());
        String existing = headers.get("Service-Component");
        headers.put("Service-Component", existing == null ? path : existing + "," + path);
        return addClass(impl);
    }

    public byte[] build() throws IOException {
        Manifest mf = new Manifest();
        Attributes main = mf.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach((k, v) -> main.put(new Attributes.Name(k), v));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, mf)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                jar.putNextEntry(new JarEntry(e.getKey()));
                jar.write(e.getValue());
                jar.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    public Path writeTo(Path dir) throws IOException {
        Path file = dir.resolve(symbolicName + ".jar");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(build());
        }
        return file;
    }
}
