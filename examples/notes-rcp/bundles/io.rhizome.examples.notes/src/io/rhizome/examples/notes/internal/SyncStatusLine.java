package io.rhizome.examples.notes.internal;

import io.rhizome.api.SyncService;
import io.rhizome.api.SyncStatus;
import io.rhizome.examples.notes.WidgetIds;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import org.eclipse.e4.core.di.annotations.Optional;
import org.eclipse.e4.core.di.extensions.Service;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;

/**
 * The status line (a tool control in the window's bottom trim): the sync state, connected and
 * trusted peers, changes not yet acknowledged, and the last error, from {@link SyncService#status()}
 * twice a second.
 */
public final class SyncStatusLine {
    private Label label;
    private volatile SyncService sync;

    @Inject
    public void setSync(@Optional @Service SyncService sync) {
        this.sync = sync;
    }

    @PostConstruct
    public void create(Composite parent) {
        Composite box = new Composite(parent, SWT.NONE);
        box.setLayout(new GridLayout(1, false));
        label = new Label(box, SWT.NONE);
        label.setData(WidgetIds.KEY, WidgetIds.STATUS);
        GridData gd = new GridData(SWT.FILL, SWT.CENTER, true, false);
        gd.widthHint = 600;
        label.setLayoutData(gd);
        label.setText("Rhizome: starting…");
        tick();
    }

    private void tick() {
        if (label.isDisposed()) {
            return;
        }
        label.setText(describe(sync));
        label.getDisplay().timerExec(500, this::tick);
    }

    static String describe(SyncService sync) {
        if (sync == null) {
            return "Rhizome: starting…";
        }
        SyncStatus s;
        try {
            s = sync.status();
        } catch (RuntimeException e) {
            return "Rhizome: " + e.getMessage();
        }
        long connected = s.peers().stream().filter(p -> p.connected()).count();
        StringBuilder b = new StringBuilder("Sync: ").append(s.state().id())
                .append(" · ").append(connected).append(connected == 1 ? " peer" : " peers").append(" connected")
                .append(" · ").append(s.pendingMutations()).append(" pending");
        s.lastSyncTime().ifPresent(t -> b.append(" · last sync ").append(t.toString(), 11, 19));
        s.lastError().ifPresent(e -> b.append(" · ").append(e));
        return b.toString();
    }
}
