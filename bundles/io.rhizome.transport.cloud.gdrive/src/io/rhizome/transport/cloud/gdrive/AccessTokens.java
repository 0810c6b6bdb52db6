package io.rhizome.transport.cloud.gdrive;

import java.io.IOException;

/**
 * Where Drive requests get their OAuth 2.0 bearer token. {@link #current} may answer from memory;
 * {@link #refresh} is called after a 401 and must fetch a new one (from the refresh token).
 * Thread-safe.
 */
public interface AccessTokens {

    String current() throws IOException;

    String refresh() throws IOException;
}
