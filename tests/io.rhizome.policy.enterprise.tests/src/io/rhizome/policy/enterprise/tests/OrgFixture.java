package io.rhizome.policy.enterprise.tests;

import java.util.List;

import io.rhizome.policy.enterprise.internal.statement.Action;
import io.rhizome.policy.enterprise.internal.statement.Role;

/**
 * The organisation of the scenario: admin alice; bob (member, team hr); carol (member,
 * team eng); dave (read-only, team hr). ACL: team hr writes acme.hr.*, team eng writes acme.eng.*.
 */
public final class OrgFixture {

    public final Signer admin = new Signer();
    public final Signer hr = new Signer();
    public final Signer eng = new Signer();
    public final Signer reader = new Signer();

    public OrgFixture standard() {
        admin.sign(new Action.CreateOrg("acme", "alice"));
        enrol("bob", Role.MEMBER, "hr", hr);
        enrol("carol", Role.MEMBER, "eng", eng);
        enrol("dave", Role.READ_ONLY, "hr", reader);
        admin.sign(new Action.Grant("acme.hr.*", "team:hr", true));
        admin.sign(new Action.Grant("acme.eng.*", "team:eng", true));
        return this;
    }

    private void enrol(String member, Role role, String team, Signer device) {
        admin.sign(new Action.SetMember(member, role, List.of(team)));
        admin.sign(new Action.AddDevice(member, device.device()));
    }
}
