package io.rhizome.policy.enterprise.internal.statement;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import io.rhizome.crypto.bc.internal.BcEncryptionProvider;
import io.rhizome.fuzz.Contract;
import io.rhizome.fuzz.FuzzKeys;
import io.rhizome.fuzz.Target;
import io.rhizome.policy.enterprise.internal.OrgBook;
import io.rhizome.spi.crypto.AeadAlgorithm;

/**
 * Organisation statements, the values of the reserved namespace {@code rhizome.org} that any mesh
 * member can write and every enterprise node reads: the input is the JSON of the g-set's value (an
 * array of statements, or one statement). Each element goes through {@link StatementCodec#fromJson}
 * (documented error {@link IllegalArgumentException}); one it accepts must encode to JSON bytes and
 * decode again to the same statement (same id). The whole array then goes into a fresh
 * {@link OrgBook} (what the policy does on every change of the namespace), with a signature check
 * that lets every statement count, so that the graph's resolution runs on what the fuzzer makes:
 * nothing may escape from it. JSON that does not parse is Jackson's to refuse and counts as refused.
 */
public final class OrgStatementFuzz implements Target {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Contract CONTRACT = Contract.typed(IllegalArgumentException.class, IOException.class);

    public static void fuzzerTestOneInput(byte[] input) {
        JsonNode[] tree = new JsonNode[1];
        if (!CONTRACT.check(input, () -> tree[0] = JSON.readTree(input)) || tree[0] == null) {
            return;
        }
        List<JsonNode> values = new ArrayList<>();
        if (tree[0].isArray()) {
            tree[0].forEach(values::add);
        } else {
            values.add(tree[0]);
        }
        for (JsonNode value : values) {
            Statement[] s = new Statement[1];
            if (CONTRACT.check(input, () -> s[0] = StatementCodec.fromJson(value))) {
                roundTrip(s[0]);
            }
        }
        ArrayNode all = JSON.createArrayNode().addAll(values);
        CONTRACT.check(input, () -> new OrgBook((device, message, signature) -> true, audit -> { }, () -> 0L).ingest(all));
    }

    private static void roundTrip(Statement s) {
        Statement again;
        try {
            again = StatementCodec.fromJson(JSON.readTree(JSON.writeValueAsBytes(StatementCodec.toJson(s))));
        } catch (IOException | IllegalArgumentException e) {
            throw new Contract.Violation("an accepted statement does not decode after encoding: " + e);
        }
        if (!again.id().equals(s.id()) || !again.action().equals(s.action()) || !again.org().equals(s.org())
                || !again.signer().equals(s.signer()) || !again.seen().equals(s.seen())) {
            throw new Contract.Violation("an accepted statement decodes to another after encoding: " + s + " / " + again);
        }
    }

    @Override
    public List<byte[]> seeds() throws Exception {
        BcEncryptionProvider provider = new BcEncryptionProvider(new SecureRandom(), AeadAlgorithm.XCHACHA20_POLY1305);
        FuzzKeys admin = new FuzzKeys(provider, 1);
        FuzzKeys laptop = new FuzzKeys(provider, 2);
        String org = "acme";
        Statement genesis = signed(admin, new Statement(org, admin.deviceId(), 1, List.of(), 1000, new Action.CreateOrg("acme", "alice"), null));
        List<Statement> chain = new ArrayList<>(List.of(genesis));
        List<Action> actions = List.of(new Action.SetMember("bob", Role.MEMBER, List.of("hr", "ops")), new Action.AddDevice("bob", laptop.deviceId()),
                new Action.Grant("acme.hr.*", "team:hr", true), new Action.Revoke("acme.hr.*", "team:hr"),
                new Action.RemoveDevice(laptop.deviceId()), new Action.RemoveMember("bob"));
        for (Action a : actions) {
            Statement last = chain.get(chain.size() - 1);
            chain.add(signed(admin, new Statement(org, admin.deviceId(), chain.size() + 1, List.of(last.id()), 1000 + chain.size(), a, null)));
        }
        List<byte[]> out = new ArrayList<>();
        for (Statement s : chain) {
            out.add(JSON.writeValueAsBytes(StatementCodec.toJson(s)));
        }
        ArrayNode all = JSON.createArrayNode();
        chain.forEach(s -> all.add(StatementCodec.toJson(s)));
        out.add(JSON.writeValueAsBytes(all));
        return out;
    }

    private static Statement signed(FuzzKeys keys, Statement s) throws Exception {
        return s.signed(keys.signWithIdentity(s.signedBytes()));
    }
}
