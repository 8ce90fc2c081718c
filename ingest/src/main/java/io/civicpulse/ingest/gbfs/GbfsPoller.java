package io.civicpulse.ingest.gbfs;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.FetchException;
import io.civicpulse.ingest.poll.UrlPolicy;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.EventIds;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.Publisher;
import io.civicpulse.ingest.publish.Rejection;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.mobility.AvailabilityKind;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.schemas.topics.Topics;

/**
 * Polls one shared-mobility operator's GBFS system, v2.x or v3.x, starting from its {@code gbfs.json}: discovers
 * the files (again every few polls, as operators move them), names the operator by
 * {@code system_information.system_id}, takes station coordinates from {@code station_information}, and publishes
 * each station of {@code station_status} and each vehicle of {@code vehicle_status} (v2 {@code free_bike_status})
 * as a {@code SharedVehicleAvailability}, keyed {@code city/operatorId/stationId-or-vehicleId}, when it changed
 * since the last poll, and every entry still in the feed again every {@link #REFRESH_EVERY} even unchanged. A file
 * that is not JSON is dead-lettered whole; an entry without its id, outside the city or timestamped in the future
 * is dead-lettered alone and its neighbours are published.
 */
public final class GbfsPoller {

    public static final String SOURCE = "ingest.gbfs";
    private static final int REDISCOVER_EVERY = 20;
    /**
     * Feeds say nothing when an entry leaves them (a rented vehicle, a removed station), so the indicator engine
     * takes an entry it has not received for 30 minutes (free vehicles) or an hour (stations) out of the levels. A
     * vehicle parked for hours does not change, and publishing changes only would make it vanish from the count while
     * it stands in every snapshot; published again this often, an entry is forgotten only once it has left the feed
     * (or ingest stopped) for 20 minutes or more.
     */
    public static final Duration REFRESH_EVERY = Duration.ofMinutes(10);
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CityConfig city;
    private final FeedEndpoint feed;
    private final FeedFetcher fetcher;
    private final Publisher publisher;
    private final DeadLetters deadLetters;
    private final IngestMetrics metrics;
    private final StateChangeLog states;
    private final Clock clock;

    private final Map<URI, FeedFetcher.Validators> validators = new HashMap<>();
    private Map<String, URI> files;
    private String version;
    private String operatorId;
    private Map<String, double[]> stationPositions = new HashMap<>();
    private int pollsSinceDiscovery;
    private Map<String, Long> published = new HashMap<>();
    /** When every entry was last published in full, unchanged ones too. */
    private Instant refreshedAt;

    public GbfsPoller(CityConfig city, FeedEndpoint feed, FeedFetcher fetcher, Publisher publisher,
                      DeadLetters deadLetters, IngestMetrics metrics, StateChangeLog states, Clock clock) {
        this.city = city;
        this.feed = feed;
        this.fetcher = fetcher;
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.states = states;
        this.clock = clock;
        this.operatorId = feed.id();
    }

    /** A file that could not be used; the poll fails after the other files were processed. */
    private static final class BadFile extends Exception {
        final String reason;

