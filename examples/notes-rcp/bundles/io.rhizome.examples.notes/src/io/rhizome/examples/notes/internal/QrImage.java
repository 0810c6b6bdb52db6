package io.rhizome.examples.notes.internal;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import java.util.Map;
import org.eclipse.swt.graphics.ImageData;
import org.eclipse.swt.graphics.PaletteData;
import org.eclipse.swt.graphics.RGB;

/** A QR code (ZXing, the library Rhizome's CLI and monitor use) as SWT image data, black on white. */
final class QrImage {
    private QrImage() {
    }

    static ImageData of(String content, int pixelsPerModule) {
        BitMatrix m;
        try {
            m = new QRCodeWriter().encode(content, BarcodeFormat.QR_CODE, 0, 0, Map.of(EncodeHintType.MARGIN, 2));
        } catch (WriterException e) {
            throw new IllegalArgumentException("cannot encode a QR code of " + content.length() + " characters: " + e.getMessage(), e);
        }
        int size = m.getWidth() * pixelsPerModule;
        ImageData data = new ImageData(size, m.getHeight() * pixelsPerModule, 1,
                new PaletteData(new RGB(255, 255, 255), new RGB(0, 0, 0)));
        for (int y = 0; y < data.height; y++) {
            for (int x = 0; x < data.width; x++) {
                data.setPixel(x, y, m.get(x / pixelsPerModule, y / pixelsPerModule) ? 1 : 0);
            }
        }
        return data;
    }
}
