package io.rhizome.transport.libp2p.internal;

import io.netty.buffer.ByteBuf;
import io.rhizome.transport.libp2p.internal.yamux.StreamHandler;
import io.rhizome.transport.libp2p.internal.yamux.YamuxStream;

/** /ipfs/ping/1.0.0: echo every byte back; the dialer sends 32 random bytes and times the echo. */
final class PingProtocol implements StreamProtocol {

    static final String ID = "/ipfs/ping/1.0.0";
    static final int SIZE = 32;

    @Override
    public StreamHandler accept(Libp2pConnection connection, YamuxStream stream) {
        return new StreamHandler() {
            @Override
            public void onData(YamuxStream s, ByteBuf data) {
                s.write(data.retainedDuplicate());
            }

            @Override
            public void onRemoteClose(YamuxStream s) {
                s.closeWrite();
            }
        };
    }
}
