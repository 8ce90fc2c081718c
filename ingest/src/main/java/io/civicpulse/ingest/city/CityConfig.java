package io.civicpulse.ingest.city;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.schemas.http.BoundedRead;

/**
 * What ingest needs to know about one city: its id (the first part of every key), its time zone and service-day
 * start (how realtime predictions map onto the static schedule), the area its data must lie in, and the feeds to
 * poll. Loaded from a {@code .properties} or {@code .json} file with the same keys (JSON objects nest on the
 * dots), so a city is configuration, not code:
 *
 * <pre>
 * city.id=sofia
 * city.time-zone=Europe/Sofia
 * city.service-day-start=04:00
 * city.bounds=42.55,23.05,42.85,23.60        # south,west,north,east
 * city.language=bg                           # which translation of an alert text to keep
 * city.max-future-skew=PT5M                  # event times further ahead than this are rejected
 * feed.timeout=PT10S                         # default HTTP timeout of every feed
 * feed.allowed-hosts=cdn.example.org         # hosts listed URLs and redirects may use besides the feed's own
 * feed.max-entities=100000                   # most GTFS-RT entities / GBFS entries in one fetched file
 * gtfs.static.url=https://.../gtfs.zip
 * gtfs.static.interval=PT6H
 * gtfsrt.vehicle-positions.url=https://.../vehicle-positions
 * gtfsrt.vehicle-positions.interval=PT10S
 * gtfsrt.vehicle-positions.auth.header=X-Api-Key   # or auth.query=key: where the feed's API key goes
 * gtfsrt.vehicle-positions.auth.env=SOFIA_RT_KEY   # or auth.value=...; never logged or dead-lettered
 * gbfs.nextbike-sofia.url=https://.../gbfs.json
 * gbfs.nextbike-sofia.interval=PT30S
 * population.city=1286383                    # residents; see PopulationFigures
 * population.as-of=2021-09-07
 * districts.geojson=sofia-districts.geojson  # boundaries: path (relative to this file) or URL; see CityDistricts
 * districts.id-property=id                   # the feature property holding the district id
 * districts.max-bytes=33554432               # larger boundaries are refused unread
 * </pre>
 *
 * @param gtfsStatic    the static feed, id {@code gtfs-static}; null when the city has none
 * @param realtimeFeeds GTFS-Realtime feeds; each may carry vehicles, trip updates and alerts
 * @param gbfsFeeds     GBFS systems, each by its {@code gbfs.json}; the id is the operator id used when the
 *                      system does not name itself
 * @param population    residents of the city and its districts; {@link PopulationFigures#NONE} when not given
 * @param districts     district boundaries, to place stops and requests in districts; {@link CityDistricts#NONE}
 */
