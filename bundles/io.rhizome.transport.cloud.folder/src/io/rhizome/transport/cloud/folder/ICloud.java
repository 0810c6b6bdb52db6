package io.rhizome.transport.cloud.folder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * iCloud Drive keeps a file that is not downloaded yet as a hidden placeholder {@code .NAME.icloud}
 * next to where {@code NAME} will be. On macOS {@code brctl download PATH} asks for it; elsewhere
 * (or without brctl) the exchange simply waits for the sync client.
 */
final class ICloud {

    private static final Logger LOG = LoggerFactory.getLogger(ICloud.class);
    private static final Path BRCTL = Path.of("/usr/bin/brctl");

    private ICloud() {
    }

    /** The name a placeholder stands for. */
    static Optional<String> placeholderOf(String name) {
        if (name.startsWith(".") && name.endsWith(".icloud") && name.length() > ".icloud".length() + 1) {
            return Optional.of(name.substring(1, name.length() - ".icloud".length()));
        }
        return Optional.empty();
    }

    static void requestDownload(Path placeholder) {
        if (!Files.isExecutable(BRCTL)) {
            return;
        }
        Path real = placeholder.resolveSibling(placeholderOf(placeholder.getFileName().toString()).orElseThrow());
        try {
            Process p = new ProcessBuilder(BRCTL.toString(), "download", real.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroy();
            }
        } catch (java.io.IOException e) {
            LOG.debug("cloud: brctl download {} failed: {}", real, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
