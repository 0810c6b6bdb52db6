package io.rhizome.backup.internal;

import java.util.List;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.rhizome.api.BackupException;
import io.rhizome.api.BackupService;
import io.rhizome.api.ReplicaArchive;
import io.rhizome.api.SyncService;
import io.rhizome.spi.backup.BackupTarget;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.crypto.RecoveryService;

/**
 * Registers {@link BackupService} once the engine's archive, the sync service and the recovery
 * service are there; static references, so a new engine (another store) gives a new service object.
 */
@Component(service = BackupService.class, configurationPid = "io.rhizome.backup")
@Designate(ocd = BackupComponent.Config.class)
public class BackupComponent implements BackupService {

    @ObjectClassDefinition(name = "Rhizome backup", description = "End-to-end-encrypted snapshots of the replica.")
    public @interface Config {
        @AttributeDefinition(name = "Chunk size", description = "Bytes per chunk file of a snapshot (at least 1024).")
        int chunkBytes() default SnapshotWriter.DEFAULT_CHUNK_SIZE;
    }

    private final BackupServiceImpl impl;

    @Activate
    public BackupComponent(Config config, @Reference ReplicaArchive archive, @Reference SyncService sync,
            @Reference RecoveryService recovery,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY) KeyService keys) {
        this.impl = new BackupServiceImpl(archive, sync, Optional.ofNullable(keys), recovery, config.chunkBytes());
    }

    @Override
    public BackupTarget folder(java.nio.file.Path dir) {
        return new FolderTarget(dir);
    }

    @Override
    public Snapshot backup(BackupTarget target, Progress progress) throws BackupException {
        return impl.backup(target, progress);
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
}
