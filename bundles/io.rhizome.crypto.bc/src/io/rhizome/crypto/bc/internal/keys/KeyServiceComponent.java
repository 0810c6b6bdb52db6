package io.rhizome.crypto.bc.internal.keys;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.RecoveryService;

/**
 * Registers {@link KeyService} and {@link RecoveryService} backed by {@link NodeKeys}. The key store
 * lives in {@code <home>/keys}, where home is the {@code home} setting, else the framework property
 * {@code rhizome.home}, else {@code ~/.rhizome}. A configuration change reopens the store.
 */
@Component(service = {KeyService.class, RecoveryService.class}, configurationPid = KeyServiceComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = KeyServiceComponent.Config.class)
public class KeyServiceComponent implements KeyService, RecoveryService {

    public static final String PID = "io.rhizome.crypto.keys";
    private static final Logger LOG = LoggerFactory.getLogger(KeyServiceComponent.class);

    @ObjectClassDefinition(name = "Rhizome device identity and key store")
    public @interface Config {
        @AttributeDefinition(description = "Node home folder; empty means the framework property rhizome.home, else ~/.rhizome.")
        String home() default "";

        @AttributeDefinition(description = "Name of the environment variable holding the key-store passphrase. "
                + "When it is unset or empty, the store is protected by a generated 0600 key file instead.")
        String passphrase_env() default "RHIZOME_KEYSTORE_PASSPHRASE";

        @AttributeDefinition(description = "Key-store passphrase given directly (private property, not published). "
                + "ConfigAdmin persists it in plaintext: prefer passphrase.env outside tests.")
        String _passphrase() default "";

        @AttributeDefinition(description = "Argon2id memory in KiB for a new passphrase-protected store (RFC 9106: 65536).")
        int argon2_memoryKiB() default 65536;

        @AttributeDefinition(description = "Argon2id passes for a new passphrase-protected store.")
        int argon2_iterations() default 3;

        @AttributeDefinition(description = "Argon2id lanes for a new passphrase-protected store.")
        int argon2_parallelism() default 4;
    }

    private NodeKeys keys;

    @Activate
    void activate(BundleContext context, Config config) throws CryptoException {
        Path home = home(config.home(), context.getProperty("rhizome.home"));
        char[] passphrase = passphrase(config);
        Argon2Params params;
        try {
            params = new Argon2Params(config.argon2_memoryKiB(), config.argon2_iterations(), config.argon2_parallelism());
        } catch (IllegalArgumentException e) {
            throw new CryptoException("configuration " + PID + ": " + e.getMessage());
        }
        try {
            keys = NodeKeys.openOrCreate(home, passphrase, params, new SecureRandom());
        } catch (CryptoException e) {
            LOG.error("key service not started, home {}: {}", home, e.getMessage());
            throw e;
        } finally {
            if (passphrase != null) {
                java.util.Arrays.fill(passphrase, '\0');
            }
        }
        LOG.info("device {} (fingerprint {}), mesh key epoch {}, key store in {}", keys.deviceId(), keys.fingerprint(),
                keys.currentMeshKey().epoch(), home.resolve("keys"));
    }

    static Path home(String configured, String frameworkProperty) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        if (frameworkProperty != null && !frameworkProperty.isBlank()) {
            return Path.of(frameworkProperty);
        }
        return Path.of(System.getProperty("user.home"), ".rhizome");
    }

    private static char[] passphrase(Config config) {
        if (!config._passphrase().isEmpty()) {
            return config._passphrase().toCharArray();
        }
        String env = config.passphrase_env().isBlank() ? null : System.getenv(config.passphrase_env());
        return env == null || env.isEmpty() ? null : env.toCharArray();
    }

    @Override
    public String deviceId() {
        return keys.deviceId();
    }

    @Override
    public byte[] identityPublicKey() {
        return keys.identityPublicKey();
    }

    @Override
    public String fingerprint() {
        return keys.fingerprint();
    }

    @Override
    public byte[] signWithIdentity(byte[] message) {
        return keys.signWithIdentity(message);
    }

    @Override
    public MeshKey currentMeshKey() {
        return keys.currentMeshKey();
    }

    @Override
    public Optional<MeshKey> meshKey(long epoch) {
        return keys.meshKey(epoch);
    }

    @Override
    public List<Long> epochs() {
        return keys.epochs();
    }

    @Override
    public MeshKey rotateMeshKey() throws CryptoException {
        MeshKey k = keys.rotateMeshKey();
        LOG.info("device {}: mesh key rotated to epoch {}", keys.deviceId(), k.epoch());
        return k;
    }

    @Override
    public void installMeshKey(MeshKey key) throws CryptoException {
        keys.installMeshKey(key);
    }

    @Override
    public byte[] secret(String name, java.util.function.Supplier<byte[]> initial) throws CryptoException {
        return keys.secret(name, initial);
    }

    @Override
    public void joinMesh(List<MeshKey> meshKeys) throws CryptoException {
        keys.joinMesh(meshKeys);
        LOG.info("device {}: joined a mesh, current epoch {}", keys.deviceId(), keys.currentMeshKey().epoch());
    }

    @Override
    public List<String> mnemonic() {
        return keys.mnemonic();
    }

    @Override
    public void verify(List<String> words) throws CryptoException {
        keys.verify(words);
    }

    @Override
    public void adoptMnemonic(List<String> words) throws CryptoException {
        keys.adoptMnemonic(words);
        LOG.info("device {}: recovery phrase replaced by the one of a restored backup", keys.deviceId());
    }

    @Override
    public byte[] recoveryKey() throws CryptoException {
        return keys.recoveryKey();
    }

    @Override
    public byte[] deriveRecoveryKey(List<String> words) throws CryptoException {
        return keys.deriveRecoveryKey(words);
    }
}
