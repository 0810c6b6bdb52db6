package io.rhizome.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An enterprise organisation as this device counts it, and the statements an admin makes: members
 * and their devices, roles, teams and per-namespace rights. Provided by an enterprise policy bundle
 * ({@code io.rhizome.policy.enterprise}); absent when none is installed. Every change is an
 * admin-signed statement that travels to every device and is verified by each.
 *
 * <p><b>Threading:</b> thread-safe. <b>Failure:</b> a request that is malformed or would not count
 * (an unknown role, a malformed namespace pattern, a device that is not an admin's, a member that
 * does not exist) throws {@link IllegalArgumentException} with a sentence a person can act on, and
 * publishes nothing; {@link IllegalStateException} when the node's key or sync service is not
 * running.
 *
 * @since 0.1
 */
@ProviderType
public interface OrganisationService {

    /**
     * The organisation: {@code {"organisation":{"id","name"}|null,"device","member"|null,"role"|null,
     * "members":[{"name","role","teams":[],"devices":[],"statement"}],
     * "acl":[{"namespace","principal","access":"read"|"write","statement"}],"statements":N,
     * "rejected":[{"statement","signer","reason"}]}}.
     */
    JsonNode show();

    /** Creates an organisation with this device as the genesis admin, of member {@code member}. */
    JsonNode create(String name, String member);

    /** Adds a member, or sets its role and teams; with {@code device}, enrols that device id as the member's. */
    JsonNode setMember(String name, String role, List<String> teams, Optional<String> device);

    /** Removes a member and every device of it. */
    JsonNode removeMember(String name);

    /** Lets {@code principal} ({@code role:R} or {@code team:T}) read, and if {@code write} write, the namespaces {@code pattern} matches. */
    JsonNode grant(String principal, String pattern, boolean write);

    /** Withdraws the ACL entry of {@code principal} for {@code pattern}. */
    JsonNode revoke(String principal, String pattern);

    /**
     * The audit log from {@code since} on, oldest first: {@code {"time","device","member","namespace",
     * "decision","rule","statement"}} per record.
     */
    List<JsonNode> audit(Instant since);
}
