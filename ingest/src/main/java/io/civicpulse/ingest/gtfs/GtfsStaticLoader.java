package io.civicpulse.ingest.gtfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.FetchException;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.EventIds;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.Publisher;
import io.civicpulse.ingest.publish.Rejection;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/**
 * Keeps a city's static schedule loaded and its reference topics in step with it. Each poll fetches the zip
 * (conditional GET; a body with the same ETag or SHA-256 as the loaded one is not reloaded), reads it into a
 * {@link ScheduleIndex}, and publishes to the compacted topics only the routes, stops, trips and service calendars
 * whose content changed since the last load, plus a tombstone for each that left the feed. Only when every
 * record is acknowledged does the new schedule replace the old one and the loader remember what it published;
 * a failed load keeps the previous schedule serving the realtime poller and is retried with backoff.
 *
 * <p>What was published is remembered in memory, so a restarted process republishes everything once (compaction
 * makes that harmless) and cannot tombstone what disappeared while it was down.
 */
public final class GtfsStaticLoader {

    public static final String SOURCE = "ingest.gtfs-static";
    private static final Logger log = LoggerFactory.getLogger(GtfsStaticLoader.class);
    private static final Duration ACK_TIMEOUT = Duration.ofMinutes(2);
    /**
     * The least time the static feed gets to start answering: servers build the zip on request (the simulator
     * does), and a city's short timeout meant for realtime feeds would fail every first fetch on a busy machine.
     */
    static final Duration MIN_STATIC_TIMEOUT = Duration.ofMinutes(2);
    /** The least time the whole zip gets to arrive. */
    private static final Duration MIN_STATIC_DEADLINE = Duration.ofMinutes(10);

    /** What one load did. */
    public record LoadSummary(String feedVersion, int routes, int stops, int trips, int stopTimes, int services,
                              int published, int unchanged, int removed, int problems) {
    }

    private final CityConfig city;
    private final FeedEndpoint feed;
    private final FeedFetcher fetcher;
    private final Publisher publisher;
    private final DeadLetters deadLetters;
    private final IngestMetrics metrics;
    private final Clock clock;
    private final StateChangeLog states;
    private final Path zipFile;

    private volatile ScheduleIndex schedule;
    private FeedFetcher.Validators validators = FeedFetcher.Validators.NONE;
    /** Content fingerprint of every record last published, by topic and key. */
    private Map<String, Map<String, Long>> published = new HashMap<>();

    public GtfsStaticLoader(CityConfig city, FeedEndpoint feed, FeedFetcher fetcher, Publisher publisher,
                            DeadLetters deadLetters, IngestMetrics metrics, Clock clock, StateChangeLog states,
                            Path workDir) {
        this.city = city;
        this.feed = feed;
        this.fetcher = fetcher;
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.clock = clock;
        this.states = states;
        this.zipFile = workDir.resolve(city.id() + "-" + feed.id() + ".zip");
    }

    /** The schedule loaded last, or null before the first successful load. */
    public ScheduleIndex schedule() {
        return schedule;
    }

    private String subject() {
        return city.id() + "/" + feed.id();
    }

    /**
     * Fetches the feed and loads it when it changed.
     *
     * @return false when the feed could not be fetched, read or published (the caller backs off)
     */
    public synchronized boolean poll() {
        long start = System.nanoTime();
        try {
            FeedFetcher.Result result = fetcher.fetchToFile(feed.withTimeout(max(feed.timeout(), MIN_STATIC_TIMEOUT)),
                    validators, zipFile, max(feed.timeout().multipliedBy(12), MIN_STATIC_DEADLINE));
            if (result instanceof FeedFetcher.Fetched fetched) {
                if (schedule == null || !fetched.version().equals(schedule.feedVersion())) {
                    load(fetched.file(), fetched.version());
                }
                validators = fetched.validators();
            }
            metrics.pollSucceeded(feed.id(), millisSince(start), null);
            states.healthy(subject(), "static feed version " + (schedule == null ? "-" : schedule.feedVersion()));
            return true;
        } catch (FetchException e) {
            fail(e.reason(), e.getMessage(), e.body(), e.detail(), start);
        } catch (GtfsException e) {
            fail(e.reason(), e.getMessage(), readSmallZip(), Map.of("url", feed.url().toString()), start);
        } catch (PublishException e) {
            metrics.pollFailed(feed.id(), millisSince(start));
            states.failing(subject(), "publish.failed", e.getMessage());
        }
        return false;
    }

    private void fail(String reason, String message, byte[] payload, Map<String, String> detail, long start) {
        metrics.pollFailed(feed.id(), millisSince(start));
        states.failing(subject(), reason, message);
        deadLetters.reject(new Rejection(SOURCE, reason, message, city.id(), feed.id(), feed.url().toString(),
                payload, payload == null ? null : "application/zip", detail));
    }

