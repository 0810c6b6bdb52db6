package io.rhizome.testsupport.store;

/**
 * Kept so the reactor's own test bundles compile unchanged: the suite itself now ships in the
 * SDK's {@code io.rhizome.conformance} bundle, where third-party plugin tests get it.
 */
public abstract class MetadataSpaceConformance extends io.rhizome.conformance.store.MetadataSpaceConformance {
}
