package io.rhizome.examples.notes.internal;

import io.rhizome.api.ChangeEvent;
import io.rhizome.api.PairingService;
import io.rhizome.api.SyncException;
import io.rhizome.api.SyncService;
import io.rhizome.examples.notes.WidgetIds;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import java.util.List;
import org.eclipse.e4.core.di.annotations.Optional;
import org.eclipse.e4.core.di.extensions.Service;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;

/**
 * The application's one part (contributed by Application.e4xmi): the notes on the left, the
 * selected note's editor on the right, "Invite…" and "Join…" above. The Rhizome services are
 * injected by e4 DI from the OSGi registry ({@code @Service}), again whenever they change, so the
 * part works from the moment the engine is up and survives an engine restart.
 */
public final class NotesPart {
    private org.eclipse.swt.widgets.List list;
    private Text title;
    private Label message;
    private NoteEditor editor;
    private SyncService sync;
    private PairingService pairing;
    private AutoCloseable listListener;

    @PostConstruct
    public void create(Composite parent) {
        parent.setLayout(new GridLayout(1, false));
        Composite bar = new Composite(parent, SWT.NONE);
        bar.setLayout(new GridLayout(3, false));
        bar.setLayoutData(new GridData(SWT.FILL, SWT.TOP, true, false));
        Button invite = button(bar, "Invite a device…", WidgetIds.INVITE_BUTTON);
        invite.addListener(SWT.Selection, e -> {
            if (pairing != null) {
                new InviteDialog(parent.getShell(), pairing).open();
            }
        });
        Button join = button(bar, "Join a device…", WidgetIds.JOIN_BUTTON);
        join.addListener(SWT.Selection, e -> {
            if (pairing != null) {
                new JoinDialog(parent.getShell(), pairing).open();
            }
        });
        message = new Label(bar, SWT.NONE);
        message.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));

        SashForm sash = new SashForm(parent, SWT.HORIZONTAL);
        sash.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        Composite left = new Composite(sash, SWT.NONE);
        left.setLayout(new GridLayout(2, false));
        list = new org.eclipse.swt.widgets.List(left, SWT.BORDER | SWT.SINGLE | SWT.V_SCROLL);
        list.setData(WidgetIds.KEY, WidgetIds.NOTE_LIST);
        list.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true, 2, 1));
        title = new Text(left, SWT.BORDER | SWT.SINGLE);
        title.setData(WidgetIds.KEY, WidgetIds.NEW_TITLE);
        title.setMessage("new note");
        title.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        Button create = button(left, "New", WidgetIds.NEW_BUTTON);
        create.addListener(SWT.Selection, e -> createNote());
        title.addListener(SWT.DefaultSelection, e -> createNote());
        Text text = new Text(sash, NoteEditor.style());
        text.setData(WidgetIds.KEY, WidgetIds.EDITOR);
        editor = new NoteEditor(text, this::say);
        sash.setWeights(1, 2);
        list.addListener(SWT.Selection, e -> {
            int i = list.getSelectionIndex();
            editor.show(sync, i < 0 ? null : list.getItem(i));
        });
        bind();
    }

    @Inject
    public void setSync(@Optional @Service SyncService sync) {
        this.sync = sync;
        bind();
    }

    @Inject
    public void setPairing(@Optional @Service PairingService pairing) {
        this.pairing = pairing;
    }

    private void bind() {
        if (list == null || list.isDisposed()) {
            return;   // injected before the widgets exist: create() binds
        }
        closeListListener();
        if (sync != null) {
            SyncService s = sync;
            org.eclipse.swt.widgets.Display display = list.getDisplay();
            listListener = s.addChangeListener(NotesNamespace.NAME, (ChangeEvent e) -> {
                if (!display.isDisposed()) {
                    display.asyncExec(() -> {
                        if (!list.isDisposed() && s == sync) {
                            refreshList();
                        }
                    });
                }
            });
        }
        refreshList();
        editor.show(sync, editor.key());
    }

    private void refreshList() {
        List<String> keys = sync == null ? List.of() : sync.keys(NotesNamespace.NAME).stream().sorted().toList();
        String selected = editor.key();
        if (!keys.equals(List.of(list.getItems()))) {
            list.setItems(keys.toArray(String[]::new));
        }
        int index = selected == null ? -1 : keys.indexOf(selected);
        if (index >= 0) {
            list.setSelection(index);
        }
    }

    private void createNote() {
        String name = title.getText().strip();
        if (sync == null || name.isEmpty()) {
            say(sync == null ? "Rhizome is not running yet" : "type a title first");
            return;
        }
        try {
            if (sync.get(NotesNamespace.NAME, name).isEmpty()) {
                sync.insertText(NotesNamespace.NAME, name, 0, name + "\n");
            }
        } catch (SyncException | IllegalArgumentException e) {
            say("cannot create '" + name + "': " + e.getMessage());
            return;
        }
        title.setText("");
        refreshList();
        list.setSelection(List.of(list.getItems()).indexOf(name));
        editor.show(sync, name);
        say("");
    }

    private void say(String text) {
        if (!message.isDisposed()) {
            message.setText(text);
            message.getParent().layout();
        }
    }

    private static Button button(Composite parent, String label, String id) {
        Button b = new Button(parent, SWT.PUSH);
        b.setText(label);
        b.setData(WidgetIds.KEY, id);
        return b;
    }

    private void closeListListener() {
        if (listListener != null) {
            try {
                listListener.close();
            } catch (Exception e) {
                // the engine that registered it is gone; nothing else holds it
            }
            listListener = null;
        }
    }

    @PreDestroy
    public void dispose() {
        closeListListener();
        if (editor != null) {
            editor.close();
        }
    }
}
