package io.rhizome.examples.notes.internal;

import io.rhizome.api.ChangeEvent;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.events.VerifyEvent;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.widgets.Text;

/**
 * Binds an SWT {@link Text} to one {@code text} entity: every edit the user makes becomes the
 * entity's {@code delete}/{@code insert} intents (one transaction per edit, written before the
 * widget shows it), and every remote change is applied to the widget as the one range that
 * changed, with the caret and selection moved along instead of reset.
 *
 * <p>All methods run on the UI thread. Writes are synchronous, so the entity always holds every
 * edit the widget shows, and reading it back after a remote change never loses a local one.
 */
final class NoteEditor {
    private final Text text;
    private final Consumer<String> problems;
    private SyncService sync;
    private String key;
    private boolean applying;
    private AutoCloseable listener;

    NoteEditor(Text text, Consumer<String> problems) {
        this.text = text;
        this.problems = problems;
        text.addVerifyListener(this::onVerify);
        text.setEnabled(false);
    }

    /** Shows note {@code key} of {@code sync} (either may be null: nothing to show). */
    void show(SyncService sync, String key) {
        close();
        this.sync = sync;
        this.key = key;
        text.setEnabled(sync != null && key != null);
        if (sync == null || key == null) {
            replaceAll("");
            return;
        }
        listener = sync.addChangeListener(NotesNamespace.NAME, this::onChange);
        replaceAll(current());
    }

    String key() {
        return key;
    }

    void close() {
        if (listener != null) {
            try {
                listener.close();
            } catch (Exception e) {
                problems.accept("could not stop listening to note " + key + ": " + e.getMessage());
            }
            listener = null;
        }
    }

    private void onChange(ChangeEvent e) {
        // the engine's thread: hop to the UI thread, and re-read there (events may coalesce)
        if (e.origin() == ChangeEvent.Origin.REMOTE && Objects.equals(e.key(), key) && !text.isDisposed()) {
            text.getDisplay().asyncExec(() -> {
                if (!text.isDisposed() && Objects.equals(e.key(), key)) {
                    refresh();
                }
            });
        }
    }

    /** Brings the widget to the entity's text, moving only the range that differs. */
    void refresh() {
        if (sync == null || key == null) {
            return;
        }
        TextDiff diff = TextDiff.between(text.getText(), current());
        if (diff.isEmpty()) {
            return;
        }
        Point selection = text.getSelection();
        applying = true;
        try {
            text.setSelection(diff.start(), diff.end());
            text.insert(diff.replacement());
        } finally {
            applying = false;
        }
        text.setSelection(diff.shift(selection.x), diff.shift(selection.y));
    }

    private String current() {
        Optional<com.fasterxml.jackson.databind.JsonNode> value = sync.get(NotesNamespace.NAME, key);
        return value.filter(v -> v.isTextual()).map(v -> v.asText()).orElse("");
    }

    private void replaceAll(String s) {
        applying = true;
        try {
            text.setText(s);
        } finally {
            applying = false;
        }
    }

    private void onVerify(VerifyEvent e) {
        if (applying) {
            return;
        }
        if (sync == null || key == null) {
            e.doit = false;
            return;
        }
        String before = text.getText();
        String inserted = e.text == null ? "" : e.text;
        int from = before.codePointCount(0, e.start);   // the text type counts code points
        int removed = before.codePointCount(e.start, e.end);
        try {
            sync.transaction(tx -> {
                if (removed > 0) {
                    tx.deleteRange(NotesNamespace.NAME, key, from, removed);
                }
                if (!inserted.isEmpty()) {
                    tx.insertText(NotesNamespace.NAME, key, from, inserted);
                }
                return null;
            });
        } catch (SyncException ex) {
            e.doit = false;   // the widget shows only what the entity holds
            problems.accept("edit refused: " + ex.getMessage());
            text.getDisplay().beep();
        }
    }

    static int style() {
        return SWT.MULTI | SWT.BORDER | SWT.WRAP | SWT.V_SCROLL;
    }
}