        BadFile(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    private String subject() {
        return city.id() + "/" + feed.id();
    }

    /** @return false when any file could not be fetched or read, or Kafka did not take the records */
    public synchronized boolean poll() {
        long start = System.nanoTime();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        Map<String, Long> next = new HashMap<>(published);
        Instant newest = null;
        boolean ok = true;
        Instant now = clock.instant();
        boolean refresh = refreshedAt == null || !now.isBefore(refreshedAt.plus(REFRESH_EVERY));
        try {
            if (files == null || pollsSinceDiscovery++ >= REDISCOVER_EVERY) {
                discover();
                pollsSinceDiscovery = 0;
            }
            URI stationStatus = files.get("station_status");
            URI vehicles = files.getOrDefault("vehicle_status", files.get("free_bike_status"));
            if (stationStatus == null && vehicles == null) {
                throw new BadFile("gbfs.no-status-feed", feed.url() + " lists neither station_status nor "
                        + "vehicle_status/free_bike_status");
            }
            for (URI url : new URI[] {stationStatus, vehicles}) {
                if (url == null) {
                    continue;
                }
                try {
                    Instant updated = statusFile(url, url == stationStatus, refresh, acks, next);
                    if (updated != null && (newest == null || updated.isAfter(newest))) {
                        newest = updated;
                    }
                } catch (BadFile e) {
                    ok = false;
                    states.failing(subject(), e.reason, e.getMessage());
                }
            }
        } catch (BadFile e) {
            // Discovery failed: nothing can be polled until it works again.
            files = null;
            ok = false;
            states.failing(subject(), e.reason, e.getMessage());
        }
        try {
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                    .get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            published = next;
        } catch (ExecutionException | TimeoutException e) {
            ok = false;
            // Unacknowledged records must be sent again: fetch every file in full next time.
            validators.clear();
            states.failing(subject(), "publish.failed", "Kafka did not take the records of " + feed.url());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (ok) {
            metrics.pollSucceeded(feed.id(), millis, newest);
            if (refresh) {
                refreshedAt = now;
            }
            states.healthy(subject(), "GBFS " + version + " of " + operatorId);
        } else {
            metrics.pollFailed(feed.id(), millis);
        }
        return ok;
    }

    private void discover() throws BadFile {
        JsonNode root = fetchJson(feed.url(), true);
        version = root.path("version").asText("1.0");
        JsonNode data = root.path("data");
        JsonNode feeds = data.path("feeds");
        if (!feeds.isArray()) {
            // v1/v2: feeds per language, {"data": {"en": {"feeds": [...]}}}
            JsonNode language = city.language() != null ? data.path(city.language()) : null;
            if (language == null || language.isMissingNode()) {
                Iterator<JsonNode> first = data.elements();
                language = first.hasNext() ? first.next() : JSON.missingNode();
            }
            feeds = language.path("feeds");
        }
        if (!feeds.isArray()) {
            throw reject(feed.url(), "gbfs.invalid-discovery", feed.url() + " has no data.feeds list", null);
        }
        Map<String, URI> found = new HashMap<>();
        for (JsonNode f : feeds) {
            try {
                found.put(f.path("name").asText(), UrlPolicy.listed(feed, feed.url(), f.path("url").asText()).url());
            } catch (FetchException e) {
                // A file listed where ingest must not go (file:, another host) is left out, not fetched; the
                // others are polled as usual.
                String listed = f.path("url").asText();
                deadLetters.reject(new Rejection(SOURCE, e.reason(), e.getMessage(), city.id(), feed.id(), listed,
                        null, null, e.detail()));
                states.failing(subject(), e.reason(), e.getMessage());
            }
        }
        files = found;
        if (found.containsKey("system_information")) {
            try {
                String systemId = fetchJson(found.get("system_information"), true).path("data")
                        .path("system_id").asText("");
                operatorId = systemId.isEmpty() ? feed.id() : systemId;
            } catch (BadFile e) {
                states.failing(subject(), e.reason, e.getMessage());
            }
        }
        if (found.containsKey("station_information")) {
            try {
                Map<String, double[]> positions = new HashMap<>();
                for (JsonNode station : fetchJson(found.get("station_information"), true).path("data")
                        .path("stations")) {
                    if (station.hasNonNull("lat") && station.hasNonNull("lon")) {
                        positions.put(station.path("station_id").asText(),
                                new double[] {station.path("lat").asDouble(), station.path("lon").asDouble()});
                    }
                }
                stationPositions = positions;
            } catch (BadFile e) {
                states.failing(subject(), e.reason, e.getMessage());
            }
        }
    }

    /**
     * Publishes the changed entries of one status file, or all of them on a refresh (then fetched unconditionally:
     * an unchanged file is what a refresh is for); returns its last_updated, or null when not modified.
     */
    private Instant statusFile(URI url, boolean stations, boolean refresh, List<CompletableFuture<Void>> acks,
                               Map<String, Long> next) throws BadFile {
        JsonNode root = fetchJson(url, refresh);
        if (root == null) {
            return null;
        }
        Instant ingestedAt = clock.instant();
        Instant lastUpdated = time(root.path("last_updated"));
        if (lastUpdated == null) {
            lastUpdated = ingestedAt;
        }
        String fileVersion = root.path("version").asText(version);
        JsonNode entries = stations ? root.path("data").path("stations")
                : root.path("data").has("vehicles") ? root.path("data").path("vehicles")
                : root.path("data").path("bikes");
        if (!entries.isArray()) {
            throw reject(url, "gbfs.missing-field", url + " has no data." + (stations ? "stations" : "vehicles")
                    + " list", null);
        }
        if (entries.size() > feed.maxEntities()) {
            throw reject(url, "gbfs.too-many-entries", url + " lists " + entries.size() + " entries, more than the "
                    + feed.maxEntities() + " its max-entities allows", null);
        }
        Instant latest = clock.instant().plus(city.maxFutureSkew());
        // Entries that left the file (a rented vehicle, a removed station) are forgotten, so state stays the
        // size of the feed even where vehicle ids rotate on every trip.
        String kind = (stations ? AvailabilityKind.STATION : AvailabilityKind.FREE_VEHICLE) + "/";
        next.keySet().removeIf(k -> k.startsWith(kind));
        for (JsonNode entry : entries) {
            String id = stations ? entry.path("station_id").asText("")
                    : entry.path("vehicle_id").asText(entry.path("bike_id").asText(""));
            if (id.isEmpty()) {
                acks.add(rejectEntry(url, entry, "gbfs.missing-field", "an entry of " + url + " has no "
                        + (stations ? "station_id" : "vehicle_id/bike_id")));
                continue;
            }
            Instant reported = entry.has("last_reported") ? time(entry.path("last_reported")) : lastUpdated;
            if (reported == null) {
                reported = lastUpdated;
            }
            if (reported.isAfter(latest)) {
                acks.add(rejectEntry(url, entry, "event.future-timestamp", id + " in " + url + " reports "
                        + reported + ", more than " + city.maxFutureSkew() + " ahead of now"));
                continue;
            }
            SharedVehicleAvailability record = stations
                    ? station(entry, id, reported, fileVersion, lastUpdated, ingestedAt)
                    : vehicle(entry, id, reported, fileVersion, lastUpdated, ingestedAt);
            if (record.getLatitude() != null
                    && !city.bounds().contains(record.getLatitude(), record.getLongitude())) {
                acks.add(rejectEntry(url, entry, "event.outside-city", id + " at " + record.getLatitude() + ","
                        + record.getLongitude() + " is outside " + city.id() + "'s bounds"));
                continue;
            }
            String key = city.id() + "/" + operatorId + "/" + id;
            String stateKey = record.getKind() + "/" + key;
            long fingerprint = EventIds.fingerprint(entry.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    ^ reported.toEpochMilli();
            Long previous = published.get(stateKey);
            next.put(stateKey, fingerprint);
            if (refresh || previous == null || previous != fingerprint) {
                acks.add(publisher.send(Topics.SHARED_VEHICLE_AVAILABILITY, key, record));
            }
        }
        return lastUpdated;
    }

    private SharedVehicleAvailability station(JsonNode s, String id, Instant reported, String fileVersion,
                                              Instant feedTimestamp, Instant ingestedAt) {
        double[] position = stationPositions.get(id);
        JsonNode vehicles = s.has("num_vehicles_available") ? s.path("num_vehicles_available")
                : s.path("num_bikes_available");
        return SharedVehicleAvailability.newBuilder()
                .setCity(city.id())
                .setOperatorId(operatorId)
                .setKind(AvailabilityKind.STATION)
                .setStationId(id)
                .setNumVehiclesAvailable(vehicles.asInt(0))
                .setNumDocksAvailable(s.hasNonNull("num_docks_available") ? s.path("num_docks_available").asInt()
                        : null)
                .setIsInstalled(bool(s.path("is_installed")))
                .setIsRenting(bool(s.path("is_renting")))
                .setIsReturning(bool(s.path("is_returning")))
                .setLatitude(position == null ? null : position[0])
                .setLongitude(position == null ? null : position[1])
                .setLastReported(reported)
                .setGbfsVersion(fileVersion)
                .setFeedTimestamp(feedTimestamp)
                .setIngestedAt(ingestedAt)
                .setEventId(EventIds.of(city.id(), operatorId, AvailabilityKind.STATION, id, reported.toEpochMilli()))
                .build();
    }

    private SharedVehicleAvailability vehicle(JsonNode v, String id, Instant reported, String fileVersion,
                                              Instant feedTimestamp, Instant ingestedAt) {
        boolean reserved = bool(v.path("is_reserved"));
        boolean disabled = bool(v.path("is_disabled"));
        // Only v3 says a vehicle is docked at a station (already counted there); v2 station_id means something else.
        boolean v3 = fileVersion.startsWith("3");
        return SharedVehicleAvailability.newBuilder()
                .setCity(city.id())
                .setOperatorId(operatorId)
                .setKind(AvailabilityKind.FREE_VEHICLE)
                .setStationId(v3 && v.hasNonNull("station_id") ? v.path("station_id").asText() : null)
                .setVehicleId(id)
                .setVehicleTypeId(v.hasNonNull("vehicle_type_id") ? v.path("vehicle_type_id").asText() : null)
                .setNumVehiclesAvailable(reserved || disabled ? 0 : 1)
                .setNumDocksAvailable(null)
                .setIsInstalled(true)
                .setIsRenting(!disabled)
                .setIsReturning(true)
                .setIsReserved(reserved)
                .setIsDisabled(disabled)
                .setLatitude(v.hasNonNull("lat") && v.hasNonNull("lon") ? v.path("lat").asDouble() : null)
                .setLongitude(v.hasNonNull("lat") && v.hasNonNull("lon") ? v.path("lon").asDouble() : null)
                .setLastReported(reported)
                .setGbfsVersion(fileVersion)
                .setFeedTimestamp(feedTimestamp)
                .setIngestedAt(ingestedAt)
                .setEventId(EventIds.of(city.id(), operatorId, AvailabilityKind.FREE_VEHICLE, id,
                        reported.toEpochMilli()))
                .build();
    }

    /**
     * Fetches and parses one file.
     *
     * @return null when the server says it did not change (only when {@code always} is false)
     */
    private JsonNode fetchJson(URI url, boolean always) throws BadFile {
        // Every URL here is the feed's own or one discover() let through the UrlPolicy.
        FeedEndpoint file = feed.at(url);
        FeedFetcher.Result result;
        try {
            result = fetcher.fetch(file, always ? FeedFetcher.Validators.NONE
                    : validators.getOrDefault(url, FeedFetcher.Validators.NONE));
        } catch (FetchException e) {
            deadLetters.reject(new Rejection(SOURCE, e.reason(), e.getMessage(), city.id(), feed.id(),
                    url.toString(), e.body(), null, e.detail()));
            throw new BadFile(e.reason(), e.getMessage());
        }
        if (result instanceof FeedFetcher.NotModified) {
            return null;
        }
        FeedFetcher.Fetched fetched = (FeedFetcher.Fetched) result;
        JsonNode root;
        try {
            root = JSON.readTree(fetched.body());
        } catch (JacksonException e) {
            throw reject(url, "json.invalid", url + " is not valid JSON: " + e.getOriginalMessage(), fetched.body());
        } catch (IOException e) {
            throw reject(url, "json.invalid", url + " cannot be read: " + e.getMessage(), fetched.body());
        }
        if (root == null || !root.isObject()) {
            throw reject(url, "json.invalid", url + " is not a JSON object", fetched.body());
        }
        validators.put(url, fetched.validators());
        return root;
    }

    private BadFile reject(URI url, String reason, String message, byte[] body) {
        deadLetters.reject(new Rejection(SOURCE, reason, message, city.id(), feed.id(), url.toString(), body,
                body == null ? null : "application/json", Map.of("url", url.toString())));
        return new BadFile(reason, message);
    }

    private CompletableFuture<Void> rejectEntry(URI url, JsonNode entry, String reason, String message) {
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("url", url.toString());
        return deadLetters.reject(new Rejection(SOURCE, reason, message, city.id(), feed.id(), url.toString(),
                entry.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json", detail));
    }

    /** GBFS booleans: true/false, and 1/0 in v1 and early v2 feeds. */
    private static boolean bool(JsonNode node) {
        return node.isBoolean() ? node.booleanValue() : node.asInt(0) == 1;
    }

    /** v2 POSIX seconds or v3 RFC 3339. */
    private static Instant time(JsonNode node) {
        if (node.isNumber()) {
            return Instant.ofEpochSecond(node.asLong());
        }
        if (node.isTextual()) {
            try {
                return OffsetDateTime.parse(node.asText()).toInstant();
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }
}
