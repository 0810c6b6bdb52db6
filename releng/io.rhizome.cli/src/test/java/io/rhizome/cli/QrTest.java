package io.rhizome.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;

/** The pairing QR code: the PNG decodes back to the join link; the terminal form has one half-block per two modules. */
class QrTest {

    static final String LINK = "rhizome:join?code=RZ-7K3M-9QXA-20B4&addr=%2Fip4%2F192.168.1.20%2Ftcp%2F41234%2Fp2p%2F12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    @Test
    void pngDecodesToTheJoinLink(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/qr.png");
        PeerCommands.writePng(PeerCommands.qr(LINK), png);
        BufferedImage img = ImageIO.read(png.toFile());
        int[] pixels = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(img.getWidth(), img.getHeight(), pixels)));
        assertEquals(LINK, new QRCodeReader().decode(bitmap).getText());
    }

    @Test
    void terminalFormCoversEveryModule() {
        BitMatrix m = PeerCommands.qr(LINK);
        String[] lines = PeerCommands.terminalQr(m).split("\n");
        assertEquals((m.getHeight() + 1) / 2, lines.length);
        for (String l : lines) {
            assertEquals(m.getWidth() + 2, l.length());
            assertTrue(l.chars().skip(2).allMatch(c -> c == ' ' || c == '\u2580' || c == '\u2584' || c == '\u2588'));
        }
    }
}
