package io.rhizome.transport.cloud.gdrive;

import java.net.URI;

/**
 * Where the node talks to Google, and as which OAuth client. An installed app's client id and
 * secret come from the user's own Google Cloud project ("Desktop app" OAuth client); Google
 * treats that secret as not confidential, which is why the flow also uses PKCE.
 *
 * @param authorization the consent page ({@code https://accounts.google.com/o/oauth2/v2/auth})
 * @param token         the token endpoint ({@code https://oauth2.googleapis.com/token})
 * @param api           the Drive API root ({@code https://www.googleapis.com})
 */
public record GoogleEndpoints(URI authorization, URI token, URI api, String clientId, String clientSecret) {

    public static final URI GOOGLE_AUTHORIZATION = URI.create("https://accounts.google.com/o/oauth2/v2/auth");
    public static final URI GOOGLE_TOKEN = URI.create("https://oauth2.googleapis.com/token");
    public static final URI GOOGLE_API = URI.create("https://www.googleapis.com");
    /** Files the app made, and its hidden app-data folder: no access to the user's other files. */
    public static final String SCOPE = "https://www.googleapis.com/auth/drive.file https://www.googleapis.com/auth/drive.appdata";
}
