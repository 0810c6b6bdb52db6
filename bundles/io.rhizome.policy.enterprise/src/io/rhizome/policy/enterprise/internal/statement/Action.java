package io.rhizome.policy.enterprise.internal.statement;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a statement says. Each action touches one <i>register</i> (a member, a device, or one ACL
 * entry {@code pattern|principal}); concurrent statements on the same register are resolved by
 * {@link StatementGraph} (a lowering action — removal or revocation — wins, then the lower role or
 * the narrower right, then the smaller statement id).
 */
public sealed interface Action {

    /** The register this action sets. */
    String register();

    /** Whether the action takes rights away (removal, revocation): it wins a concurrent conflict. */
    boolean lowers();

    /** The action's kind and fields, in a fixed order, for the signed bytes and the JSON form. */
    List<String> fields();

    /** The genesis statement: creates the organisation, its first member (an admin) and the signer as that member's device. */
    record CreateOrg(String name, String member) implements Action {
        public CreateOrg {
            Names.checkName("organisation", name);
            Names.checkName("member", member);
        }

        @Override
        public String register() {
            return "org";
        }

        @Override
        public boolean lowers() {
            return false;
        }

        @Override
        public List<String> fields() {
            return List.of("org.create", name, member);
        }
    }

    /** Adds a member, or sets an existing member's role and teams (promotion to admin is delegation). */
    record SetMember(String member, Role role, List<String> teams) implements Action {
        public SetMember {
            Names.checkName("member", member);
            Objects.requireNonNull(role, "role");
            teams = List.copyOf(teams);
            teams.forEach(t -> Names.checkName("team", t));
        }

        @Override
        public String register() {
            return "member:" + member;
        }

        @Override
        public boolean lowers() {
            return false;
        }

        @Override
        public List<String> fields() {
            List<String> f = new ArrayList<>(List.of("member.set", member, role.id()));
            f.addAll(teams);
            return f;
        }
    }

    /** Removes a member, and with it every device of the member. */
    record RemoveMember(String member) implements Action {
        public RemoveMember {
            Names.checkName("member", member);
        }

        @Override
        public String register() {
            return "member:" + member;
        }

        @Override
        public boolean lowers() {
            return true;
        }

        @Override
        public List<String> fields() {
            return List.of("member.remove", member);
        }
    }

    /** Enrols a device (by its device id) as a device of a member. */
    record AddDevice(String member, String device) implements Action {
        public AddDevice {
            Names.checkName("member", member);
            checkDevice(device);
        }

        @Override
        public String register() {
            return "device:" + device;
        }

        @Override
        public boolean lowers() {
            return false;
        }

        @Override
        public List<String> fields() {
            return List.of("device.add", member, device);
        }
    }

    /** Removes one device from the organisation (its member stays). */
    record RemoveDevice(String device) implements Action {
        public RemoveDevice {
            checkDevice(device);
        }

        @Override
        public String register() {
            return "device:" + device;
        }

        @Override
        public boolean lowers() {
            return true;
        }

        @Override
        public List<String> fields() {
            return List.of("device.remove", device);
        }
    }

    /** An ACL entry: the principal ({@code role:R} or {@code team:T}) may read, and if {@code write} also write, the namespaces the pattern matches. */
    record Grant(String pattern, String principal, boolean write) implements Action {
        public Grant {
            Names.checkPattern(pattern);
            principal = Names.checkPrincipal(principal);
        }

        @Override
        public String register() {
            return "acl:" + pattern + "|" + principal;
        }

        @Override
        public boolean lowers() {
            return false;
        }

        @Override
        public List<String> fields() {
            return List.of("acl.grant", pattern, principal, write ? "write" : "read");
        }
    }

    /** Withdraws the ACL entry of the principal for the pattern. */
    record Revoke(String pattern, String principal) implements Action {
        public Revoke {
            Names.checkPattern(pattern);
            principal = Names.checkPrincipal(principal);
        }

        @Override
        public String register() {
            return "acl:" + pattern + "|" + principal;
        }

        @Override
        public boolean lowers() {
            return true;
        }

        @Override
        public List<String> fields() {
            return List.of("acl.revoke", pattern, principal);
        }
    }

    /**
     * The action of {@link #fields()}.
     *
     * @throws IllegalArgumentException if the fields are not an action
     */
    static Action of(List<String> f) {
        if (f.isEmpty()) {
            throw new IllegalArgumentException("a statement names no action");
        }
        String kind = f.get(0);
        try {
            return switch (kind) {
                case "org.create" -> {
                    arity(f, 3);
                    yield new CreateOrg(f.get(1), f.get(2));
                }
                case "member.set" -> new SetMember(f.get(1), Role.parse(f.get(2)), f.subList(3, f.size()));
                case "member.remove" -> {
                    arity(f, 2);
                    yield new RemoveMember(f.get(1));
                }
                case "device.add" -> {
                    arity(f, 3);
                    yield new AddDevice(f.get(1), f.get(2));
                }
                case "device.remove" -> {
                    arity(f, 2);
                    yield new RemoveDevice(f.get(1));
                }
                case "acl.grant" -> {
                    arity(f, 4);
                    if (!f.get(3).equals("read") && !f.get(3).equals("write")) {
                        throw new IllegalArgumentException("an ACL grant is 'read' or 'write', not '" + f.get(3) + "'");
                    }
                    yield new Grant(f.get(1), f.get(2), f.get(3).equals("write"));
                }
                case "acl.revoke" -> {
                    arity(f, 3);
                    yield new Revoke(f.get(1), f.get(2));
                }
                default -> throw new IllegalArgumentException("unknown statement action '" + kind + "'");
            };
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("statement action '" + kind + "' lacks fields");
        }
    }

    private static void arity(List<String> f, int n) {
        if (f.size() != n) {
            throw new IllegalArgumentException("statement action '" + f.get(0) + "' has " + (f.size() - 1) + " fields, not " + (n - 1));
        }
    }

    private static void checkDevice(String device) {
        if (device == null || !device.matches("[A-Za-z0-9_-]{43}")) {
            throw new IllegalArgumentException("'" + device + "' is not a device id (43 characters of base64url, as `rhizome status` shows)");
        }
    }
}
