package io.rhizome.policy.enterprise.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.rhizome.policy.enterprise.internal.statement.Role;
import io.rhizome.policy.enterprise.internal.statement.Statement;
import io.rhizome.policy.enterprise.internal.statement.StatementCodec;
import io.rhizome.policy.enterprise.tests.DeviceKeys;
import io.rhizome.policy.enterprise.tests.Signer;

/** Making statements: a refused request (bad input, no right to it) publishes nothing and says why. */
class OrgAdminTest {

    /** One device's book and admin; published statements go into a shared list ("the namespace"). */
    private static final class Device {
        final Signer id = new Signer();
        final OrgBook book = new OrgBook(DeviceKeys.CHECK, r -> { }, () -> 1);
        final OrgAdmin admin;

        Device(List<Statement> namespace) {
            admin = new OrgAdmin(book, id.device(), m -> id.key().sign(m), s -> {
                namespace.add(s);
                sync(namespace);
            }, () -> 5);
        }

        void sync(List<Statement> namespace) {
            ArrayNode all = JsonNodeFactory.instance.arrayNode();
            namespace.forEach(s -> all.add(StatementCodec.toJson(s)));
            book.ingest(all);
        }
    }

    @Test
    void anAdminBuildsTheOrganisationAndANonAdminIsRefusedWithNothingPublished() {
        List<Statement> ns = new ArrayList<>();
        Device alice = new Device(ns);
        Device bob = new Device(ns);
        alice.admin.create("acme", "alice");
        alice.admin.setMember("bob", "member", List.of("hr"));
        alice.admin.addDevice("bob", bob.id.device());
        alice.admin.grant("acme.hr.*", "team:hr", true);
        bob.sync(ns);
        assertEquals(Role.MEMBER, bob.book.organisation().orElseThrow().memberOf(bob.id.device()).orElseThrow().role());
        int before = ns.size();

        IllegalArgumentException grant = assertThrows(IllegalArgumentException.class, () -> bob.admin.grant("*", "team:hr", true));
        assertTrue(grant.getMessage().contains("not a device of an admin"), grant.getMessage());
        IllegalArgumentException promote = assertThrows(IllegalArgumentException.class, () -> bob.admin.setMember("bob", "admin", List.of()));
        assertTrue(promote.getMessage().contains("self-promotion"), promote.getMessage());
        IllegalArgumentException role = assertThrows(IllegalArgumentException.class, () -> alice.admin.setMember("erin", "boss", List.of()));
        assertTrue(role.getMessage().startsWith("unknown role 'boss'"), role.getMessage());
        IllegalArgumentException pattern = assertThrows(IllegalArgumentException.class, () -> alice.admin.grant("acme.*.x", "team:hr", false));
        assertTrue(pattern.getMessage().startsWith("malformed namespace pattern"), pattern.getMessage());
        IllegalArgumentException revoke = assertThrows(IllegalArgumentException.class, () -> alice.admin.revoke("acme.eng.*", "team:eng"));
        assertTrue(revoke.getMessage().startsWith("no ACL entry"), revoke.getMessage());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () -> alice.admin.create("other", "alice"));
        assertTrue(again.getMessage().contains("already belongs to organisation 'acme'"), again.getMessage());
        assertThrows(IllegalArgumentException.class, () -> alice.admin.removeMember("nobody"));
        assertEquals(before, ns.size(), "nothing was published by the refused requests");

        alice.admin.revoke("acme.hr.*", "team:hr");
        alice.admin.removeMember("bob");
        bob.sync(ns);
        assertTrue(bob.book.organisation().orElseThrow().memberOf(bob.id.device()).isEmpty());
    }

    @Test
    void aDeviceOfNoOrganisationIsToldToCreateOneOrPair() {
        Device lone = new Device(new ArrayList<>());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lone.admin.grant("*", "team:hr", true));
        assertTrue(e.getMessage().contains("rhizome org create"), e.getMessage());
    }
}
