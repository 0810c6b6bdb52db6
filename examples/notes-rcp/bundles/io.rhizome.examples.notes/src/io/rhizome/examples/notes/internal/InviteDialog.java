package io.rhizome.examples.notes.internal;

import io.rhizome.api.PairingService;
import io.rhizome.api.PairingService.Invitation;
import io.rhizome.examples.notes.WidgetIds;
import java.time.Instant;
import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Font;
import org.eclipse.swt.graphics.FontData;
import org.eclipse.swt.graphics.Image;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

/**
 * Invites another device: {@link PairingService#invite()} (off the UI thread: it waits for a
 * listening transport), then shows the one-time code, the QR code of its {@code rhizome:join} link
 * and this device's addresses, and follows the invitation's state until it is used or expires.
 */
final class InviteDialog extends Dialog {
    private final PairingService pairing;
    private Label code;
    private Label qr;
    private Text address;
    private Label state;
    private Image qrImage;
    private Font big;

    InviteDialog(Shell parent, PairingService pairing) {
        super(parent);
        this.pairing = pairing;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText("Invite a device");
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        area.setLayout(new GridLayout(1, false));
        new Label(area, SWT.WRAP).setText("On the other device choose \"Join a device…\" and type this code (or scan it):");
        code = label(area, WidgetIds.INVITE_CODE, "…");
        FontData fd = code.getFont().getFontData()[0];
        big = new Font(parent.getDisplay(), fd.getName(), fd.getHeight() * 2, SWT.BOLD);
        code.setFont(big);
        qr = label(area, WidgetIds.INVITE_QR, "");
        qr.setLayoutData(new GridData(SWT.CENTER, SWT.CENTER, true, false));
        new Label(area, SWT.NONE).setText("This device listens at:");
        address = new Text(area, SWT.BORDER | SWT.READ_ONLY);
        address.setData(WidgetIds.KEY, WidgetIds.INVITE_ADDRESS);
        address.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        state = label(area, WidgetIds.INVITE_STATE, "creating the invitation…");
        Display display = parent.getDisplay();
        Thread t = new Thread(() -> {
            try {
                Invitation inv = pairing.invite();
                display.asyncExec(() -> show(inv));
            } catch (RuntimeException e) {
                display.asyncExec(() -> setState("cannot invite: " + e.getMessage()));
            }
        }, "notes-invite");
        t.setDaemon(true);
        t.start();
        return area;
    }

    private void show(Invitation inv) {
        if (code.isDisposed()) {
            return;
        }
        code.setText(inv.code());
        qrImage = new Image(code.getDisplay(), QrImage.of(inv.joinUri(), 4));
        qr.setImage(qrImage);
        address.setText(inv.addresses().isEmpty() ? "" : inv.addresses().get(0));
        setState(describe(inv));
        getShell().pack();
        follow();
    }

    private void follow() {
        code.getDisplay().timerExec(500, () -> {
            if (state.isDisposed()) {
                return;
            }
            pairing.invitation().ifPresentOrElse(i -> setState(describe(i)), () -> setState("the invitation is over"));
            follow();
        });
    }

    private static String describe(Invitation i) {
        return i.pairedWith().map(d -> "paired with " + d)
                .orElse(i.state() + ", " + i.attemptsLeft() + " attempts left, valid until " + Instant.ofEpochMilli(i.expiresAt()));
    }

    private void setState(String s) {
        if (!state.isDisposed()) {
            state.setText(s);
            state.getParent().layout();
        }
    }

    private static Label label(Composite parent, String id, String text) {
        Label l = new Label(parent, SWT.NONE);
        l.setText(text);
        l.setData(WidgetIds.KEY, id);
        l.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        return l;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.CLOSE_ID, IDialogConstants.CLOSE_LABEL, true);
    }

    @Override
    protected void buttonPressed(int buttonId) {
        close();
    }

    @Override
    public boolean close() {
        if (qrImage != null) {
            qrImage.dispose();
        }
        if (big != null) {
            big.dispose();
        }
        return super.close();
    }
}
