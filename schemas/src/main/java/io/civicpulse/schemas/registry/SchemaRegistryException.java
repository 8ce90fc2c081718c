package io.civicpulse.schemas.registry;

/**
 * Any failure to get an answer out of the schema registry. It exists so callers can tell "the registry said no"
 * (an HTTP status and the registry's own {@code error_code}/{@code message}) from "no registry answered"
 * (status {@value #NO_STATUS}), and its message always names the URL(s) tried, without credentials.
 */
public class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** {@link #status()} and {@link #errorCode()} when there was no HTTP answer or no registry error code. */
    public static final int NO_STATUS = -1;

    private final int status;
    private final int errorCode;
    private final String registryMessage;
    private final String url;

    public SchemaRegistryException(String message, int status, int errorCode, String registryMessage, String url,
            Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
        this.registryMessage = registryMessage;
        this.url = url;
    }

    /** The HTTP status of the (last) answer, or {@value #NO_STATUS} if no registry answered at all. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code} (e.g. Confluent's 40403), or {@value #NO_STATUS} if it sent none. */
    public int errorCode() {
        return errorCode;
    }

    /** The registry's {@code message}, or null if it sent none. */
    public String registryMessage() {
        return registryMessage;
    }

    /** The URL (or comma-separated URLs) tried, without user info. */
    public String url() {
        return url;
    }
}
