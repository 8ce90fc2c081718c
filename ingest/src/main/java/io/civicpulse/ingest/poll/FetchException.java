package io.civicpulse.ingest.poll;

import java.util.Map;

/**
 * A feed could not be fetched: the reason code ingest counts and dead-letters it under ({@code http.server-error},
 * {@code http.timeout}, ...), and what the server sent, if anything.
 */
public final class FetchException extends Exception {

    private final String reason;
    private final byte[] body;
    private final Map<String, String> detail;

    public FetchException(String reason, String message, byte[] body, Map<String, String> detail, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.body = body;
        this.detail = detail == null ? Map.of() : Map.copyOf(detail);
    }

    public String reason() {
        return reason;
    }

    /** The response body of an HTTP error, capped; null when there was no response. */
    public byte[] body() {
        return body;
    }

    /** HTTP status and the like, as text. */
    public Map<String, String> detail() {
        return detail;
    }
}
