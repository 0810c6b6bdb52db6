package io.rhizome.transport.cloud.internal;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.rhizome.spi.backup.BackupTargetFactory;
import io.rhizome.transport.cloud.CloudStoreFactory;

/**
 * {@code synced:/absolute/folder}: backups in a folder a sync client mirrors (Dropbox, iCloud Drive,
 * Syncthing), through the folder backend's atomic writes and its view of placeholders and conflict copies.
 */
@Component(service = BackupTargetFactory.class, property = BackupTargetFactory.SCHEME + "=synced")
public final class SyncedFolderBackupTargets extends CloudBackupTargets {

    @Reference(target = "(" + CloudStoreFactory.KIND_PROPERTY + "=folder)")
    private CloudStoreFactory folder;

    @Override
    CloudStoreFactory backend() {
        return folder;
    }
}