    /** The zip as a dead-letter payload when it is small enough to carry; larger ones are referenced by digest. */
    private byte[] readSmallZip() {
        try {
            return Files.size(zipFile) <= DeadLetters.MAX_INLINE_PAYLOAD * 4L ? Files.readAllBytes(zipFile) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Reads the zip, publishes what changed and makes it the current schedule.
     *
     * @throws GtfsException    when the zip cannot be used at all (the current schedule stays)
     * @throws PublishException when Kafka did not take every record (the current schedule stays)
     */
    public synchronized LoadSummary load(Path zip, String feedVersion) throws GtfsException, PublishException {
        long t0 = System.nanoTime();
        GtfsReader.Result read = GtfsReader.read(zip, feedVersion);
        ScheduleIndex next = read.schedule();
        for (GtfsReader.Problem problem : read.problems()) {
            deadLetters.reject(new Rejection(SOURCE, problem.reason(),
                    problem.file() + " line " + problem.line() + ": " + problem.message(), city.id(), feed.id(),
                    feed.url().toString(), problem.row().getBytes(StandardCharsets.UTF_8), "text/csv",
                    Map.of("file", problem.file(), "line", String.valueOf(problem.line()))));
        }
        if (read.problemCount() > read.problems().size()) {
            log.warn("{}: {} more rows of feed {} were skipped and not dead-lettered (only the first {} are)",
                    subject(), read.problemCount() - read.problems().size(), feedVersion, GtfsReader.MAX_PROBLEMS);
        }
        Diff diff = new Diff(feedVersion, clock.instant());
        for (ScheduleIndex.RouteInfo route : next.routes()) {
            diff.put(Topics.ROUTES, route.routeId(), v -> GtfsRecords.route(city.id(), route, v, diff.at(v)));
        }
        for (ScheduleIndex.StopInfo stop : next.stops()) {
            diff.put(Topics.STOPS, stop.stopId(), v -> GtfsRecords.stop(city.id(), stop,
                    city.districts().idAt(stop.latitude(), stop.longitude()), v, diff.at(v)));
        }
        for (int trip = 0; trip < next.tripCount(); trip++) {
            int t = trip;
            diff.put(Topics.SCHEDULED_TRIPS, next.tripId(t),
                    v -> GtfsRecords.trip(city.id(), next, t, v, diff.at(v)));
        }
        for (String serviceId : next.serviceIds()) {
            diff.put(Topics.SERVICE_CALENDARS, serviceId,
                    v -> GtfsRecords.calendar(city.id(), next, serviceId, v, diff.at(v)));
        }
        diff.tombstoneTheRest();
        diff.awaitAcks();
        published = diff.next;
        schedule = next;
        LoadSummary summary = new LoadSummary(feedVersion, next.routeCount(), next.stopCount(), next.tripCount(),
                next.stopTimeCount(), next.serviceCount(), diff.sent, diff.unchanged, diff.removed,
                read.problemCount());
        log.info("{}: loaded static feed {} in {} ms: {}", subject(), feedVersion, millisSince(t0), summary);
        return summary;
    }

    /** Kafka did not acknowledge every record of a load. */
    public static final class PublishException extends Exception {
        PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @FunctionalInterface
    private interface RecordFor<V> {
        /** The record with the given feed version (the empty string when fingerprinting). */
        V build(String feedVersion);
    }

    /** Publishes the records whose content changed and collects the acknowledgements. */
    private final class Diff {
        private final String version;
        private final Instant now;
        private final Map<String, Map<String, Long>> next = new HashMap<>();
        private final List<CompletableFuture<Void>> acks = new ArrayList<>();
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
        private final Map<Class<?>, SpecificDatumWriter<Object>> writers = new HashMap<>();
        private BinaryEncoder encoder;
        private int sent;
        private int unchanged;
        private int removed;

        Diff(String version, Instant now) {
            this.version = version;
            this.now = now;
        }

        /** The updatedAt of a record: zero while fingerprinting, so that only content decides what changed. */
        Instant at(String feedVersion) {
            return feedVersion.isEmpty() ? Instant.EPOCH : now;
        }

        <V extends SpecificRecordBase> void put(Topic<String, V> topic, String id, RecordFor<V> record) {
            String key = city.id() + "/" + id;
            long fingerprint = fingerprint(record.build(""));
            next.computeIfAbsent(topic.name(), t -> new HashMap<>()).put(key, fingerprint);
            Long previous = published.getOrDefault(topic.name(), Map.of()).get(key);
            if (previous != null && previous == fingerprint) {
                unchanged++;
                return;
            }
            acks.add(publisher.send(topic, key, record.build(version)));
            sent++;
        }

        void tombstoneTheRest() {
            tombstones(Topics.ROUTES);
            tombstones(Topics.STOPS);
            tombstones(Topics.SCHEDULED_TRIPS);
            tombstones(Topics.SERVICE_CALENDARS);
        }

        private <V extends SpecificRecord> void tombstones(Topic<String, V> topic) {
            Map<String, Long> now = next.getOrDefault(topic.name(), Map.of());
            for (String key : published.getOrDefault(topic.name(), Map.of()).keySet()) {
                if (!now.containsKey(key)) {
                    acks.add(publisher.send(topic, key, null));
                    removed++;
                }
            }
        }

        void awaitAcks() throws PublishException {
            try {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                        .get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new PublishException("Kafka did not take every record of static feed " + version + ": "
                        + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new PublishException("Kafka did not acknowledge static feed " + version + " within "
                        + ACK_TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PublishException("interrupted while publishing static feed " + version, e);
            }
        }

        private long fingerprint(SpecificRecordBase record) {
            buffer.reset();
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            try {
                writers.computeIfAbsent(record.getClass(), c -> new SpecificDatumWriter<>(record.getSchema()))
                        .write(record, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new IllegalStateException("encoding to memory cannot fail", e);
            }
            return EventIds.fingerprint(buffer.toByteArray());
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
