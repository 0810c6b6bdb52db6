package io.rhizome.hub.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.rhizome.hub.internal.HubWire.MalformedException;
import io.rhizome.hub.internal.HubWire.Op;
import io.rhizome.hub.internal.HubWire.Request;
import io.rhizome.hub.internal.HubWire.Response;
import io.rhizome.spi.store.StoreException;
import io.rhizome.transport.cloud.FileSeal;

/**
 * Answers hub requests. It never opens what it stores (it holds no mesh key); what it checks,
 * for every request, with the device id the transport authenticated:
 * <ul>
 * <li><b>trust</b>: the device is a member ({@link HubMembers}) and not revoked — else only a
 * claim with the right code is heard;</li>
 * <li><b>signature</b>: a write, delete or membership change is signed by that device over the
 * operation, this hub, a counter that only grows, the path and the bytes' SHA-256 — one changed
 * bit, another hub, a replay, and it is refused and nothing is stored;</li>
 * <li><b>policy</b>: a device writes and deletes only in its own folder (the cloud layout's hash
 * of its id), and reads only the top of each device's folder (its manifest) and the channels
 * written by it or for it — so each device gets exactly what its peers' engines, which apply the
 * mesh's sync policy, wrote for it.</li>
 * </ul>
 */
public final class HubServer {

    private static final Logger LOG = LoggerFactory.getLogger(HubServer.class);
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final String hubId;
    private final HubFiles files;
    private final HubMembers members;
    private final AtomicLong refusals = new AtomicLong();

    public HubServer(String hubId, HubFiles files, HubMembers members) {
        this.hubId = hubId;
        this.files = files;
        this.members = members;
    }

    /** How many requests were refused since start. */
    public long refusals() {
        return refusals.get();
    }

    public byte[] handle(String device, byte[] message) {
        Response r;
        try {
            r = answer(device, HubWire.decodeRequest(message));
        } catch (MalformedException e) {
            r = Response.refused(e.getMessage());
        } catch (StoreException e) {
            LOG.warn("hub: storage failed for a request of {}: {}", device, e.getMessage());
            r = Response.refused("the hub cannot reach its store now (" + e.getMessage() + "); try again later");
        }
        if (r.status() == HubWire.Status.REFUSED) {
            refusals.incrementAndGet();
            LOG.info("hub: refused a request of {}: {}", device, r.message());
        }
        return HubWire.encode(r);
    }

    Response answer(String device, Request q) throws StoreException, MalformedException {
        if (q.op() == Op.MEMBERS_PUT && !members.isTrusted(device)) {
            return claim(device, q);
        }
        if (members.isRevoked(device)) {
            return Response.refused("device " + device + " was revoked from the mesh; the hub serves it no more");
        }
        if (!members.isTrusted(device)) {
            return Response.refused("device " + device + " is not a member this hub serves; claim the hub with its code, or have a member device add the hub after pairing");
        }
        if (q.op().signed()) {
            Optional<Response> bad = checkSignature(device, q);
            if (bad.isPresent()) {
                return bad.get();
            }
        }
        String mine = FileSeal.folderOf(device);
        switch (q.op()) {
            case LIST:
                if (!readable(mine, q.folder())) {
                    return Response.refused("device " + device + " may not list " + q.folder());
                }
                return Response.ok(HubWire.strings(files.list(q.folder())));
            case READ:
                if (!readable(mine, q.folder()) || !PLAIN.matcher(q.name()).matches()) {
                    return Response.refused("device " + device + " may not read " + q.folder() + "/" + q.name());
                }
                // a part from offset `counter` and the whole length (as the message): a device takes at most
                // 256 KiB in one message from a hub it does not trust as a device, so it reads a file in parts
                Optional<byte[]> file = files.read(q.folder(), q.name());
                if (file.isEmpty()) {
                    return new Response(HubWire.Status.NOT_FOUND, q.folder() + "/" + q.name() + " is not on the hub", new byte[0]);
                }
                byte[] all = file.get();
                if (q.counter() < 0 || q.counter() > all.length) {
                    return Response.refused("offset " + q.counter() + " is outside " + q.folder() + "/" + q.name() + " (" + all.length + " bytes)");
                }
                int from = (int) q.counter();
                return new Response(HubWire.Status.OK, Integer.toString(all.length),
                        java.util.Arrays.copyOfRange(all, from, Math.min(all.length, from + HubWire.READ_PART)));
            case WRITE:
            case DELETE:
                if (!writable(mine, q.folder()) || !PLAIN.matcher(q.name()).matches()) {
                    return Response.refused("device " + device + " may write only in its own folder " + mine + ", not " + q.folder() + "/" + q.name());
                }
                if (q.op() == Op.WRITE) {
                    files.write(q.folder(), q.name(), q.body());
                } else {
                    files.delete(q.folder(), q.name());
                }
                return Response.ok(new byte[0]);
            case MEMBERS_GET:
                return Response.ok(HubWire.strings(new ArrayList<>(members.trusted())));
            case MEMBERS_PUT:
                List<String> add = new ArrayList<>();
                List<String> revoke = new ArrayList<>();
                for (String s : HubWire.strings(q.body())) {
                    if (s.startsWith("+") && Ed25519.publicKey(s.substring(1)).isPresent()) {
                        add.add(s.substring(1));
                    } else if (s.startsWith("-") && Ed25519.publicKey(s.substring(1)).isPresent()) {
                        revoke.add(s.substring(1));
                    } else if (!s.startsWith("=")) {
                        return Response.refused("'" + s + "' is not a membership entry (+DEVICE, -DEVICE or =CODE)");
                    }
                }
                if (revoke.contains(device)) {
                    return Response.refused("a device cannot revoke itself on the hub");
                }
                members.update(add, revoke);
                return Response.ok(new byte[0]);
            default:
                return Response.refused("unknown operation " + q.op());
        }
    }

