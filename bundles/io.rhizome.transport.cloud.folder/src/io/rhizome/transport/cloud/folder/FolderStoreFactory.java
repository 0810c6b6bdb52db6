package io.rhizome.transport.cloud.folder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;

import io.rhizome.transport.cloud.CloudStore;
import io.rhizome.transport.cloud.CloudStoreFactory;

/** The {@code folder} kind: a directory given as an absolute path, made if missing, that must be writable. */
@Component(service = CloudStoreFactory.class, property = CloudStoreFactory.KIND_PROPERTY + "=folder")
public final class FolderStoreFactory implements CloudStoreFactory {

    @Override
    public String normalise(String location) {
        try {
            Path p = Path.of(location);
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException("the folder must be an absolute path, not '" + location + "'");
            }
            return p.normalize().toString();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + location + "' is not a path: " + e.getMessage());
        }
    }

    @Override
    public CloudStore open(String location) {
        Path p = Path.of(location);
        if (Files.exists(p) && !Files.isDirectory(p)) {
            throw new IllegalArgumentException(location + " is a file, not a folder");
        }
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot make the folder " + location + ": " + e.getMessage());
        }
        if (!Files.isWritable(p)) {
            throw new IllegalArgumentException("the folder " + location + " is not writable by this node");
        }
        return new FolderStore(p);
    }
}
