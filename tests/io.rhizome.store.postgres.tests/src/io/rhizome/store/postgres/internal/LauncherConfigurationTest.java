package io.rhizome.store.postgres.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

/**
 * What the launcher's framework properties ({@code rhizome.store.postgres.*}) turn into
 * ({@link LauncherConfiguration#wanted}), and where the password comes from ({@link PasswordSource}).
 * The whole path, from {@code rhizome.properties} to a running hub: {@code NodeHubPostgresTest}.
 */
class LauncherConfigurationTest {

    @TempDir
    Path tmp;

    /** A bundle context that answers only {@code getProperty}, from {@code properties}. */
    private static BundleContext framework(Map<String, String> properties) {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getProperty")) {
                        return properties.get((String) args[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theLauncherSettingsBecomeTheStoreConfigurationWithoutAPassword() {
        Map<String, Object> wanted = LauncherConfiguration.wanted(framework(Map.of("rhizome.store", "postgres",
                "rhizome.store.postgres.url", " jdbc:postgresql://127.0.0.1:5432/hub ", "rhizome.store.postgres.user", "hubrole",
                "rhizome.store.postgres.passwordFile", "/run/secrets/pg", "rhizome.store.postgres.connections", "8")));
        assertEquals(Map.of("url", "jdbc:postgresql://127.0.0.1:5432/hub", "user", "hubrole", "passwordFile", "/run/secrets/pg",
                "connections", 8, LauncherConfiguration.SOURCE, "launcher"), wanted);
        assertFalse(wanted.containsKey("password"));
    }

    @Test
    void noConfigurationWithoutAUrlOrWhenTheNodeChoseMapDb() {
        assertNull(LauncherConfiguration.wanted(framework(Map.of("rhizome.store", "postgres"))));
        assertNull(LauncherConfiguration.wanted(framework(Map.of("rhizome.store", "mapdb",
                "rhizome.store.postgres.url", "jdbc:postgresql://127.0.0.1:5432/hub"))));
        assertNull(LauncherConfiguration.wanted(framework(Map.of("rhizome.store.postgres.url", "jdbc:postgresql://127.0.0.1:5432/hub"))));
    }

    @Test
    void thePasswordIsTheFilesFirstLineElseTheNamedVariableElseNone() throws Exception {
        Path file = tmp.resolve("pw");
        Files.writeString(file, "s3cret\r\nignored\n");
        assertEquals("s3cret", PasswordSource.read(file.toString(), "PATH"), "the file wins over the variable");
        assertEquals(System.getenv("PATH"), PasswordSource.read("", "PATH"));
        assertEquals("", PasswordSource.read("", ""));
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> PasswordSource.read(null, "RHIZOME_TEST_SURELY_UNSET_7F3A"));
        assertTrue(unset.getMessage().contains("RHIZOME_TEST_SURELY_UNSET_7F3A"), unset.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> PasswordSource.read(tmp.resolve("absent").toString(), ""));
        assertTrue(missing.getMessage().contains("cannot read the password file"), missing.getMessage());
    }
}
