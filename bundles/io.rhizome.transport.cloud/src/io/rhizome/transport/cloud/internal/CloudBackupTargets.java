package io.rhizome.transport.cloud.internal;

import io.rhizome.spi.backup.BackupTarget;
import io.rhizome.spi.backup.BackupTargetFactory;
import io.rhizome.transport.cloud.CloudBackupTarget;
import io.rhizome.transport.cloud.CloudStoreFactory;

/**
 * A backup scheme over the cloud backend of one kind: the location is the backend's own
 * ({@code gdrive:FOLDER} as {@code cloud add gdrive --folder FOLDER}, {@code synced:/path} as
 * {@code cloud add folder /path}), with the same sign-in; the snapshots go to the store's
 * {@value CloudBackupTarget#FOLDER} folder ({@link CloudBackupTarget}).
 */
abstract class CloudBackupTargets implements BackupTargetFactory {

    abstract CloudStoreFactory backend();

    @Override
    public BackupTarget open(String location) {
        CloudStoreFactory f = backend();
        return new CloudBackupTarget(f.open(f.normalise(location)));
    }
}
