package io.rhizome.hub.internal;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.rhizome.hub.internal.HubWire.MalformedException;
import io.rhizome.hub.internal.HubWire.Op;
import io.rhizome.hub.internal.HubWire.Request;
import io.rhizome.hub.internal.HubWire.Response;
import io.rhizome.spi.crypto.CryptoException;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.transport.MessageReceiver;
import io.rhizome.spi.transport.PeerLink;
import io.rhizome.spi.transport.ProtocolChannels;

/**
 * A device's channel to one hub: one request at a time, answered within {@link #TIMEOUT_SECONDS};
 * the channel is opened on first use and again after it closed. Signed requests carry a counter
 * above every earlier one of this device (microseconds of the wall clock, or one more than the
 * last), which the hub requires to grow.
 */
public final class HubClient implements AutoCloseable {

    static final int TIMEOUT_SECONDS = 30;
    private static final Object CLOSED = new Object();

    private final ProtocolChannels channels;
    private final KeyService keys;
    private final String address;
    private PeerLink link;
    private BlockingQueue<Object> answers;
    private long lastCounter;

    public HubClient(ProtocolChannels channels, KeyService keys, String address) {
        this.channels = channels;
        this.keys = keys;
        this.address = address;
    }

    /** The hub's device id, as the transport authenticated it (after a first request). */
    public synchronized Optional<String> hubId() {
        return link == null ? Optional.empty() : Optional.of(link.remotePeerId());
    }

    public synchronized Response call(Op op, String folder, String name, byte[] body) throws IOException {
        return call(op, 0, folder, name, body);
    }

    /** A whole file, read in parts of at most {@link HubWire#READ_PART} bytes; NOT_FOUND as the hub answered it. */
    public synchronized Response readWhole(String folder, String name) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int part = 0; part < 1 + HubWire.MAX_BODY / HubWire.READ_PART; part++) {
            Response r = call(Op.READ, out.size(), folder, name, new byte[0]);
            if (r.status() != HubWire.Status.OK) {
                if (r.status() == HubWire.Status.REFUSED) {
                    throw new RefusedException("the hub refused READ " + folder + "/" + name + ": " + r.message());
                }
                return r;
            }
            long total;
            try {
                total = Long.parseLong(r.message());
            } catch (NumberFormatException e) {
                throw new IOException("the hub answered a read of " + folder + "/" + name + " without its length");
            }
            out.writeBytes(r.body());
            if (out.size() >= total || r.body().length == 0) {
                return Response.ok(out.toByteArray());
            }
        }
        throw new IOException(folder + "/" + name + " on the hub is longer than " + HubWire.MAX_BODY + " bytes");
    }

    private Response call(Op op, long offset, String folder, String name, byte[] body) throws IOException {
        PeerLink l = open();
        long counter = offset;
        byte[] signature = new byte[0];
        if (op.signed()) {
            counter = Math.max(lastCounter + 1, System.currentTimeMillis() * 1000);
            lastCounter = counter;
            try {
                signature = keys.signWithIdentity(HubWire.signedBytes(l.remotePeerId(), op, counter, folder, name, body));
            } catch (CryptoException e) {
                throw new IOException("cannot sign a request to the hub: " + e.getMessage(), e);
            }
        }
        answers.clear();
        try {
            l.send(HubWire.encode(new Request(op, counter, folder, name, body, signature))).toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Object a = answers.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (a == null || a == CLOSED) {
                drop();
                throw new IOException(a == null ? "the hub at " + address + " did not answer within " + TIMEOUT_SECONDS + " s" : "the hub at " + address + " closed the channel");
            }
            return HubWire.decodeResponse((byte[]) a);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drop();
            throw new IOException("interrupted while waiting for the hub", e);
        } catch (ExecutionException | TimeoutException e) {
            drop();
            throw new IOException("cannot send to the hub at " + address + ": " + e.getMessage(), e);
        } catch (MalformedException e) {
            drop();
            throw new IOException("the hub at " + address + " answered with bad bytes: " + e.getMessage(), e);
        }
    }

    /** Like {@link #call}, but a refusal is an {@link IOException} with the hub's sentence. */
    public Response expect(Op op, String folder, String name, byte[] body) throws IOException {
        Response r = call(op, folder, name, body);
        if (r.status() == HubWire.Status.REFUSED) {
            throw new RefusedException("the hub refused " + op + " " + folder + (name.isEmpty() ? "" : "/" + name) + ": " + r.message());
        }
        return r;
    }

    /** The hub answered, and refused (as opposed to: it could not be reached). */
    public static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }

    private PeerLink open() throws IOException {
        if (link != null && link.isOpen()) {
            return link;
        }
        drop();
        try {
            PeerLink l = channels.open(address, HubWire.PROTOCOL).toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            BlockingQueue<Object> q = new LinkedBlockingQueue<>();
            l.receiver(new MessageReceiver() {
                @Override
                public void message(PeerLink from, byte[] message) {
                    q.add(message);
                }

                @Override
                public void closed(PeerLink from, Optional<Throwable> cause) {
                    q.add(CLOSED);
                }
            });
            link = l;
            answers = q;
            return l;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reaching the hub", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new IOException("cannot reach the hub at " + address + ": " + c.getMessage(), e);
        }
    }

    private void drop() {
        if (link != null) {
            link.close();
            link = null;
        }
    }

    @Override
    public synchronized void close() {
        drop();
    }
}
