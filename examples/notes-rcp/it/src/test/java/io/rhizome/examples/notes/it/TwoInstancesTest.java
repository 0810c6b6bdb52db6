package io.rhizome.examples.notes.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Two instances of the notes application on one machine (two homes, libp2p on loopback, under the
 * X server in $DISPLAY): they pair through their Invite and Join dialogs, a note created and typed
 * (real X key events) in one shows in the other's editor, a remote insert before the other's caret
 * moves the caret along, and edits made in both while sync is paused converge to one text.
 * Every assertion reads the widgets.
 */
class TwoInstancesTest {
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration SYNC = Duration.ofSeconds(30);

    @Test
    void pairTypeAndConverge() throws Exception {
        String display = System.getenv("DISPLAY");
        assertTrue(display != null && !display.isBlank(), "DISPLAY is not set: run under Xvfb (examples/notes-rcp/build.sh does)");
        Path product = Path.of(System.getProperty("notes.product"));
        assertTrue(Files.isDirectory(product.resolve("plugins")), "no materialized product at " + product);
        Path homes = Path.of("target", "homes").toAbsolutePath();
        deleteTree(homes);
        try (NotesApp a = new NotesApp("A", product, homes.resolve("a"));
             NotesApp b = new NotesApp("B", product, homes.resolve("b"))) {
            try {
                run(a, b);
            } catch (Throwable t) {
                System.err.println("---- A's log\n" + a.log() + "\n---- B's log\n" + b.log());
                throw t;
            }
        }
    }

    private void run(NotesApp a, NotesApp b) throws Exception {
        a.connect(START);
        b.connect(START);
        a.awaitText("notes.status", START, s -> s.startsWith("Sync:"), "the engine runs");
        b.awaitText("notes.status", START, s -> s.startsWith("Sync:"), "the engine runs");
        a.call("place 0 0 640 500");
        b.call("place 650 0 640 500");

        // pair through the dialogs: A shows a code and its address, B types them into its Join dialog
        a.call("click notes.invite");
        String code = a.awaitText("pair.code", SYNC, s -> s.matches("RZ-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}"), "the invite dialog shows a code");
        String address = a.awaitText("pair.address", SYNC, s -> s.startsWith("/ip4/127.0.0.1/tcp/"), "the invite dialog shows the address");
        b.call("click notes.join");
        b.awaitText("join.code", SYNC, s -> true, "the join dialog opens");
        b.set("join.code", code);
        b.set("join.address", address);
        b.call("click join.ok");
        String joined = b.awaitText("join.result", Duration.ofSeconds(60), s -> s.startsWith("paired with") || s.startsWith("not paired"), "the join ends");
        assertTrue(joined.startsWith("paired with"), joined);
        a.awaitText("pair.state", SYNC, s -> s.startsWith("paired with"), "the inviter sees the pairing");
        screenshot(a, "notes-rcp-pairing.png");
        a.call("close pair.code");
        b.call("close join.result");
        a.awaitText("notes.status", SYNC, s -> s.contains("1 peer connected"), "A's status line shows B");
        b.awaitText("notes.status", SYNC, s -> s.contains("1 peer connected"), "B's status line shows A");

        // A creates a note; it appears in B's list
        a.set("notes.newTitle", "shopping");
        a.call("click notes.new");
        a.awaitText("notes.editor", SYNC, "shopping\n"::equals, "A's editor shows the new note");
        Await.until("B's list shows the note", SYNC, () -> b.items("notes.list").contains("shopping"));
        b.call("select notes.list " + NotesApp.encode("shopping"));
        b.awaitText("notes.editor", SYNC, "shopping\n"::equals, "B's editor shows the note");

        // type in A with real key events: B's widget shows the text
        a.call("caret notes.editor 9");
        a.type("notes.editor", "milk eggs");
        a.awaitText("notes.editor", SYNC, "shopping\nmilk eggs"::equals, "A's editor took the keys");
        b.awaitText("notes.editor", SYNC, "shopping\nmilk eggs"::equals, "B's editor shows what A typed");

        // a remote insert before B's caret moves B's caret along (not reset)
        assertEquals(18, Integer.parseInt(b.call("caret notes.editor 18")));
        a.call("caret notes.editor 9");
        a.type("notes.editor", "2 ");
        b.awaitText("notes.editor", SYNC, "shopping\n2 milk eggs"::equals, "B shows A's insert");
        assertEquals(20, Integer.parseInt(b.call("caret notes.editor")), "B's caret moved with the text before it");

        // concurrent edits: both type while neither hears the other, then they converge
        a.call("pause");
        b.call("pause");
        a.call("caret notes.editor 20");
        a.type("notes.editor", " bread");
        a.awaitText("notes.editor", SYNC, "shopping\n2 milk eggs bread"::equals, "A's own edit");
        b.call("caret notes.editor 0");
        b.type("notes.editor", "my ");
        b.awaitText("notes.editor", SYNC, "my shopping\n2 milk eggs"::equals, "B's own edit (A's not seen yet)");
        a.call("resume");
        b.call("resume");
        String expected = "my shopping\n2 milk eggs bread";
        a.awaitText("notes.editor", SYNC, expected::equals, "A converges");
        b.awaitText("notes.editor", SYNC, expected::equals, "B converges");
        a.awaitText("notes.status", SYNC, s -> s.contains("1 peer connected") && s.contains("0 pending"), "A has nothing pending");
        b.awaitText("notes.status", SYNC, s -> s.contains("1 peer connected") && s.contains("0 pending"), "B has nothing pending");
        screenshot(a, "notes-rcp.png");
    }

    private static void screenshot(NotesApp app, String name) throws Exception {
        Path file = Path.of("target", name).toAbsolutePath();
        app.call("shot " + file);
        assertTrue(Files.size(file) > 1000, "screenshot " + file + " was written");
    }

    private static void deleteTree(Path p) throws Exception {
        if (Files.exists(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
