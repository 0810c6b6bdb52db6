package io.rhizome.examples.notes.driver;

import io.rhizome.api.SyncService;
import io.rhizome.examples.notes.WidgetIds;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.ImageLoader;
import org.eclipse.swt.graphics.Rectangle;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Event;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/** The application's widgets, found by their {@link WidgetIds} id, read and driven on the UI thread. */
final class Widgets {
    private final ServiceTracker<SyncService, SyncService> sync;

    Widgets(BundleContext context) {
        sync = new ServiceTracker<>(context, SyncService.class, null);
        sync.open();
    }

    SyncService sync() {
        SyncService s = sync.getService();
        if (s == null) {
            throw new IllegalStateException("no SyncService yet");
        }
        return s;
    }

    /** The workbench's display (created by E4Application on the main thread), once it exists. */
    private static Display display() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("main")) {
                Display d = Display.findDisplay(t);
                if (d != null && !d.isDisposed()) {
                    return d;
                }
            }
        }
        throw new IllegalStateException("the workbench has no display yet");
    }

    private static <T> T onUi(Supplier<T> work) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        display().syncExec(() -> {
            try {
                result.set(work.get());
            } catch (RuntimeException e) {
                failure.set(e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private static Control find(String id) {
        for (Shell shell : display().getShells()) {
            Control c = find(shell, id);
            if (c != null) {
                return c;
            }
        }
        throw new IllegalArgumentException("no widget '" + id + "' is showing");
    }

    private static Control find(Control c, String id) {
        if (c.isDisposed()) {
            return null;
        }
        if (id.equals(c.getData(WidgetIds.KEY))) {
            return c;
        }
        if (c instanceof Composite parent) {
            for (Control child : parent.getChildren()) {
                Control found = find(child, id);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    String text(String id) {
        return onUi(() -> {
            Control c = find(id);
            if (c instanceof Text t) {
                return t.getText();
            }
            if (c instanceof Label l) {
                return l.getText();
            }
            if (c instanceof org.eclipse.swt.widgets.List l) {
                return String.join("\n", l.getSelection());
            }
            if (c instanceof Button b) {
                return b.getText();
            }
            throw new IllegalArgumentException(id + " is a " + c.getClass().getSimpleName() + ", which has no text");
        });
    }

    List<String> items(String id) {
        return onUi(() -> List.of(((org.eclipse.swt.widgets.List) find(id)).getItems()));
    }

    void setText(String id, String text) {
        onUi(() -> {
            ((Text) find(id)).setText(text);
            return null;
        });
    }

    void click(String id) {
        onUi(() -> (Button) find(id));   // fails here, synchronously, if it is not showing
        display().asyncExec(() -> {
            Control c = find(id);
            if (c.isEnabled()) {
                c.notifyListeners(SWT.Selection, new Event());
            }
        });
    }

    void select(String id, String item) {
        onUi(() -> {
            org.eclipse.swt.widgets.List l = (org.eclipse.swt.widgets.List) find(id);
            int i = List.of(l.getItems()).indexOf(item);
            if (i < 0) {
                throw new IllegalArgumentException(id + " has no item '" + item + "'");
            }
            l.setSelection(i);
            l.notifyListeners(SWT.Selection, new Event());
            return null;
        });
    }

    boolean focus(String id) {
        return onUi(() -> {
            Control c = find(id);
            Shell shell = c.getShell();
            shell.forceActive();
            c.setFocus();
            // no window manager under Xvfb: X sends keys to the window under the pointer, so put it there
            Rectangle r = c.getDisplay().map(c.getParent(), null, c.getBounds());
            Event move = new Event();
            move.type = SWT.MouseMove;
            move.x = r.x + r.width / 2;
            move.y = r.y + Math.min(r.height / 2, 20);
            c.getDisplay().post(move);
            return c.isFocusControl();
        });
    }

    void type(String s) {
        Display d = display();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            for (int type : new int[] {SWT.KeyDown, SWT.KeyUp}) {
                Event e = new Event();
                e.type = type;
                if (ch == '\n') {
                    e.keyCode = SWT.CR;
                } else {
                    e.character = ch;
                }
                onUi(() -> d.post(e));
            }
        }
    }

    int caret(String id, int moveTo) {
        return onUi(() -> {
            Text t = (Text) find(id);
            if (moveTo >= 0) {
                t.setSelection(moveTo);
            }
            return t.getCaretPosition();
        });
    }

    void place(int x, int y, int w, int h) {
        onUi(() -> {
            Shell main = find(WidgetIds.EDITOR).getShell();
            main.setBounds(x, y, w, h);
            return null;
        });
    }

    void closeShellOf(String id) {
        onUi(() -> find(id).getShell()).getDisplay().asyncExec(() -> {
            Control c = find(id);
            c.getShell().close();
        });
    }

    void screenshot(String file) {
        Objects.requireNonNull(file);
        onUi(() -> {
            Display d = display();
            Rectangle screen = d.getPrimaryMonitor().getBounds();
            Image image = new Image(d, screen.width, screen.height);
            GC gc = new GC(d);
            try {
                gc.copyArea(image, 0, 0);
            } finally {
                gc.dispose();
            }
            try {
                ImageLoader loader = new ImageLoader();
                loader.data = new ImageData[] {image.getImageData()};
                loader.save(file, SWT.IMAGE_PNG);
            } finally {
                image.dispose();
            }
            return null;
        });
    }

}
