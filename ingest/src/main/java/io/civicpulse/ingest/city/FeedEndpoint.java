package io.civicpulse.ingest.city;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * One feed a city publishes and how often to poll it: a GTFS static zip, a GTFS-Realtime feed or a GBFS
 * {@code gbfs.json}. The id names the feed in records, metrics and dead letters (e.g. {@code vehicle-positions},
 * or the operator id of a GBFS system), so it must be stable.
 */
public record FeedEndpoint(String id, URI url, Duration interval, Duration timeout) {

    private static final Set<String> SCHEMES = Set.of("http", "https", "file");

    public FeedEndpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("feed id '" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (url.getScheme() == null || !SCHEMES.contains(url.getScheme().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("feed " + id + ": url must be http:, https: or file:; got " + url);
        }
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("feed " + id + ": interval and timeout must be positive");
        }
    }

    public FeedEndpoint(String id, URI url, Duration interval) {
        this(id, url, interval, CityConfig.DEFAULT_TIMEOUT);
    }

    /** The same feed with another response timeout. */
    public FeedEndpoint withTimeout(Duration newTimeout) {
        return new FeedEndpoint(id, url, interval, newTimeout);
    }
}
