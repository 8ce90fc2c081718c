package io.civicpulse.ingest.gtfs;

/** A static feed that cannot be loaded at all (not a zip, a required file or column missing), with its reason code. */
public final class GtfsException extends Exception {

    private final String reason;

    public GtfsException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
