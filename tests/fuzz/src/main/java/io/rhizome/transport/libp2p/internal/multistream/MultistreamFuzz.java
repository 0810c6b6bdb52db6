package io.rhizome.transport.libp2p.internal.multistream;

import java.util.List;
import java.util.Set;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.Target;

/**
 * multistream-select 1.0 as the remote speaks it, whose documented error is
 * {@link MultistreamException}. The first input byte picks the local side (even: listener, odd:
 * dialer) and how the rest arrives: in chunks of 1 to 16 bytes (the byte's bits 1 to 4), as TCP may
 * cut it. Whatever arrives, the negotiation must end, wait for more, or fail with the typed error;
 * and what it writes back stays bounded.
 */
public final class MultistreamFuzz implements Target {

    private static final Contract CONTRACT = Contract.typed(MultistreamException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean dialer = (input[0] & 1) != 0;
        int chunk = 1 + ((input[0] >> 1) & 0x0F);
        CONTRACT.check(input, () -> {
            MultistreamSelect m = dialer ? MultistreamSelect.dialer(List.of("/rhizome/sync/1.0.0", "/ipfs/id/1.0.0"))
                    : MultistreamSelect.listener(Set.of("/rhizome/sync/1.0.0", "/yamux/1.0.0"));
            ByteBuf in = Unpooled.buffer();
            ByteBuf out = Unpooled.buffer();
            m.start(out);
            for (int pos = 1; pos < input.length && m.selected().isEmpty(); pos += chunk) {
                in.writeBytes(input, pos, Math.min(chunk, input.length - pos));
                m.receive(in, out);
                in.discardReadBytes();
            }
        });
    }

    @Override
    public List<byte[]> seeds() {
        ByteBuf listenerSide = Unpooled.buffer();
        listenerSide.writeByte(0);
        MultistreamSelect.writeMessage(listenerSide, "/multistream/1.0.0");
        MultistreamSelect.writeMessage(listenerSide, "ls");
        MultistreamSelect.writeMessage(listenerSide, "/other/1.0.0");
        MultistreamSelect.writeMessage(listenerSide, "/rhizome/sync/1.0.0");
        ByteBuf dialerSide = Unpooled.buffer();
        dialerSide.writeByte(0x1F);
        MultistreamSelect.writeMessage(dialerSide, "/multistream/1.0.0");
        MultistreamSelect.writeMessage(dialerSide, "na");
        MultistreamSelect.writeMessage(dialerSide, "/ipfs/id/1.0.0");
        return List.of(bytes(listenerSide), bytes(dialerSide));
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }
}
