package io.rhizome.transport.cloud.gdrive;

import java.io.IOException;

/** A Drive answer that is not a success, after retries: the HTTP status, Google's reason and a sentence saying what to do. */
public final class DriveException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String reason;

    public DriveException(int status, String reason, String message) {
        super(message);
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    /** Google's {@code error.errors[0].reason} ({@code rateLimitExceeded}, {@code storageQuotaExceeded}, …) or the status. */
    public String reason() {
        return reason;
    }
}
