package io.rhizome.backup.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.api.BackupException;
import io.rhizome.api.BackupService;
import io.rhizome.api.ReplicaArchive;
import io.rhizome.api.SyncService;
import io.rhizome.spi.backup.BackupTarget;
import io.rhizome.spi.backup.BackupTargetFactory;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.RecoveryService;

/**
 * Registers {@link BackupService} once the engine's archive, the sync service and the recovery
 * service are there; static references, so a new engine (another store) gives a new service object.
 * The node's backup settings ({@link BackupSettings}: framework properties {@code rhizome.backup.*})
 * add a configured target with its retention, interval backups ({@link BackupSchedule}) and a backup
 * when the component stops, which in the node is a clean shutdown: the engine's services are still
 * there while this component is deactivated, because it depends on them.
 */
@Component(service = BackupService.class, configurationPid = "io.rhizome.backup")
@Designate(ocd = BackupComponent.Config.class)
public class BackupComponent implements BackupService {

    private static final Logger LOG = LoggerFactory.getLogger(BackupComponent.class);

    @ObjectClassDefinition(name = "Rhizome backup", description = "End-to-end-encrypted snapshots of the replica.")
    public @interface Config {
        @AttributeDefinition(name = "Chunk size", description = "Bytes per chunk file of a snapshot (at least 1024).")
        int chunkBytes() default SnapshotWriter.DEFAULT_CHUNK_SIZE;
    }

    private final BackupServiceImpl impl;
    private final BackupSettings settings;
    private final Optional<BackupSchedule> schedule;
    private final TargetSpecs targets = new TargetSpecs();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addTargetFactory(BackupTargetFactory f, Map<String, Object> props) {
        targets.add(f, props);
    }

    void removeTargetFactory(BackupTargetFactory f, Map<String, Object> props) {
        targets.remove(f, props);
    }

    @Activate
    public BackupComponent(BundleContext context, Config config, @Reference ReplicaArchive archive, @Reference SyncService sync,
            @Reference RecoveryService recovery,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY) KeyService keys) {
        this.settings = BackupSettings.parse(context::getProperty);
        String home = context.getProperty("rhizome.home");
        Optional<Path> homeDir = home == null || home.isBlank() ? Optional.empty() : Optional.of(Path.of(home));
        this.impl = new BackupServiceImpl(archive, sync, Optional.ofNullable(keys), recovery, config.chunkBytes(),
                settings.fullEvery(), new StatusFile(homeDir), TestPause.fromSystemProperty());
        this.schedule = settings.interval().map(every -> new BackupSchedule(every, () -> triggered("interval")));
        schedule.ifPresent(BackupSchedule::start);
        settings.to().ifPresent(t -> LOG.info("backups to {}: every {}, on shutdown {}, retention {}", t,
                settings.interval().map(Object::toString).orElse("(on demand only)"), settings.onShutdown(),
                settings.retention().map(Object::toString).orElse("keep all")));
    }

    @Deactivate
    void deactivate() {
        schedule.ifPresent(BackupSchedule::stop);
        if (settings.onShutdown()) {
            triggered("shutdown");
        }
    }

    private void triggered(String trigger) {
        try {
            backup(configuredTarget().orElseThrow(), trigger, Progress.NONE);
        } catch (BackupException | IllegalArgumentException e) {
            // IllegalArgumentException: the target cannot be opened now (its bundle not running, a
            // Drive folder not signed in); the next trigger tries again
            LOG.error("{} backup to {} failed: {}", trigger, settings.to().orElse("?"), e.getMessage());
        }
    }

    private Snapshot backup(BackupTarget target, String trigger, Progress progress) throws BackupException {
        return impl.backup(target, trigger, progress, isConfigured(target) ? settings.retention() : Optional.empty());
    }

    /** Whether {@code target} is the configured one (whose retention applies after each backup). */
    private boolean isConfigured(BackupTarget target) {
        try {
            return configuredTarget().map(t -> t.describe().equals(target.describe())).orElse(false);
        } catch (IllegalArgumentException e) {
            return false; // the configured target cannot be opened now: this one is another
        }
    }

    @Override
    public BackupTarget folder(Path dir) {
        return new FolderTarget(dir);
    }

    @Override
    public BackupTarget target(String spec) {
        return targets.open(spec);
    }

    @Override
    public Snapshot backup(BackupTarget target, Progress progress) throws BackupException {
        return backup(target, "on demand", progress);
    }

    @Override
    public List<Snapshot> list(BackupTarget target) throws BackupException {
        return impl.list(target);
    }

    @Override
    public List<Snapshot> verify(BackupTarget target, Progress progress) throws BackupException {
        return impl.verify(target, progress);
    }

    @Override
    public Restored restore(BackupTarget target, List<String> words, Progress progress) throws BackupException {
        return impl.restore(target, words, progress);
    }

    @Override
    public BackupStatus status() {
        return impl.status();
    }

    @Override
    public Pruned prune(BackupTarget target, Retention retention) throws BackupException {
        return impl.prune(target, retention);
    }

    @Override
    public Optional<BackupTarget> configuredTarget() {
        return settings.to().map(targets::open);
    }

    @Override
    public Optional<Retention> configuredRetention() {
        return settings.retention();
    }
}
