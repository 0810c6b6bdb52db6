package io.rhizome.policy.enterprise.internal;

/**
 * The running enterprise policy's parts, for this bundle's REST resources and tests (not exported:
 * other bundles use the API).
 */
public interface OrgAccess {

    OrgBook book();

    AuditLog auditLog();

    /** @throws IllegalStateException if the node's key or sync service is not running */
    OrgAdmin admin();
}
