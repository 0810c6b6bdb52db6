package io.rhizome.examples.notes.internal;

import io.rhizome.api.PairingService;
import io.rhizome.api.PairingService.TrustedPeer;
import io.rhizome.examples.notes.WidgetIds;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jface.dialogs.Dialog;
import org.eclipse.jface.dialogs.IDialogConstants;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Shell;
import org.eclipse.swt.widgets.Text;

/**
 * Joins the device that shows an invitation: its code (or its whole {@code rhizome:join?…} link,
 * as a QR scanner gives it) and, when mDNS cannot find it, its address. The join runs off the UI
 * thread; the dialog says whom it paired with or why it failed (nothing changed then).
 */
final class JoinDialog extends Dialog {
    private final PairingService pairing;
    private Text code;
    private Text address;
    private Label result;

    JoinDialog(Shell parent, PairingService pairing) {
        super(parent);
        this.pairing = pairing;
    }

    @Override
    protected void configureShell(Shell shell) {
        super.configureShell(shell);
        shell.setText("Join a device");
    }

    @Override
    protected Control createDialogArea(Composite parent) {
        Composite area = (Composite) super.createDialogArea(parent);
        area.setLayout(new GridLayout(2, false));
        new Label(area, SWT.NONE).setText("Code:");
        code = text(area, WidgetIds.JOIN_CODE, "RZ-XXXX-XXXX-XXXX");
        new Label(area, SWT.NONE).setText("Address:");
        address = text(area, WidgetIds.JOIN_ADDRESS, "optional: /ip4/…/tcp/…/p2p/…");
        result = new Label(area, SWT.WRAP);
        result.setData(WidgetIds.KEY, WidgetIds.JOIN_RESULT);
        GridData gd = new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1);
        gd.widthHint = 480;
        result.setLayoutData(gd);
        return area;
    }

    @Override
    protected void createButtonsForButtonBar(Composite parent) {
        createButton(parent, IDialogConstants.OK_ID, "Join", true).setData(WidgetIds.KEY, WidgetIds.JOIN_OK);
        createButton(parent, IDialogConstants.CLOSE_ID, IDialogConstants.CLOSE_LABEL, false);
    }

    @Override
    protected void buttonPressed(int buttonId) {
        if (buttonId != IDialogConstants.OK_ID) {
            close();
            return;
        }
        String c = code.getText().strip();
        String a = address.getText().strip();
        if (c.isEmpty()) {
            result.setText("type the code the other device shows");
            return;
        }
        getButton(IDialogConstants.OK_ID).setEnabled(false);
        result.setText("joining…");
        Display display = getShell().getDisplay();
        Thread t = new Thread(() -> {
            String outcome;
            try {
                TrustedPeer peer = pairing.join(c, a.isEmpty() ? Optional.empty() : Optional.of(a), Duration.ofSeconds(30));
                outcome = "paired with " + peer.deviceId() + " (" + peer.fingerprint() + ")";
            } catch (RuntimeException e) {
                outcome = "not paired: " + e.getMessage();
            }
            String shown = outcome;
            display.asyncExec(() -> {
                if (!result.isDisposed()) {
                    result.setText(shown);
                    getButton(IDialogConstants.OK_ID).setEnabled(true);
                    getShell().pack();
                }
            });
        }, "notes-join");
        t.setDaemon(true);
        t.start();
    }

    private static Text text(Composite parent, String id, String hint) {
        Text t = new Text(parent, SWT.BORDER | SWT.SINGLE);
        t.setData(WidgetIds.KEY, id);
        t.setMessage(hint);
        GridData gd = new GridData(SWT.FILL, SWT.CENTER, true, false);
        gd.widthHint = 420;
        t.setLayoutData(gd);
        return t;
    }
}
