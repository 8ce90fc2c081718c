package io.civicpulse.ingest.gtfsrt;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import com.google.transit.realtime.GtfsRealtime;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.FetchException;
import io.civicpulse.ingest.gtfs.ScheduleIndex;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.EventIds;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.Publisher;
import io.civicpulse.ingest.publish.Rejection;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.topics.Topics;

/**
 * Polls one GTFS-Realtime feed of a city and publishes what changed since the last poll: a vehicle position
 * whose time moved, a trip update whose predictions changed, an alert that appeared or changed, and a
 * {@code removed} record for an alert that left the feed. An identical feed polled twice publishes nothing, and
 * every record's eventId is deterministic, so downstream counts a fact once however often it is seen. Vehicle
 * positions are keyed {@code city/vehicleId}, trip updates {@code city/tripId} and alerts {@code city/alertId},
 * so order holds per vehicle, trip and alert.
 *
 * <p>Bad input never stops the poller: an unreadable or out-of-order feed is dead-lettered whole and the poll
 * backs off; a bad entity is dead-lettered alone and its neighbours are published. What was published is
 * remembered only once Kafka acknowledged it, so a failed poll is redone in full on the next one.
 */
public final class GtfsRtPoller {

    public static final String SOURCE = EntityConverter.SOURCE;
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    private static final String PROTOBUF = "application/x-protobuf";

    private final CityConfig city;
    private final FeedEndpoint feed;
    private final FeedFetcher fetcher;
    private final Supplier<ScheduleIndex> schedule;
    private final Publisher publisher;
    private final DeadLetters deadLetters;
    private final IngestMetrics metrics;
    private final StateChangeLog states;
    private final Clock clock;
    private final Duration staleAfter;

    private FeedFetcher.Validators validators = FeedFetcher.Validators.NONE;
    private String lastDigest;
    private String lastRejectedDigest;
    private byte[] lastBody;
    private Instant lastFeedTime;
    private Instant lastAdvanceAt;
    private boolean staleReported;
    private Map<String, Long> vehicles = new HashMap<>();
    private Map<String, Long> trips = new HashMap<>();
    private Map<String, PublishedAlert> alerts = new HashMap<>();

    private record PublishedAlert(long fingerprint, ServiceAlert record) {
    }

    /**
     * @param schedule   the current static schedule, or null while none is loaded (then ids are not checked and
     *                   delays not computed)
     * @param staleAfter how long the feed timestamp may stay the same before the feed counts as not advancing
     */
    public GtfsRtPoller(CityConfig city, FeedEndpoint feed, FeedFetcher fetcher, Supplier<ScheduleIndex> schedule,
                        Publisher publisher, DeadLetters deadLetters, IngestMetrics metrics, StateChangeLog states,
                        Clock clock, Duration staleAfter) {
        this.city = city;
        this.feed = feed;
        this.fetcher = fetcher;
        this.schedule = schedule;
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.states = states;
        this.clock = clock;
        this.staleAfter = staleAfter;
    }

    private String subject() {
        return city.id() + "/" + feed.id();
    }

