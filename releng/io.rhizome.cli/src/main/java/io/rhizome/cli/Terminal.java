package io.rhizome.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether standard error is a terminal, so a bar can be redrawn in place there. {@code
 * System.console()} asks about standard input and output, which {@code rhizome export > f.jsonl}
 * redirects while its bar still belongs on the terminal; on Linux the answer is where fd 2 points.
 */
final class Terminal {

    private Terminal() {
    }

    static boolean stderr() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }
}
