package io.rhizome.transport.libp2p.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamException;
import io.rhizome.transport.libp2p.internal.multistream.MultistreamSelect;

class MultistreamSelectTest {

    @Test
    void wireFormatIsVarintLengthTextNewline() {
        ByteBuf out = Unpooled.buffer();
        MultistreamSelect.dialer(List.of("/noise")).start(out);
        assertEquals("132f6d756c746973747265616d2f312e302e300a" + "072f6e6f6973650a", Hex.of(bytes(out)));
    }

    @Test
    void dialerFallsBackAfterNa() throws Exception {
        MultistreamSelect dialer = MultistreamSelect.dialer(List.of("/tls/1.0.0", "/noise"));
        MultistreamSelect listener = MultistreamSelect.listener(Set.of("/noise"));
        ByteBuf toListener = Unpooled.buffer();
        ByteBuf toDialer = Unpooled.buffer();
        dialer.start(toListener);
        listener.start(toDialer);
        Optional<String> d = Optional.empty();
        Optional<String> l = Optional.empty();
        for (int i = 0; i < 10 && (d.isEmpty() || l.isEmpty()); i++) {
            l = listener.receive(toListener, toDialer);
            d = dialer.receive(toDialer, toListener);
        }
        assertEquals("/noise", d.orElseThrow());
        assertEquals("/noise", l.orElseThrow());
    }

    @Test
    void bytesAfterSelectionAreLeftUnread() throws Exception {
        MultistreamSelect listener = MultistreamSelect.listener(Set.of("/p"));
        ByteBuf in = Unpooled.buffer();
        MultistreamSelect.writeMessage(in, MultistreamSelect.HEADER);
        MultistreamSelect.writeMessage(in, "/p");
        in.writeBytes("payload".getBytes(StandardCharsets.UTF_8));
        assertEquals("/p", listener.receive(in, Unpooled.buffer()).orElseThrow());
        assertEquals("payload", in.toString(StandardCharsets.UTF_8));
    }

    @Test
    void partialMessagesWait() throws Exception {
        MultistreamSelect listener = MultistreamSelect.listener(Set.of("/p"));
        ByteBuf all = Unpooled.buffer();
        MultistreamSelect.writeMessage(all, MultistreamSelect.HEADER);
        ByteBuf part = all.readRetainedSlice(5);
        assertTrue(listener.receive(part, Unpooled.buffer()).isEmpty());
    }

    @Test
    void garbageHeaderFails() {
        ByteBuf in = Unpooled.wrappedBuffer("\u0006GET /\n".getBytes(StandardCharsets.ISO_8859_1));
        MultistreamException e = assertThrows(MultistreamException.class,
                () -> MultistreamSelect.listener(Set.of("/p")).receive(in, Unpooled.buffer()));
        assertTrue(e.getMessage().contains("expected multistream header"), e.getMessage());
    }

    @Test
    void oversizedMessageFails() {
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, 0x03});
        assertThrows(MultistreamException.class, () -> MultistreamSelect.listener(Set.of("/p")).receive(in, Unpooled.buffer()));
    }

    @Test
    void listenerGivesUpAfterTooManyProposals() throws Exception {
        MultistreamSelect listener = MultistreamSelect.listener(Set.of("/p"));
        ByteBuf in = Unpooled.buffer();
        MultistreamSelect.writeMessage(in, MultistreamSelect.HEADER);
        for (int i = 0; i <= MultistreamSelect.MAX_ATTEMPTS; i++) {
            MultistreamSelect.writeMessage(in, "/nope/" + i);
        }
        assertThrows(MultistreamException.class, () -> listener.receive(in, Unpooled.buffer()));
    }

    @Test
    void dialerFailsWhenNothingIsSupported() throws Exception {
        MultistreamSelect dialer = MultistreamSelect.dialer(List.of("/a"));
        dialer.start(Unpooled.buffer());
        ByteBuf in = Unpooled.buffer();
        MultistreamSelect.writeMessage(in, MultistreamSelect.HEADER);
        MultistreamSelect.writeMessage(in, "na");
        assertThrows(MultistreamException.class, () -> dialer.receive(in, Unpooled.buffer()));
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }
}