    /**
     * One poll: fetch, check, publish what changed.
     *
     * @return false when no usable feed was obtained or Kafka did not take it (the caller backs off)
     */
    public synchronized boolean poll() {
        long start = System.nanoTime();
        FeedFetcher.Result result;
        try {
            result = fetcher.fetch(feed, validators);
        } catch (FetchException e) {
            return failFeed(e.reason(), e.getMessage(), e.body(), null, e.detail(), start);
        }
        if (result instanceof FeedFetcher.NotModified) {
            return succeed(start, checkStale());
        }
        FeedFetcher.Fetched fetched = (FeedFetcher.Fetched) result;
        byte[] body = fetched.body();
        String digest = EventIds.sha256Hex(body);
        if (digest.equals(lastDigest)) {
            validators = fetched.validators();
            return succeed(start, checkStale());
        }
        int entities = countEntities(body, feed.maxEntities());
        if (entities > feed.maxEntities()) {
            return failFeed("gtfsrt.too-many-entities", "feed " + feed.url() + " holds more than "
                    + feed.maxEntities() + " entities, its max-entities", null, digest,
                    Map.of("url", feed.url().toString(), "bytes", String.valueOf(body.length)), start);
        }
        GtfsRealtime.FeedMessage message;
        try {
            message = GtfsRealtime.FeedMessage.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            boolean truncated = e.getMessage() != null && e.getMessage().contains("truncated");
            return failFeed(truncated ? "gtfsrt.truncated-protobuf" : "gtfsrt.invalid-protobuf",
                    "feed " + feed.url() + " is not a readable GTFS-Realtime FeedMessage: " + e.getMessage(),
                    body, digest, Map.of("url", feed.url().toString()), start);
        }
        Instant now = clock.instant();
        GtfsRealtime.FeedHeader header = message.getHeader();
        Instant feedTime = header.getTimestamp() > 0 ? Instant.ofEpochSecond(header.getTimestamp())
                : fetched.receivedAt();
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("url", feed.url().toString());
        detail.put("feedTimestamp", feedTime.toString());
        if (feedTime.isAfter(now.plus(city.maxFutureSkew()))) {
            return failFeed("gtfsrt.future-timestamp", "feed " + feed.url() + " is timestamped " + feedTime
                    + ", more than " + city.maxFutureSkew() + " ahead of now", body, digest, detail, start);
        }
        if (lastFeedTime != null && feedTime.isBefore(lastFeedTime)) {
            detail.put("previousFeedTimestamp", lastFeedTime.toString());
            return failFeed("gtfsrt.timestamp-backwards", "feed " + feed.url() + " went back in time from "
                    + lastFeedTime + " to " + feedTime, body, digest, detail, start);
        }
        boolean advanced = lastFeedTime == null || feedTime.isAfter(lastFeedTime);

        Batch batch = new Batch(new EntityConverter(city, feed.id(), feed.url().toString(), schedule.get(),
                feedTime, fetched.receivedAt(), now));
        for (GtfsRealtime.FeedEntity entity : message.getEntityList()) {
            if (entity.getIsDeleted()) {
                continue;
            }
            if (entity.hasVehicle()) {
                batch.vehicle(entity);
            }
            if (entity.hasTripUpdate()) {
                batch.tripUpdate(entity);
            }
            if (entity.hasAlert()) {
                batch.alert(entity);
            }
        }
        batch.removedAlerts();
        try {
            CompletableFuture.allOf(batch.acks.toArray(CompletableFuture[]::new))
                    .get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            metrics.pollFailed(feed.id(), millisSince(start));
            states.failing(subject(), "publish.failed", "Kafka did not take the records of " + feed.url() + ": "
                    + (e instanceof ExecutionException ? e.getCause() : e));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        vehicles = batch.nextVehicles;
        trips = batch.nextTrips;
        alerts = batch.nextAlerts;
        validators = fetched.validators();
        lastDigest = digest;
        lastBody = body;
        lastFeedTime = feedTime;
        if (advanced) {
            lastAdvanceAt = now;
            staleReported = false;
        }
        return succeed(start, checkStale());
    }

    /** The records of one feed message, and the state to remember once they are acknowledged. */
    private final class Batch {
        final EntityConverter converter;
        final List<CompletableFuture<Void>> acks = new ArrayList<>();
        final Map<String, Long> nextVehicles = new HashMap<>();
        final Map<String, Long> nextTrips = new HashMap<>();
        final Map<String, PublishedAlert> nextAlerts = new HashMap<>();

        Batch(EntityConverter converter) {
            this.converter = converter;
        }

        void vehicle(GtfsRealtime.FeedEntity entity) {
            String vehicleId = EntityConverter.vehicleId(entity);
            long positionTime = converter.positionTime(entity).toEpochMilli();
            Long previous = vehicles.get(vehicleId);
            nextVehicles.put(vehicleId, positionTime);
            if (previous != null && previous == positionTime) {
                return;
            }
            EntityConverter.Converted<VehiclePosition> converted = converter.vehicle(entity);
            reject(converted.rejections());
            if (converted.record() != null) {
                acks.add(publisher.send(Topics.VEHICLE_POSITIONS, city.id() + "/" + vehicleId, converted.record()));
            }
        }

        void tripUpdate(GtfsRealtime.FeedEntity entity) {
            GtfsRealtime.TripUpdate tu = entity.getTripUpdate();
            String key = tu.getTrip().getTripId() + "|" + tu.getTrip().getStartDate() + "|" + entity.getId();
            // The update's own timestamp moves on every poll; only a change of content is news.
            long fingerprint = EventIds.fingerprint(tu.toBuilder().clearTimestamp().build().toByteArray());
            Long previous = trips.get(key);
            nextTrips.put(key, fingerprint);
            if (previous != null && previous == fingerprint) {
                return;
            }
            EntityConverter.Converted<TripUpdate> converted = converter.tripUpdate(entity);
            reject(converted.rejections());
            if (converted.record() != null) {
                acks.add(publisher.send(Topics.TRIP_UPDATES, city.id() + "/" + converted.record().getTripId(),
                        converted.record()));
            }
        }

        void alert(GtfsRealtime.FeedEntity entity) {
            long fingerprint = EventIds.fingerprint(entity.getAlert().toByteArray());
            PublishedAlert previous = alerts.get(entity.getId());
            if (previous != null && previous.fingerprint() == fingerprint) {
                nextAlerts.put(entity.getId(), previous);
                return;
            }
            ServiceAlert record = converter.alert(entity, fingerprint);
            nextAlerts.put(entity.getId(), new PublishedAlert(fingerprint, record));
            acks.add(publisher.send(Topics.SERVICE_ALERTS, city.id() + "/" + entity.getId(), record));
        }

        void removedAlerts() {
            for (Map.Entry<String, PublishedAlert> gone : alerts.entrySet()) {
                if (!nextAlerts.containsKey(gone.getKey())) {
                    acks.add(publisher.send(Topics.SERVICE_ALERTS, city.id() + "/" + gone.getKey(),
                            converter.removal(gone.getValue().record(), gone.getValue().fingerprint())));
                }
            }
        }

        private void reject(List<Rejection> rejections) {
            for (Rejection rejection : rejections) {
                acks.add(deadLetters.reject(rejection));
            }
        }
    }

    /**
     * Reports a feed whose timestamp has not moved for longer than {@code staleAfter}: once per episode, with the
     * last body as evidence.
     *
     * @return whether the feed is stale
     */
    private boolean checkStale() {
        if (lastAdvanceAt == null || Duration.between(lastAdvanceAt, clock.instant()).compareTo(staleAfter) <= 0) {
            return false;
        }
        String message = "feed " + feed.url() + " has been timestamped " + lastFeedTime + " since "
                + lastAdvanceAt + ", longer than " + staleAfter;
        if (!staleReported) {
            staleReported = true;
            deadLetters.reject(new Rejection(SOURCE, "gtfsrt.timestamp-not-advancing", message, city.id(),
                    feed.id(), feed.url().toString(), lastBody, PROTOBUF,
                    Map.of("url", feed.url().toString(), "feedTimestamp", String.valueOf(lastFeedTime))));
        }
        states.failing(subject(), "gtfsrt.timestamp-not-advancing", message);
        return true;
    }

    private boolean succeed(long start, boolean stale) {
        metrics.pollSucceeded(feed.id(), millisSince(start), lastFeedTime);
        if (!stale) {
            states.healthy(subject(), "polling again, feed time " + lastFeedTime);
        }
        return true;
    }

    private boolean failFeed(String reason, String message, byte[] body, String digest, Map<String, String> detail,
                             long start) {
        metrics.pollFailed(feed.id(), millisSince(start));
        states.failing(subject(), reason, message);
        // The same bad bytes on every poll are one bad input: dead-lettered and counted once.
        if (digest == null || !digest.equals(lastRejectedDigest)) {
            deadLetters.reject(new Rejection(SOURCE, reason, message, city.id(), feed.id(), feed.url().toString(),
                    body, body == null ? null : PROTOBUF, detail));
        }
        lastRejectedDigest = digest;
        return false;
    }

    /**
     * The FeedMessage's entities, counted by skipping over their bytes without building them, up to one past
     * {@code cap}: a few MB of small entities would otherwise expand into far more memory before any check could
     * run. A body that is not a readable message is left for the parser to describe.
     */
    static int countEntities(byte[] body, int cap) {
        CodedInputStream in = CodedInputStream.newInstance(body);
        int count = 0;
        try {
            for (int tag; (tag = in.readTag()) != 0; ) {
                if (WireFormat.getTagFieldNumber(tag) == GtfsRealtime.FeedMessage.ENTITY_FIELD_NUMBER
                        && ++count > cap) {
                    return count;
                }
                if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException e) {
            // Unreadable: parseFrom reports why.
        }
        return count;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
