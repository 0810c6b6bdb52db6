package io.rhizome.bench.engine;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

import io.rhizome.spi.store.ReplicaStore;

/**
 * A store of {@code --store class:FQCN} in its own folder: the class is opened with, in this order,
 * a public static {@code open(Path)}, a public static {@code open(SETTINGS, byte[] key)} whose SETTINGS
 * type has a static {@code defaults(Path)} (a store sealed at rest such as the MapDB store; a random
 * 32-byte key each), a public constructor {@code (Path)}, or a public no-argument constructor.
 */
final class BenchStores {

    private BenchStores() {
    }

    static ReplicaStore open(String spec, Path dir) throws Exception {
        if (!spec.startsWith("class:")) {
            throw new IllegalArgumentException("--store must be 'memory', 'mapdb' or 'class:<FQCN>', not '" + spec + "'");
        }
        Class<?> c = Class.forName(spec.substring("class:".length()));
        Files.createDirectories(dir);
        for (Method m : c.getMethods()) {
            if (opens(m, 1) && m.getParameterTypes()[0] == Path.class) {
                return (ReplicaStore) m.invoke(null, dir);
            }
        }
        for (Method m : c.getMethods()) {
            if (opens(m, 2) && m.getParameterTypes()[1] == byte[].class) {
                Method defaults;
                try {
                    defaults = m.getParameterTypes()[0].getMethod("defaults", Path.class);
                } catch (NoSuchMethodException e) {
                    continue;
                }
                byte[] key = new byte[32];
                new SecureRandom().nextBytes(key);
                return (ReplicaStore) m.invoke(null, defaults.invoke(null, dir), key);
            }
        }
        try {
            Constructor<?> k = c.getConstructor(Path.class);
            return (ReplicaStore) k.newInstance(dir);
        } catch (NoSuchMethodException e) {
            return (ReplicaStore) c.getConstructor().newInstance();
        }
    }

    private static boolean opens(Method m, int parameters) {
        return Modifier.isStatic(m.getModifiers()) && m.getName().equals("open") && m.getParameterCount() == parameters
                && ReplicaStore.class.isAssignableFrom(m.getReturnType());
    }
}
