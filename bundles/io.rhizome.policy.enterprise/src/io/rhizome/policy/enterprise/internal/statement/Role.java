package io.rhizome.policy.enterprise.internal.statement;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A member's role in an organisation, ordered by the rights it carries: a concurrent conflict
 * between two role assignments resolves to the lower one (see {@link StatementGraph}).
 */
public enum Role {
    /** Reads what the ACL lets its role or teams read; never writes, whatever the ACL says. */
    READ_ONLY("read-only"),
    /** Reads and writes what the ACL lets its role or teams read and write. */
    MEMBER("member"),
    /** Reads and writes every namespace, and signs statements (grants, members, ACL). */
    ADMIN("admin");

    private final String id;

    Role(String id) {
        this.id = id;
    }

    /** The name used in statements, the REST API and the CLI. */
    public String id() {
        return id;
    }

    /** @throws IllegalArgumentException with a sentence naming the known roles */
    public static Role parse(String s) {
        for (Role r : values()) {
            if (r.id.equals(s == null ? null : s.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + s + "'; a role is one of "
                + Arrays.stream(values()).map(Role::id).collect(Collectors.joining(", ")));
    }
}
