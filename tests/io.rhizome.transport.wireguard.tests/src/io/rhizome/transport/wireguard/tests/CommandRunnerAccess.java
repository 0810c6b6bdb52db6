package io.rhizome.transport.wireguard.tests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a main class of this test bundle (with the WireGuard bundle on the class path) behind a command prefix. */
final class CommandRunnerAccess {

    private CommandRunnerAccess() {
    }

    static Process start(List<String> prefix, File log, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                Netns.classpath(List.of("io.rhizome.transport.wireguard", "slf4j.api", "bcprov")), mainClass));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }
}
