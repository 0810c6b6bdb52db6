package io.rhizome.rest.internal;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One HTTP request as the router sees it, independent of the servlet API.
 *
 * @param method  upper-case HTTP method
 * @param path    the path below {@code /api}, still percent-encoded, e.g. {@code /v1/ns/notes/a%2Fb}
 * @param query   decoded query parameters (first value of each)
 * @param apiKey  the {@code X-API-Key} header, if sent
 * @param body    the request body (empty for none)
 */
public record RestRequest(String method, String path, Map<String, String> query, Optional<String> apiKey, byte[] body) {
    public RestRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = Map.copyOf(query);
        Objects.requireNonNull(apiKey, "apiKey");
        body = body == null ? new byte[0] : body;
    }
}
