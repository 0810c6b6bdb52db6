package io.rhizome.testsupport.transport;

/**
 * Kept so the reactor's own test bundles compile unchanged: the suite itself now ships in the
 * SDK's {@code io.rhizome.conformance} bundle, where third-party plugin tests get it.
 */
public abstract class TransportConformanceSuite extends io.rhizome.conformance.transport.TransportConformanceSuite {
}
