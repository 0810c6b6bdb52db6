package io.rhizome.crdt.tests.conformance;

/**
 * Kept so the reactor's own test bundles compile unchanged: the suite itself now ships in the
 * SDK's {@code io.rhizome.conformance} bundle, where third-party plugin tests get it.
 */
public abstract class CrdtTypeConformance extends io.rhizome.conformance.crdt.CrdtTypeConformance {
}
