package io.rhizome.transport.cloud.gdrive.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.rhizome.spi.crypto.EncryptionProvider;
import io.rhizome.spi.crypto.KeyService;
import io.rhizome.spi.store.MetadataSpace;
import io.rhizome.transport.cloud.CloudSignIn;
import io.rhizome.transport.cloud.CloudStore;
import io.rhizome.transport.cloud.CloudStoreFactory;
import io.rhizome.transport.cloud.gdrive.ConsentFlow;
import io.rhizome.transport.cloud.gdrive.DriveStore;
import io.rhizome.transport.cloud.gdrive.GoogleEndpoints;
import io.rhizome.transport.cloud.gdrive.RefreshTokenSource;

/**
 * The {@code gdrive} kind: a location is {@code appDataFolder} (the app's hidden folder) or the
 * name of a folder in My Drive. {@link #signIn} runs the consent flow and stores the refresh token
 * sealed ({@link TokenVault}); {@link #open} uses it. Framework properties (from
 * {@code rhizome.properties} via the launcher): {@code rhizome.gdrive.clientId},
 * {@code rhizome.gdrive.clientSecret} (the user's own "Desktop app" OAuth client), and for tests
 * {@code rhizome.gdrive.authUri}, {@code .tokenUri}, {@code .apiUri}, {@code .consentMinutes}.
 */
@Component(service = CloudStoreFactory.class, property = CloudStoreFactory.KIND_PROPERTY + "=gdrive")
public final class DriveStoreFactory implements CloudStoreFactory {

    static final int MAX_FOLDER_NAME = 100;

    @Reference
    private MetadataSpace space;
    @Reference
    private KeyService keys;
    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    private EncryptionProvider crypto;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
    private final SecureRandom random = new SecureRandom();
    private GoogleEndpoints endpoints;
    private Duration consentTimeout;
    private TokenVault vault;

    @Activate
    void activate(BundleContext context) {
        endpoints = new GoogleEndpoints(uri(context, "authUri", GoogleEndpoints.GOOGLE_AUTHORIZATION), uri(context, "tokenUri", GoogleEndpoints.GOOGLE_TOKEN),
                uri(context, "apiUri", GoogleEndpoints.GOOGLE_API), prop(context, "clientId"), prop(context, "clientSecret"));
        String minutes = context.getProperty("rhizome.gdrive.consentMinutes");
        consentTimeout = Duration.ofMinutes(minutes == null ? 10 : Long.parseLong(minutes));
        vault = new TokenVault(space, keys, crypto);
    }

    @Override
    public String normalise(String location) {
        String l = location == null ? "" : location.strip();
        if (l.isEmpty() || l.contains("/") || l.length() > MAX_FOLDER_NAME || l.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a Google Drive location is appDataFolder or the name of a folder in My Drive (1 to "
                    + MAX_FOLDER_NAME + " characters, no '/'), not '" + location + "'");
        }
        return l;
    }

    @Override
    public CloudStore open(String location) {
        Optional<String> token;
        try {
            token = vault.load(location);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("this node is not signed in to Google Drive for " + location + "; run `" + command(location) + "`");
        }
        requireClient();
        RefreshTokenSource tokens = new RefreshTokenSource(http, endpoints.token(), endpoints.clientId(), endpoints.clientSecret(), token.get(),
                System::currentTimeMillis, command(location));
        return new DriveStore(http, endpoints.api(), tokens, location, 5L << 20, 8 << 20, new MetadataDriveState(space, location));
    }

    @Override
    public Optional<CloudSignIn> signIn(String location) {
        requireClient();
        return Optional.of(ConsentFlow.start(http, endpoints, random, consentTimeout, refreshToken -> vault.store(location, refreshToken)));
    }

    /** The refresh token is this node's access to the user's Drive: it goes with the cloud, with the saved index. */
    @Override
    public void forget(String location) {
        try {
            vault.remove(location);
            new MetadataDriveState(space, location).delete();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private void requireClient() {
        if (endpoints.clientId().isEmpty()) {
            throw new IllegalArgumentException("Google Drive needs an OAuth client of your own: create one of type \"Desktop app\" in the Google"
                    + " Cloud console (with the Drive API enabled) and set gdrive.clientId and gdrive.clientSecret in rhizome.properties");
        }
    }

    private static String command(String location) {
        return "rhizome cloud add gdrive" + (location.equals("appDataFolder") ? "" : " --folder " + location);
    }

    private static String prop(BundleContext c, String name) {
        String v = c.getProperty("rhizome.gdrive." + name);
        return v == null ? "" : v.strip();
    }

    private static URI uri(BundleContext c, String name, URI otherwise) {
        String v = prop(c, name);
        return v.isEmpty() ? otherwise : URI.create(v);
    }
}
