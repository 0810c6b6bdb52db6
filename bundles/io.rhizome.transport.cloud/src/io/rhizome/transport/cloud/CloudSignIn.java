package io.rhizome.transport.cloud;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A user's consent in progress for a cloud account ({@link CloudStoreFactory#signIn}): the page the
 * user opens in a browser, and a future that completes once the consent came back and the
 * credentials are stored (sealed) so that {@link CloudStoreFactory#open} can use them.
 *
 * <p><b>Failure:</b> {@link #done()} completes exceptionally with an exception whose message says
 * what went wrong and what to do (consent refused, no answer in time, the code not accepted).
 *
 * <p><b>Threading:</b> thread-safe; {@link #close()} ends a consent still waiting (its future fails).
 *
 * @since 0.1
 */
@ConsumerType
public interface CloudSignIn extends AutoCloseable {

    /** The consent page to open in a browser. */
    URI consentUri();

    /** Completes when the sign-in is stored, or fails with a sentence. */
    CompletableFuture<Void> done();

    @Override
    void close();
}
