package io.rhizome.policy.enterprise.internal.statement;

import java.util.regex.Pattern;

/** The syntax of member and team names, and of namespace patterns in ACL entries. */
public final class Names {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]+");

    private Names() {
    }

    /** @throws IllegalArgumentException unless {@code name} is a valid member or team name */
    public static String checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid " + what + " name: use 1 to 64 lower-case letters, "
                    + "digits, '-' or '_', starting with a letter or digit");
        }
        return name;
    }

    /**
     * Checks an ACL pattern: {@code *} (every namespace), an exact name ({@code acme.hr}), or a
     * name followed by {@code .*} ({@code acme.hr.*}: every namespace below {@code acme.hr}).
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong
     */
    public static String checkPattern(String pattern) {
        if ("*".equals(pattern)) {
            return pattern;
        }
        String base = pattern != null && pattern.endsWith(".*") ? pattern.substring(0, pattern.length() - 2) : pattern;
        if (base == null || base.isEmpty() || base.startsWith(".") || base.endsWith(".") || base.contains("..")) {
            throw new IllegalArgumentException(malformed(pattern));
        }
        for (String segment : base.split("\\.")) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException(malformed(pattern));
            }
        }
        return pattern;
    }

    private static String malformed(String pattern) {
        return "malformed namespace pattern '" + pattern + "': use '*', a namespace name such as 'acme.hr', or a name "
                + "followed by '.*' such as 'acme.hr.*' (a '*' is allowed only as the last segment)";
    }

    /** Whether {@code namespace} matches a pattern accepted by {@link #checkPattern}. */
    public static boolean matches(String pattern, String namespace) {
        if ("*".equals(pattern)) {
            return true;
        }
        if (pattern.endsWith(".*")) {
            return namespace.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(namespace);
    }

    /**
     * Checks a principal of an ACL entry: {@code role:<role>} or {@code team:<team>}.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong
     */
    public static String checkPrincipal(String principal) {
        if (principal != null && principal.startsWith("role:")) {
            return "role:" + Role.parse(principal.substring(5)).id();
        }
        if (principal != null && principal.startsWith("team:")) {
            return "team:" + checkName("team", principal.substring(5));
        }
        throw new IllegalArgumentException("'" + principal + "' names no one: an ACL entry is for 'role:<role>' or 'team:<team>'");
    }
}
