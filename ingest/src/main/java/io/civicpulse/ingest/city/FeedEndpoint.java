package io.civicpulse.ingest.city;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One feed a city publishes and how often to poll it: a GTFS static zip, a GTFS-Realtime feed or a GBFS
 * {@code gbfs.json}. The id names the feed in records, metrics and dead letters (e.g. {@code vehicle-positions},
 * or the operator id of a GBFS system), so it must be stable.
 *
 * <p>{@code file:} URLs are read only when the city file names them (replays of recorded feeds); a URL that a
 * feed lists or redirects to must be http(s) on the feed's own host or one of {@code allowedHosts} (see
 * {@code io.civicpulse.ingest.poll.UrlPolicy}).
 *
 * @param secret       an API key sent with each request, never part of {@code url}; null when the feed needs none
 * @param allowedHosts hosts besides the feed's own that its listed URLs and redirects may point to, lower-case; an
 *                     entry {@code *.example.org} allows every sub-domain of example.org
 * @param maxEntities  the most entities (GTFS-Realtime) or entries (a GBFS file's list) one fetch may hold
 */
public record FeedEndpoint(String id, URI url, Duration interval, Duration timeout, FeedSecret secret,
                           Set<String> allowedHosts, int maxEntities) {

    private static final Set<String> SCHEMES = Set.of("http", "https", "file");
    /** Ten times the entities of a large city's trip-updates feed. */
    public static final int DEFAULT_MAX_ENTITIES = 100_000;

    public FeedEndpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("feed id '" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (url.getScheme() == null || !SCHEMES.contains(url.getScheme().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("feed " + id + ": url must be http:, https: or file:; got " + url);
        }
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("feed " + id + ": interval and timeout must be positive");
        }
        if (maxEntities <= 0) {
            throw new IllegalArgumentException("feed " + id + ": max-entities must be positive");
        }
        if (secret != null && url.getScheme().equalsIgnoreCase("file")) {
            throw new IllegalArgumentException("feed " + id + ": a file: URL takes no credentials");
        }
        TreeSet<String> hosts = new TreeSet<>();
        for (String host : allowedHosts == null ? Set.<String>of() : allowedHosts) {
            if (!host.isBlank()) {
                hosts.add(host.trim().toLowerCase(Locale.ROOT));
            }
        }
        allowedHosts = Set.copyOf(hosts);
    }

    public FeedEndpoint(String id, URI url, Duration interval, Duration timeout) {
        this(id, url, interval, timeout, null, Set.of(), DEFAULT_MAX_ENTITIES);
    }

    public FeedEndpoint(String id, URI url, Duration interval) {
        this(id, url, interval, CityConfig.DEFAULT_TIMEOUT);
    }

    /** The same feed with another response timeout. */
    public FeedEndpoint withTimeout(Duration newTimeout) {
        return new FeedEndpoint(id, url, interval, newTimeout, secret, allowedHosts, maxEntities);
    }

    /** The same feed with this credential. */
    public FeedEndpoint withSecret(FeedSecret newSecret) {
        return new FeedEndpoint(id, url, interval, timeout, newSecret, allowedHosts, maxEntities);
    }

    /** The same feed whose listed URLs and redirects may also point to these hosts. */
    public FeedEndpoint withAllowedHosts(Set<String> hosts) {
        return new FeedEndpoint(id, url, interval, timeout, secret, hosts, maxEntities);
    }

    public FeedEndpoint withMaxEntities(int max) {
        return new FeedEndpoint(id, url, interval, timeout, secret, allowedHosts, max);
    }

    /**
     * Another URL of the same feed (a file a GBFS discovery lists, a redirect target) with the same settings; the
     * secret goes along only to the feed's own host, so a listed URL cannot collect it elsewhere. Callers check
     * the URL against the policy first.
     */
    public FeedEndpoint at(URI other) {
        boolean sameHost = url.getHost() != null && url.getHost().equalsIgnoreCase(other.getHost())
                && Objects.equals(url.getScheme(), other.getScheme()) && url.getPort() == other.getPort();
        return new FeedEndpoint(id, other, interval, timeout, sameHost ? secret : null, allowedHosts, maxEntities);
    }
}
