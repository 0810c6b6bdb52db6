package io.rhizome.cli;

import java.io.IOException;
import java.io.PrintStream;

/** Opens a page in the user's browser with the desktop's opener, if there is one; the printed address is always the fallback. */
final class Browser {

    private Browser() {
    }

    static void open(String url, PrintStream err) {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String[] command = os.contains("mac") ? new String[] { "open", url }
                : os.contains("win") ? new String[] { "rundll32", "url.dll,FileProtocolHandler", url } : new String[] { "xdg-open", url };
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            err.println("rhizome: cannot open a browser (" + e.getMessage() + "); open the address above yourself");
        }
    }
}
