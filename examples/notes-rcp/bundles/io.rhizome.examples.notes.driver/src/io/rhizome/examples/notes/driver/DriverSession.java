package io.rhizome.examples.notes.driver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One connection of the test driver: a command per line, one answer line each, {@code ok [VALUE]}
 * or {@code error MESSAGE}. Texts travel Base64 (UTF-8) so they may hold spaces and newlines.
 *
 * <pre>
 * get ID                 text of the widget with that id (Text, Label, selected List item)
 * items ID               a List's items, newline-separated
 * set ID B64             sets a Text's text (as a program would, no key events)
 * click ID               presses a Button (asynchronously: it may open a modal dialog)
 * select ID B64          selects that item of a List, as a click would
 * focus ID               activates the widget's shell and focuses the widget
 * type B64               posts X key events (Display.post) for each character to the focused widget
 * caret ID [N]           a Text's caret offset; with N, moves it there
 * place X Y W H          moves and sizes the main window
 * pause | resume         SyncService.pauseSync / resumeSync
 * shot FILE              saves the whole screen as a PNG
 * close ID               closes the shell holding the widget with that id (a dialog)
 * </pre>
 */
final class DriverSession extends Thread {
    private final Socket socket;
    private final Widgets widgets;

    DriverSession(Socket socket, Widgets widgets) {
        super("notes-driver-session");
        setDaemon(true);
        this.socket = socket;
        this.widgets = widgets;
    }

    @Override
    public void run() {
        try (socket;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                String answer;
                try {
                    answer = "ok " + answer(line.split(" ", 2));
                } catch (RuntimeException e) {
                    answer = "error " + String.valueOf(e.getMessage()).replace('\n', ' ');
                }
                out.println(answer.strip());
            }
        } catch (IOException e) {
            // the test hung up
        }
    }

    private String answer(String[] cmd) {
        String arg = cmd.length > 1 ? cmd[1] : "";
        String[] args = arg.split(" ");
        return switch (cmd[0]) {
            case "get" -> b64(widgets.text(arg));
            case "items" -> b64(String.join("\n", widgets.items(arg)));
            case "set" -> { widgets.setText(args[0], unb64(args.length > 1 ? args[1] : "")); yield ""; }
            case "click" -> { widgets.click(arg); yield ""; }
            case "select" -> { widgets.select(args[0], unb64(args[1])); yield ""; }
            case "focus" -> Boolean.toString(widgets.focus(arg));
            case "type" -> { widgets.type(unb64(arg)); yield ""; }
            case "caret" -> Integer.toString(widgets.caret(args[0], args.length > 1 ? Integer.parseInt(args[1]) : -1));
            case "place" -> { widgets.place(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
                    Integer.parseInt(args[2]), Integer.parseInt(args[3])); yield ""; }
            case "pause" -> { widgets.sync().pauseSync(); yield ""; }
            case "resume" -> { widgets.sync().resumeSync(); yield ""; }
            case "shot" -> { widgets.screenshot(arg); yield ""; }
            case "close" -> { widgets.closeShellOf(arg); yield ""; }
            default -> throw new IllegalArgumentException("unknown command '" + cmd[0] + "'");
        };
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
