package io.rhizome.monitor.internal;

import java.util.Map;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

/** A QR code as an SVG image, drawn by the daemon so the page needs no QR library of its own. */
final class QrSvg {

    /** The join link is a few hundred characters; more than this is not an invitation. */
    static final int MAX_CONTENT = 2048;

    private QrSvg() {
    }

    static String of(String content) {
        if (content.isEmpty() || content.length() > MAX_CONTENT) {
            throw new IllegalArgumentException("a QR code needs 1 to " + MAX_CONTENT + " characters of text, not " + content.length());
        }
        BitMatrix m;
        try {
            // Error correction M as the CLI's codes; the 4-module quiet zone a camera needs on a screen.
            m = new QRCodeWriter().encode(content, BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 4));
        } catch (WriterException e) {
            throw new IllegalArgumentException("the text does not fit in a QR code: " + e.getMessage(), e);
        }
        StringBuilder path = new StringBuilder();
        for (int y = 0; y < m.getHeight(); y++) {
            for (int x = 0; x < m.getWidth(); x++) {
                if (m.get(x, y)) {
                    path.append('M').append(x).append(' ').append(y).append("h1v1h-1z");
                }
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + m.getWidth() + " " + m.getHeight()
                + "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\""
                + path + "\"/></svg>";
    }
}
