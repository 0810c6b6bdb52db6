package io.rhizome.core.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

/**
 * Every public interface of the API bundle says who implements it: {@code @ConsumerType} (plugins
 * implement it) or {@code @ProviderType} (the engine does), never both, never neither. The
 * annotations are kept in the class files only (class retention), so this reads each class file's
 * {@code RuntimeInvisibleAnnotations} instead of asking reflection.
 */
class ApiVersioningTest {

    private static final String CONSUMER = "Lorg/osgi/annotation/versioning/ConsumerType;";
    private static final String PROVIDER = "Lorg/osgi/annotation/versioning/ProviderType;";

    @Test
    void everyPublicInterfaceOfTheApiBundleIsAConsumerOrAProviderType() throws Exception {
        Bundle api = Arrays.stream(FrameworkUtil.getBundle(ApiVersioningTest.class).getBundleContext().getBundles())
                .filter(b -> "io.rhizome.api".equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("the io.rhizome.api bundle is installed"));
        List<URL> classFiles = Collections.list(api.findEntries("io/rhizome", "*.class", true));
        List<String> neither = new ArrayList<>();
        List<String> both = new ArrayList<>();
        int interfaces = 0;
        for (URL url : classFiles) {
            String path = url.getPath();
            String name = path.substring(path.indexOf("io/rhizome/"), path.length() - ".class".length()).replace('/', '.');
            Class<?> type = api.loadClass(name);
            if (!type.isInterface() || type.isAnnotation() || !publiclyVisible(type)) {
                continue;
            }
            interfaces++;
            Set<String> annotations;
            try (InputStream in = url.openStream()) {
                annotations = classAnnotations(in.readAllBytes());
            }
            boolean consumer = annotations.contains(CONSUMER);
            boolean provider = annotations.contains(PROVIDER);
            if (consumer && provider) {
                both.add(name);
            } else if (!consumer && !provider) {
                neither.add(name);
            }
        }
        assertTrue(interfaces >= 20, "the scan found the API's interfaces (" + interfaces + " in " + classFiles.size() + " class files)");
        assertEquals(List.of(), neither, "public interfaces without @ConsumerType or @ProviderType");
        assertEquals(List.of(), both, "public interfaces with both @ConsumerType and @ProviderType");
    }

    /**
     * Package versions have one source: {@code Export-Package} in the API bundle's manifest, which
     * the baseline check (bundles/io.rhizome.api/pom.xml) holds against the first release. So every
     * exported package has a version there, every package with public types is exported, and no
     * {@code package-info} carries an OSGi {@code @Version} that could disagree with it.
     */
    @Test
    void everyApiPackageIsExportedWithAVersionFromTheManifestOnly() throws Exception {
        Bundle api = apiBundle();
        java.util.Map<String, String> exported = new java.util.TreeMap<>();
        for (org.osgi.framework.wiring.BundleCapability c : api.adapt(org.osgi.framework.wiring.BundleRevision.class)
                .getDeclaredCapabilities(org.osgi.framework.wiring.BundleRevision.PACKAGE_NAMESPACE)) {
            exported.put((String) c.getAttributes().get(org.osgi.framework.wiring.BundleRevision.PACKAGE_NAMESPACE),
                    String.valueOf(c.getAttributes().get("version")));
        }
        assertTrue(api.getHeaders().get("Export-Package").contains("version="), "Export-Package states versions");
        Set<String> packages = new java.util.TreeSet<>();
        List<String> versionAnnotations = new ArrayList<>();
        for (URL url : Collections.list(api.findEntries("io/rhizome", "*.class", true))) {
            String path = url.getPath();
            String pkg = path.substring(path.indexOf("io/rhizome/"), path.lastIndexOf('/')).replace('/', '.');
            packages.add(pkg);
            if (path.endsWith("/package-info.class")) {
                try (InputStream in = url.openStream()) {
                    if (classAnnotations(in.readAllBytes()).contains("Lorg/osgi/annotation/versioning/Version;")) {
                        versionAnnotations.add(pkg);
                    }
                }
            }
        }
        assertEquals(packages, exported.keySet(), "every package of the API bundle is exported, and only those");
        exported.forEach((pkg, version) -> assertTrue(!version.equals("0.0.0") && !version.equals("null"),
                pkg + " is exported with a version of its own, not " + version));
        assertEquals(List.of(), versionAnnotations, "package-info with @Version: the manifest is the only source of package versions");
    }

    private static Bundle apiBundle() {
        return Arrays.stream(FrameworkUtil.getBundle(ApiVersioningTest.class).getBundleContext().getBundles())
                .filter(b -> "io.rhizome.api".equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError("the io.rhizome.api bundle is installed"));
    }

    @Test
    void theScanSeesTheAnnotationsOfKnownTypes() throws Exception {
        assertTrue(annotationsOf(io.rhizome.spi.transport.Transport.class).contains(CONSUMER), "a transport is implemented by plugins");
        assertTrue(annotationsOf(io.rhizome.api.SyncService.class).contains(PROVIDER), "SyncService is implemented by the engine");
        assertTrue(annotationsOf(io.rhizome.api.SyncService.Transaction.class).contains(PROVIDER), "nested interfaces count too");
        assertEquals(Set.of(), annotationsOf(io.rhizome.api.PluginInfo.class), "a record carries neither");
    }

    private static Set<String> annotationsOf(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream("/" + type.getName().replace('.', '/') + ".class")) {
            return classAnnotations(in.readAllBytes());
        }
    }

    private static boolean publiclyVisible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
            if (!Modifier.isPublic(c.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    /** The descriptors of the annotations on the class itself (not its members), from a class file. */
    static Set<String> classAnnotations(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++;
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        in.skipNBytes(6); // access flags, this class, super class
        in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
        for (int members = 0; members < 2; members++) { // fields, then methods
            int n = in.readUnsignedShort();
            for (int i = 0; i < n; i++) {
                in.skipNBytes(6);
                skipAttributes(in);
            }
        }
        Set<String> found = new HashSet<>();
        int attributes = in.readUnsignedShort();
        for (int i = 0; i < attributes; i++) {
            String attribute = utf8[in.readUnsignedShort()];
            int length = in.readInt();
            if ("RuntimeInvisibleAnnotations".equals(attribute) || "RuntimeVisibleAnnotations".equals(attribute)) {
                int n = in.readUnsignedShort();
                for (int a = 0; a < n; a++) {
                    found.add(annotation(in, utf8));
                }
            } else {
                in.skipNBytes(length);
            }
        }
        return found;
    }

    private static void skipAttributes(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        for (int i = 0; i < n; i++) {
            in.skipNBytes(2);
            in.skipNBytes(Integer.toUnsignedLong(in.readInt()));
        }
    }

    /** Reads one annotation and returns its type descriptor. */
    private static String annotation(DataInputStream in, String[] utf8) throws IOException {
        String type = utf8[in.readUnsignedShort()];
        int pairs = in.readUnsignedShort();
        for (int p = 0; p < pairs; p++) {
            in.skipNBytes(2);
            skipElementValue(in, utf8);
        }
        return type;
    }

    private static void skipElementValue(DataInputStream in, String[] utf8) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 'B', 'C', 'D', 'F', 'I', 'J', 'S', 'Z', 's', 'c' -> in.skipNBytes(2);
            case 'e' -> in.skipNBytes(4);
            case '@' -> annotation(in, utf8);
            case '[' -> {
                int n = in.readUnsignedShort();
                for (int i = 0; i < n; i++) {
                    skipElementValue(in, utf8);
                }
            }
            default -> throw new IOException("unknown element value tag " + (char) tag);
        }
    }
}