public record CityConfig(String id, ZoneId zone, LocalTime serviceDayStart, BoundingBox bounds, String language,
                         Duration maxFutureSkew, FeedEndpoint gtfsStatic, List<FeedEndpoint> realtimeFeeds,
                         List<FeedEndpoint> gbfsFeeds, PopulationFigures population, CityDistricts districts) {

    private static final Logger log = LoggerFactory.getLogger(CityConfig.class);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEFAULT_STATIC_INTERVAL = Duration.ofHours(6);
    private static final Duration DEFAULT_REALTIME_INTERVAL = Duration.ofSeconds(15);
    private static final Duration DEFAULT_GBFS_INTERVAL = Duration.ofSeconds(60);
    private static final int DEFAULT_DISTRICTS_MAX_BYTES = 32 * 1024 * 1024;

    public CityConfig {
        Objects.requireNonNull(id, "id");
        if (!id.matches("[a-z][a-z0-9-]{0,63}")) {
            throw new IllegalArgumentException("city id '" + id + "' must be lower-case letters, digits and '-'");
        }
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(serviceDayStart, "serviceDayStart");
        Objects.requireNonNull(bounds, "bounds");
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        Objects.requireNonNull(population, "population");
        Objects.requireNonNull(districts, "districts");
        realtimeFeeds = List.copyOf(realtimeFeeds);
        gbfsFeeds = List.copyOf(gbfsFeeds);
        List<String> ids = new ArrayList<>();
        realtimeFeeds.forEach(f -> ids.add(f.id()));
        if (ids.size() != new TreeSet<>(ids).size()) {
            throw new IllegalArgumentException("city " + id + ": GTFS-Realtime feed ids must be unique: " + ids);
        }
    }

    /** A city with no feeds yet, the given zone, a 04:00 service-day start and no bounds; add the rest with the withers. */
    public static CityConfig of(String id, ZoneId zone) {
        return new CityConfig(id, zone, LocalTime.of(4, 0), BoundingBox.WORLD, null, Duration.ofMinutes(5),
                null, List.of(), List.of(), PopulationFigures.NONE, CityDistricts.NONE);
    }

    public ServiceDays serviceDays() {
        return new ServiceDays(zone, serviceDayStart);
    }

    public CityConfig withBounds(BoundingBox newBounds) {
        return new CityConfig(id, zone, serviceDayStart, newBounds, language, maxFutureSkew, gtfsStatic,
                realtimeFeeds, gbfsFeeds, population, districts);
    }

    public CityConfig withServiceDayStart(LocalTime start) {
        return new CityConfig(id, zone, start, bounds, language, maxFutureSkew, gtfsStatic, realtimeFeeds, gbfsFeeds,
                population, districts);
    }

    public CityConfig withLanguage(String newLanguage) {
        return new CityConfig(id, zone, serviceDayStart, bounds, newLanguage, maxFutureSkew, gtfsStatic,
                realtimeFeeds, gbfsFeeds, population, districts);
    }

    public CityConfig withMaxFutureSkew(Duration skew) {
        return new CityConfig(id, zone, serviceDayStart, bounds, language, skew, gtfsStatic, realtimeFeeds, gbfsFeeds,
                population, districts);
    }

    public CityConfig withGtfsStatic(FeedEndpoint feed) {
        return new CityConfig(id, zone, serviceDayStart, bounds, language, maxFutureSkew, feed, realtimeFeeds,
                gbfsFeeds, population, districts);
    }

    public CityConfig withRealtimeFeed(FeedEndpoint feed) {
        List<FeedEndpoint> feeds = new ArrayList<>(realtimeFeeds);
        feeds.add(feed);
        return new CityConfig(id, zone, serviceDayStart, bounds, language, maxFutureSkew, gtfsStatic, feeds,
                gbfsFeeds, population, districts);
    }

    public CityConfig withGbfsFeed(FeedEndpoint feed) {
        List<FeedEndpoint> feeds = new ArrayList<>(gbfsFeeds);
        feeds.add(feed);
        return new CityConfig(id, zone, serviceDayStart, bounds, language, maxFutureSkew, gtfsStatic,
                realtimeFeeds, feeds, population, districts);
    }

    /** The same city with these population figures (the per-100k indicators' denominators). */
    public CityConfig withPopulation(PopulationFigures figures) {
        return new CityConfig(id, zone, serviceDayStart, bounds, language, maxFutureSkew, gtfsStatic,
                realtimeFeeds, gbfsFeeds, figures, districts);
    }

    /** The same city with these district boundaries (the district:&lt;id&gt; scopes of stops and requests). */
    public CityConfig withDistricts(CityDistricts boundaries) {
        return new CityConfig(id, zone, serviceDayStart, bounds, language, maxFutureSkew, gtfsStatic,
                realtimeFeeds, gbfsFeeds, population, boundaries);
    }

    /** Loads a {@code .json} file, or a properties file (any other name). */
    public static CityConfig load(Path file) throws IOException {
        return fromProperties(loadProperties(file), file.toAbsolutePath().getParent());
    }

    /**
     * The keys of a city file as properties, whatever its format: a JSON file's nested objects spell them, so other
     * parts (Open311 settings) read the same keys from either.
     */
    public static Properties loadProperties(Path file) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            try (InputStream in = Files.newInputStream(file)) {
                return flattenJson(in);
            }
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return properties;
    }

    /** Reads a JSON document whose nested objects spell the property keys ({"city": {"id": "sofia"}}). */
    public static CityConfig fromJson(InputStream json) throws IOException {
        return fromProperties(flattenJson(json));
    }

    private static Properties flattenJson(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("city configuration must be a JSON object");
        }
        Properties properties = new Properties();
        flatten("", root, properties);
        return properties;
    }

    private static void flatten(String prefix, JsonNode node, Properties into) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), into);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(item.asText()));
            into.setProperty(prefix, String.join(",", items));
        } else if (!node.isNull()) {
            into.setProperty(prefix, node.asText());
        }
    }

    /** Reads the keys; a relative {@code districts.geojson} path is taken from the working directory. */
    public static CityConfig fromProperties(Properties properties) {
        return fromProperties(properties, Path.of("").toAbsolutePath());
    }

    /** Reads the keys; a relative {@code districts.geojson} path is resolved against {@code baseDir}. */
    public static CityConfig fromProperties(Properties properties, Path baseDir) {
        Map<String, String> p = new TreeMap<>();
        properties.stringPropertyNames().forEach(k -> p.put(k.trim(), properties.getProperty(k).trim()));
        String id = required(p, "city.id");
        Duration timeout = duration(p, "feed.timeout", DEFAULT_TIMEOUT);
        ZoneId zone;
        try {
            zone = ZoneId.of(required(p, "city.time-zone"));
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("city.time-zone: " + e.getMessage(), e);
        }
        LocalTime dayStart;
        try {
            dayStart = LocalTime.parse(p.getOrDefault("city.service-day-start", "04:00"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("city.service-day-start must be HH:MM; got '"
                    + p.get("city.service-day-start") + "'", e);
        }
        BoundingBox bounds = p.containsKey("city.bounds") ? BoundingBox.parse(p.get("city.bounds")) : BoundingBox.WORLD;
        FeedEndpoint gtfsStatic = p.containsKey("gtfs.static.url")
                ? endpoint(p, "gtfs.static", "gtfs-static", DEFAULT_STATIC_INTERVAL, timeout) : null;
        return new CityConfig(id, zone, dayStart, bounds, p.get("city.language"),
                duration(p, "city.max-future-skew", Duration.ofMinutes(5)), gtfsStatic,
                endpoints(p, "gtfsrt.", DEFAULT_REALTIME_INTERVAL, timeout),
                endpoints(p, "gbfs.", DEFAULT_GBFS_INTERVAL, timeout), PopulationFigures.fromProperties(p),
                districts(p, baseDir, timeout));
    }

    /**
     * Loads {@code districts.geojson}, a path (relative to the city file) or an http(s)/file URL, once, when the city
     * is configured: boundaries change with a council's decision, not while ingest runs.
     */
    private static CityDistricts districts(Map<String, String> p, Path baseDir, Duration timeout) {
        String location = p.get("districts.geojson");
        if (location == null || location.isEmpty()) {
            return CityDistricts.NONE;
        }
        String idProperty = p.getOrDefault("districts.id-property", "id");
        long maxBytes = integer(p, "districts.max-bytes", DEFAULT_DISTRICTS_MAX_BYTES);
        byte[] geoJson;
        try {
            InputStream in;
            if (location.matches("(?i)https?:.*")) {
                HttpResponse<InputStream> response = HttpClient.newBuilder().connectTimeout(timeout).build()
                        .send(HttpRequest.newBuilder(URI.create(location)).timeout(timeout).GET().build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() != 200) {
                    response.body().close();
                    throw new IllegalArgumentException("districts.geojson " + location + ": HTTP "
                            + response.statusCode());
                }
                in = response.body();
            } else {
                Path file = location.matches("(?i)file:.*") ? Path.of(URI.create(location)) : baseDir.resolve(location);
                in = Files.newInputStream(file);
            }
            // A city's districts are a few MB at most; a larger body, or one that trickles in, is not boundaries.
            geoJson = BoundedRead.read(in, maxBytes, timeout.multipliedBy(6));
        } catch (BoundedRead.TooLarge e) {
            throw new IllegalArgumentException("districts.geojson " + location + " is refused: " + e.getMessage()
                    + " (districts.max-bytes)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("districts.geojson " + location + " cannot be read: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("districts.geojson " + location + ": interrupted", e);
        }
        return CityDistricts.fromGeoJson(geoJson, idProperty);
    }

    private static List<FeedEndpoint> endpoints(Map<String, String> p, String prefix, Duration defaultInterval,
                                                Duration timeout) {
        List<FeedEndpoint> feeds = new ArrayList<>();
        for (String key : p.keySet()) {
            if (key.startsWith(prefix) && key.endsWith(".url")) {
                String feedId = key.substring(prefix.length(), key.length() - ".url".length());
                feeds.add(endpoint(p, prefix + feedId, feedId, defaultInterval, timeout));
            }
        }
        return feeds;
    }

    private static FeedEndpoint endpoint(Map<String, String> p, String prefix, String feedId,
                                         Duration defaultInterval, Duration defaultTimeout) {
        URI url;
        try {
            url = URI.create(p.get(prefix + ".url"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + ".url is not a URL: " + e.getMessage(), e);
        }
        Set<String> hosts = new TreeSet<>(list(p.get("feed.allowed-hosts")));
        hosts.addAll(list(p.get(prefix + ".allowed-hosts")));
        FeedSecret secret = secret(p, prefix);
        FeedEndpoint feed = new FeedEndpoint(feedId, url, duration(p, prefix + ".interval", defaultInterval),
                duration(p, prefix + ".timeout", defaultTimeout), secret, hosts,
                integer(p, prefix + ".max-entities", integer(p, "feed.max-entities",
                        FeedEndpoint.DEFAULT_MAX_ENTITIES)));
        if (secret != null && "http".equalsIgnoreCase(url.getScheme())) {
            log.warn("{}: the credential of feed {} is sent over plain http to {}, readable by anyone on the way;"
                    + " use https", prefix, feedId, url.getHost());
        }
        return feed;
    }

    /**
     * {@code <feed>.auth.header} or {@code <feed>.auth.query} names where the credential goes, {@code
     * <feed>.auth.value} holds it or {@code <feed>.auth.env} names the environment variable that does (so the city
     * file can be shared without it).
     */
    private static FeedSecret secret(Map<String, String> p, String prefix) {
        String header = p.get(prefix + ".auth.header");
        String query = p.get(prefix + ".auth.query");
        if ((header == null || header.isEmpty()) && (query == null || query.isEmpty())) {
            if (p.containsKey(prefix + ".auth.value") || p.containsKey(prefix + ".auth.env")) {
                throw new IllegalArgumentException(prefix + ".auth.value/env needs " + prefix + ".auth.header or "
                        + prefix + ".auth.query to say where it goes");
            }
            return null;
        }
        if (header != null && !header.isEmpty() && query != null && !query.isEmpty()) {
            throw new IllegalArgumentException(prefix + ": give auth.header or auth.query, not both");
        }
        String value = p.get(prefix + ".auth.value");
        String env = p.get(prefix + ".auth.env");
        if ((value == null || value.isEmpty()) && env != null && !env.isEmpty()) {
            value = System.getenv(env);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(prefix + ".auth.env names " + env + ", which is not set");
            }
        }
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(prefix + ".auth.header/query needs " + prefix + ".auth.value or "
                    + prefix + ".auth.env");
        }
        return header != null && !header.isEmpty() ? FeedSecret.header(header, value) : FeedSecret.query(query, value);
    }

    private static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        for (String item : value == null ? new String[0] : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    private static int integer(Map<String, String> p, String key, int defaultValue) {
        String value = p.get(key);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number; got '" + value + "'", e);
        }
    }

    private static String required(Map<String, String> p, String key) {
        String value = p.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("city configuration needs " + key);
        }
        return value;
    }

    /** ISO-8601 ({@code PT15S}) or a plain number of seconds. */
    private static Duration duration(Map<String, String> p, String key, Duration defaultValue) {
        String value = p.get(key);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return value.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(value)) : Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be seconds or an ISO-8601 duration like PT15S; got '"
                    + value + "'", e);
        }
    }
}
