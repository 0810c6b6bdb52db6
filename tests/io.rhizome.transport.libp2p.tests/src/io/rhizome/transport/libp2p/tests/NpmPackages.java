package io.rhizome.transport.libp2p.tests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * Installs the npm packages of a folder with a {@code package-lock.json} ({@code npm ci}) the
 * first time a test needs them, so the README's test command works on a fresh clone: once per
 * folder and JVM, bounded in time; without Node.js and npm it fails saying what to install.
 */
final class NpmPackages {

    private static final long TIMEOUT_MINUTES = 10;

    private NpmPackages() {
    }

    /** Makes sure {@code marker} (a folder under node_modules) exists in {@code dir}, running {@code npm ci} if not. */
    static synchronized void ensure(File dir, String marker) {
        if (new File(dir, "node_modules/" + marker).isDirectory()) {
            return;
        }
        File log;
        try {
            log = Files.createTempFile("npm-ci-", ".log").toFile();
        } catch (IOException e) {
            throw new AssertionError("cannot create a log file for npm ci: " + e.getMessage(), e);
        }
        try {
            Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error").directory(dir).redirectErrorStream(true)
                    .redirectOutput(log).start();
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("npm ci in " + dir + " did not finish within " + TIMEOUT_MINUTES + " minutes; see " + log);
            }
            if (p.exitValue() != 0 || !new File(dir, "node_modules/" + marker).isDirectory()) {
                throw new AssertionError("npm ci in " + dir + " failed (exit " + p.exitValue() + "): "
                        + Files.readString(log.toPath(), StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new AssertionError("the js-libp2p tests need Node.js 20+ and npm on the PATH (Debian/Ubuntu: apt-get install nodejs npm),"
                    + " which installs the npm packages of " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running npm ci in " + dir, e);
        }
    }
}
