package io.rhizome.policy.enterprise.internal.statement;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An organisation as a set of valid statements says it is at one causal point: members with
 * their role and teams, their devices, and the ACL. Immutable; built by {@link StatementGraph}.
 *
 * <p><b>Rights.</b> An admin reads and writes every namespace. Any other member reads a namespace
 * when an ACL entry for its role or one of its teams matches it, and writes it when such an entry
 * grants write; a read-only member never writes, whatever the ACL says. A device that belongs to
 * no member (never enrolled, removed, or whose member was removed) has no rights.
 *
 * @param id       the organisation's id (its genesis statement's id)
 * @param name     its name
 * @param members  member name to member
 * @param devices  device id to member name, for the devices of present members only
 * @param acl      the ACL entries in force
 */
public record Organisation(String id, String name, Map<String, Member> members, Map<String, String> devices, List<AclEntry> acl) {

    /** A member and the statement that set it. */
    public record Member(String name, Role role, List<String> teams, String statementId) {
    }

    /** An ACL entry in force and the statement that granted it. */
    public record AclEntry(String pattern, String principal, boolean write, String statementId) {
        boolean appliesTo(Member m) {
            return principal.equals("role:" + m.role().id()) || (principal.startsWith("team:") && m.teams().contains(principal.substring(5)));
        }
    }

    /** A decision and the rule that made it, as a sentence; {@code statementId} names the deciding statement when there is one. */
    public record Verdict(boolean allowed, String rule, Optional<String> statementId) {
    }

    public Organisation {
        members = Map.copyOf(members);
        devices = Map.copyOf(devices);
        acl = List.copyOf(acl);
    }

    /** The member a device belongs to, if it is enrolled. */
    public Optional<Member> memberOf(String device) {
        String m = devices.get(device);
        return m == null ? Optional.empty() : Optional.ofNullable(members.get(m));
    }

    /** Whether the device is a device of an admin (and so may sign statements). */
    public boolean isAdminDevice(String device) {
        return memberOf(device).map(m -> m.role() == Role.ADMIN).orElse(false);
    }

    /** May the device read (receive) the namespace? */
    public Verdict mayRead(String device, String namespace) {
        return decide(device, namespace, false);
    }

    /** May the device write the namespace (have its change sets accepted)? */
    public Verdict mayWrite(String device, String namespace) {
        return decide(device, namespace, true);
    }

    private Verdict decide(String device, String namespace, boolean write) {
        Optional<Member> found = memberOf(device);
        if (found.isEmpty()) {
            return new Verdict(false, "device " + device + " is not a device of any member of organisation '" + name + "'", Optional.empty());
        }
        Member m = found.get();
        if (m.role() == Role.ADMIN) {
            return new Verdict(true, "member '" + m.name() + "' is an admin", Optional.of(m.statementId()));
        }
        if (write && m.role() == Role.READ_ONLY) {
            return new Verdict(false, "member '" + m.name() + "' is read-only and may not write namespace '" + namespace + "'",
                    Optional.of(m.statementId()));
        }
        for (AclEntry e : acl) {
            if (e.appliesTo(m) && Names.matches(e.pattern(), namespace) && (!write || e.write())) {
                return new Verdict(true, "ACL entry '" + e.pattern() + "' " + (e.write() ? "write" : "read") + " for " + e.principal(),
                        Optional.of(e.statementId()));
            }
        }
        return new Verdict(false, "no ACL entry lets member '" + m.name() + "' (role " + m.role().id()
                + (m.teams().isEmpty() ? "" : ", teams " + String.join(",", m.teams())) + ") " + (write ? "write" : "read")
                + " namespace '" + namespace + "'", Optional.empty());
    }
}
