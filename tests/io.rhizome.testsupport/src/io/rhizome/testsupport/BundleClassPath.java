package io.rhizome.testsupport;

import java.io.File;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/**
 * A class path for a child JVM that a test starts outside the OSGi framework (in a network
 * namespace, say): the test bundle's own classes first, then the files of the bundles it names,
 * found from their install locations in the test runtime (a jar, or a project folder's
 * {@code target/classes}).
 */
public final class BundleClassPath {

    private BundleClassPath() {
    }

    /**
     * @param testClass a class of the test bundle (its bundle comes first)
     * @param bundles   symbolic names; one ending in {@code .} matches every bundle starting with it
     * @throws AssertionError naming the bundles the test runtime does not have
     */
    public static String of(Class<?> testClass, List<String> bundles) throws IOException {
        Bundle self = FrameworkUtil.getBundle(testClass);
        BundleContext ctx = self.getBundleContext();
        Set<String> entries = new LinkedHashSet<>();
        entries.add(file(ctx, self));
        Set<String> missing = new LinkedHashSet<>(bundles);
        for (Bundle b : ctx.getBundles()) {
            String name = b.getSymbolicName();
            for (String wanted : bundles) {
                if (name != null && (wanted.endsWith(".") ? name.startsWith(wanted) : name.equals(wanted))) {
                    entries.add(file(ctx, b));
                    missing.remove(wanted);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("bundles not installed in the test runtime: " + missing);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The file or folder a bundle was installed from (a relative location against Equinox's areas). */
    static String file(BundleContext ctx, Bundle b) throws IOException {
        String loc = b.getLocation();
        int i = loc.indexOf("file:");
        if (i < 0) {
            throw new IOException("bundle " + b.getSymbolicName() + " is not installed from a file: " + loc);
        }
        File f = new File(loc.substring(i + "file:".length()));
        if (!f.isAbsolute()) {
            for (String area : List.of("osgi.install.area", "osgi.configuration.area", "osgi.syspath", "user.dir")) {
                String base = ctx.getProperty(area);
                if (base != null) {
                    File candidate = new File(new File(base.startsWith("file:") ? base.substring(5) : base), f.getPath());
                    if (candidate.exists()) {
                        f = candidate;
                        break;
                    }
                }
            }
        }
        File classes = new File(f, "target/classes");
        File result = f.isDirectory() && classes.isDirectory() ? classes : f;
        if (!result.exists()) {
            throw new IOException("the files of bundle " + b.getSymbolicName() + " cannot be found from its location " + loc);
        }
        return result.getAbsolutePath();
    }
}
