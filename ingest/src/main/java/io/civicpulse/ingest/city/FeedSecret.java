package io.civicpulse.ingest.city;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A credential a feed wants with each request (an API key), sent as an HTTP header or a query parameter that is
 * added only when the request is made: the feed's URL, as it appears in logs, metrics and dead letters, never holds
 * it. {@link #redact} takes its value out of any text that might echo it (an error page, an exception message).
 */
public record FeedSecret(Kind kind, String name, String value) {

    public enum Kind { HEADER, QUERY }

    public static final String REDACTED = "***";

    public FeedSecret {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isBlank() || value.isEmpty()) {
            throw new IllegalArgumentException("a feed secret needs a name and a value");
        }
    }

    public static FeedSecret header(String name, String value) {
        return new FeedSecret(Kind.HEADER, name, value);
    }

    public static FeedSecret query(String name, String value) {
        return new FeedSecret(Kind.QUERY, name, value);
    }

    /** The text with the value, as sent and URL-encoded, replaced by {@value #REDACTED}; null stays null. */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        return text.replace(value, REDACTED).replace(URLEncoder.encode(value, StandardCharsets.UTF_8), REDACTED);
    }

    /** Redacts text that may be null, with or without a secret. */
    public static String redact(FeedSecret secret, String text) {
        return secret == null ? text : secret.redact(text);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name + "=" + REDACTED;
    }
}
