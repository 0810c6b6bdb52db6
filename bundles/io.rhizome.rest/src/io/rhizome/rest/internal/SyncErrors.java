package io.rhizome.rest.internal;

import io.rhizome.api.SyncException;

/** Maps refused sync requests to HTTP answers. */
final class SyncErrors {

    private SyncErrors() {
    }

    static RestResponse of(SyncException e) {
        return switch (e.reason()) {
            case UNKNOWN_NAMESPACE -> RestResponse.error(404, "unknown_namespace", e.getMessage());
            case NAMESPACE_UNAVAILABLE -> RestResponse.error(409, "namespace_unavailable", e.getMessage());
            case WRONG_OPERATION -> RestResponse.error(422, "wrong_operation", e.getMessage());
            case INVALID_VALUE -> RestResponse.error(400, "invalid_value", e.getMessage());
            case CLOSED -> RestResponse.error(503, "unavailable", e.getMessage());
            case STORAGE -> RestResponse.error(500, "storage", e.getMessage());
            case VALUE_TOO_LARGE -> RestResponse.error(413, "too_large", e.getMessage());
            case CONFLICT -> RestResponse.error(409, "conflict", e.getMessage());
            case CLOCK_SKEW -> RestResponse.error(503, "clock_skew", e.getMessage());
        };
    }
}