    private Response claim(String device, Request q) throws StoreException, MalformedException {
        // a stranger's counter is not kept (it would let anyone fill the store); a replayed claim is harmless: a code claims once
        if (!Ed25519.verify(device, HubWire.signedBytes(hubId, q.op(), q.counter(), q.folder(), q.name(), q.body()), q.signature())) {
            return Response.refused("the signature of the claim does not verify with the key of device " + device + "; nothing changed");
        }
        String code = null;
        List<String> add = new ArrayList<>();
        for (String s : HubWire.strings(q.body())) {
            if (s.startsWith("=")) {
                code = s.substring(1);
            } else if (s.startsWith("+") && Ed25519.publicKey(s.substring(1)).isPresent()) {
                add.add(s.substring(1));
            }
        }
        if (code == null) {
            return Response.refused("device " + device + " is not a member this hub serves; claim the hub with its code, or have a member device add the hub after pairing");
        }
        if (!members.claim(device, code, add)) {
            return Response.refused("the claim code is wrong, or the hub was claimed already (then a member device must add this one)");
        }
        LOG.info("hub: claimed by {} with {} member(s)", device, add.size());
        return Response.ok(new byte[0]);
    }

    private Optional<Response> checkSignature(String device, Request q) throws StoreException {
        byte[] signed = HubWire.signedBytes(hubId, q.op(), q.counter(), q.folder(), q.name(), q.body());
        if (!Ed25519.verify(device, signed, q.signature())) {
            return Optional.of(Response.refused("the signature of " + q.op() + " " + q.folder() + "/" + q.name()
                    + " does not verify with the key of device " + device + " (altered on the way, or signed for another hub); nothing was stored"));
        }
        if (!members.advance(device, q.counter())) {
            return Optional.of(Response.refused("request " + q.counter() + " of device " + device + " is not newer than one the hub already took (a replay); nothing was stored"));
        }
        return Optional.empty();
    }

    /** The top of any device's folder (its manifest), and the channels written by or for {@code mine}. */
    private static boolean readable(String mine, String folder) {
        String[] parts = folder.split("/", -1);
        if (parts.length == 1) {
            return PLAIN.matcher(parts[0]).matches();
        }
        return parts.length == 2 && PLAIN.matcher(parts[0]).matches() && PLAIN.matcher(parts[1]).matches()
                && (parts[0].equals(mine) || parts[1].equals(mine));
    }

    private static boolean writable(String mine, String folder) {
        return folder.equals(mine) || (folder.startsWith(mine + "/") && readable(mine, folder));
    }
}
