package io.rhizome.transport.cloud.internal;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.rhizome.spi.backup.BackupTargetFactory;
import io.rhizome.transport.cloud.CloudStoreFactory;

/** {@code gdrive:FOLDER} (or {@code gdrive:appDataFolder}): backups in Google Drive, once signed in with {@code cloud add gdrive}. */
@Component(service = BackupTargetFactory.class, property = BackupTargetFactory.SCHEME + "=gdrive")
public final class DriveBackupTargets extends CloudBackupTargets {

    @Reference(target = "(" + CloudStoreFactory.KIND_PROPERTY + "=gdrive)")
    private CloudStoreFactory drive;

    @Override
    CloudStoreFactory backend() {
        return drive;
    }
}
