package io.civicpulse.streams.mobility;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.ObservationBasis;
import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.StopTimeScheduleRelationship;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.Received;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * Derives observed stop events from trip-update predictions, the method of docs/indicators.md (pt.on-time-performance): a stop event is one
 * (service date, trip, stop visit), and its observed time is the newest prediction received for it by the time the
 * vehicle passed: the stop left the trip's update, or the feed time reached the predicted time. A visit whose
 * passing is not seen by its scheduled time + 30 min (in feed time) is observed then, with the prediction it had
 * ({@link ObservationBasis#PREDICTION_AT_DEADLINE}); predictions received after that deadline are not used. The
 * predicted arrival is used, the departure where there is no arrival (a trip's first stop). A SKIPPED stop makes no
 * event; a CANCELED trip makes none (its pending predictions are dropped). A visit is identified by stop and
 * scheduled time (ingest matched a loop route's prediction to the closest scheduled visit), so a stop visited twice
 * gives two events.
 *
 * <p>State ({@value #STORE}): per {@code city/serviceDate/tripId}, the trip's visits with their newest prediction,
 * kept until {@link #FORGET_AFTER} of feed time after the trip's last update. Trips are keyed by service date from
 * the trip update (ingest derives it with the city's service-day start, 04:00 in Sofia), so a trip id that runs on
 * two service dates gives two trips. An update older than the newest seen for its trip (a re-delivered poll) changes
 * nothing. Each event is emitted once; its eventId is derived from city, service date, trip, stop and visit, so a
 * re-derivation after a crash counts once downstream. Feed time is kept per city, in memory: after a restart a
 * city's deadlines wait for its next update. Trip updates must be keyed by city and trip on their topic (as ingest
 * does), so that a trip's updates meet in one task.
 */
public final class StopObservationProcessor implements Processor<String, Received<TripUpdate>, String, SpecificRecord> {

    public static final String STORE = "trip-stop-predictions";
    /** A visit not seen passed by its scheduled time plus this is observed with the prediction it had. */
    public static final Duration DEADLINE = Duration.ofMinutes(30);
    /** A trip with no update for this long (feed time) is forgotten, once every visit is observed. */
    public static final Duration FORGET_AFTER = Duration.ofHours(3);
    private static final Duration SCAN_EVERY = Duration.ofMinutes(1);
    private static final long MAX_DELAY_SECONDS = Integer.MAX_VALUE;

    private final ValidationProcessor<TripUpdate> checks;
    private final int inlineLimit;
    private final long deadlineMs = DEADLINE.toMillis();
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, TripPredictions> trips;
    private EngineMetrics metrics;
    /** Per city: the newest feed time seen. */
    private final Map<String, Long> feedClocks = new HashMap<>();
    /** Per city: the feed time of its last scan for due visits. */
    private final Map<String, Long> scannedAt = new HashMap<>();

    public StopObservationProcessor(EngineConfig config) {
        this.checks = new ValidationProcessor<>(new TripUpdateRules(), config);
        this.inlineLimit = config.inlinePayloadLimit();
    }

    /** The serde of {@value #STORE}. */
    public static org.apache.kafka.common.serialization.Serde<?> stateSerde() {
        return TripPredictions.serde();
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.trips = context.getStateStore(STORE);
        this.metrics = new EngineMetrics(context.metrics());
        // Wall clock: deadlines must pass for trips whose updates stopped, while the city's other trips still flow.
        context.schedule(SCAN_EVERY, PunctuationType.WALL_CLOCK_TIME, this::observeDue);
    }

    @Override
    public void process(Record<String, Received<TripUpdate>> record) {
        Received<TripUpdate> received = record.value();
        TripUpdate update = received == null ? null : received.value();
        Problem problem = update == null
                ? Problem.of(DeadLetters.MISSING_FIELD, "record has no value (a tombstone on an event topic)", "value")
                : checks.problem(update, context.currentSystemTimeMs());
        if (problem != null) {
            reject(record, update, problem);
            return;
        }
        String city = update.getCity();
        long feed = update.getFeedTimestamp().toEpochMilli();
        feedClocks.merge(city, feed, Math::max);
        String key = city + "/" + update.getServiceDate() + "/" + update.getTripId();
        TripPredictions trip = trips.get(key);
        if (trip != null && feed < trip.lastFeedMs) {
            return; // an older poll delivered again: what it says is already superseded
        }
        if (update.getScheduleRelationship() == TripScheduleRelationship.CANCELED) {
            // Not served: no stop events, and predictions made before the cancellation are void.
            trips.delete(key);
            return;
        }
        if (trip == null) {
            trip = new TripPredictions(update.getRouteId() == null ? "" : update.getRouteId(), feed);
        } else if (update.getRouteId() != null) {
            trip.routeId = update.getRouteId();
        }
        trip.lastFeedMs = feed;
        // First the deadlines: a prediction received after scheduled time + 30 min is not used.
        observeDue(key, trip, feed, false);
        long ingestedAt = update.getIngestedAt().toEpochMilli();
        Set<TripPredictions.Visit> listed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (StopTimePrediction stop : update.getStopTimeUpdates()) {
            if (stop.getScheduleRelationship() == StopTimeScheduleRelationship.SKIPPED) {
                skip(trip, stop);
                continue;
            }
            boolean arrival = stop.getArrivalTime() != null;
            Instant predicted = arrival ? stop.getArrivalTime() : stop.getDepartureTime();
            Instant scheduled = arrival
                    ? first(stop.getScheduledArrivalTime(), stop.getScheduledDepartureTime())
                    : first(stop.getScheduledDepartureTime(), stop.getScheduledArrivalTime());
            if (predicted == null || scheduled == null
                    || stop.getScheduleRelationship() == StopTimeScheduleRelationship.NO_DATA) {
                continue; // no prediction, or a stop ingest could not match to the schedule: no delay to tell
            }
            TripPredictions.Visit visit = trip.find(stop.getStopId(), scheduled.toEpochMilli());
            if (visit == null) {
                if (scheduled.toEpochMilli() + deadlineMs <= feed) {
                    continue; // first predicted after its deadline
                }
                visit = new TripPredictions.Visit(stop.getStopId(), scheduled.toEpochMilli(),
                        predicted.toEpochMilli(), ingestedAt, false);
                trip.visits.add(visit);
            } else if (!visit.done) {
                visit.predictedMs = predicted.toEpochMilli();
                visit.ingestedAtMs = ingestedAt;
            }
            listed.add(visit);
        }
        for (TripPredictions.Visit visit : trip.visits) {
            if (!visit.done && (!listed.contains(visit) || visit.predictedMs <= feed)) {
                observe(key, trip, visit, ObservationBasis.LAST_PREDICTION_BEFORE_PASSING);
            }
        }
        trips.put(key, trip);
        // Feed time, not only the wall clock, drives the scan: in a catch-up or a fast replay a minute of wall time
        // is hours of feed time, and a trip's last stop (which no later update shows leaving) would be observed
        // long after its window closed, late and left out. After the put: the scan reads this trip's new state.
        long lastScan = scannedAt.getOrDefault(city, Long.MIN_VALUE);
        if (lastScan == Long.MIN_VALUE || feed - lastScan >= SCAN_EVERY.toMillis()) {
            scannedAt.put(city, feed);
            scan(trips.prefixScan(city + "/", new StringSerializer()));
        }
    }

    private static Instant first(Instant preferred, Instant otherwise) {
        return preferred != null ? preferred : otherwise;
    }

    /** A SKIPPED stop: its visit makes no event (the visit with that scheduled time, or every open one of the stop). */
    private static void skip(TripPredictions trip, StopTimePrediction stop) {
        Instant scheduled = first(stop.getScheduledArrivalTime(), stop.getScheduledDepartureTime());
        boolean found = false;
        for (TripPredictions.Visit visit : trip.visits) {
            if (visit.stopId.equals(stop.getStopId()) && !visit.done
                    && (scheduled == null || visit.scheduledMs == scheduled.toEpochMilli())) {
                visit.done = true;
                found = true;
            }
        }
        if (!found && scheduled != null) {
            trip.visits.add(new TripPredictions.Visit(stop.getStopId(), scheduled.toEpochMilli(),
                    scheduled.toEpochMilli(), 0, true));
        }
    }

    /**
     * Observes every open visit of the trip that feed time {@code feed} has passed: its deadline, and with
     * {@code passed} also its newest prediction (for a trip whose updates stopped, so that no update will show the
     * stop leaving). True if any.
     */
    private boolean observeDue(String key, TripPredictions trip, long feed, boolean passed) {
        boolean any = false;
        for (TripPredictions.Visit visit : trip.visits) {
            if (visit.done) {
                continue;
            }
            if (passed && visit.predictedMs <= feed) {
                observe(key, trip, visit, ObservationBasis.LAST_PREDICTION_BEFORE_PASSING);
                any = true;
            } else if (visit.scheduledMs + deadlineMs <= feed) {
                observe(key, trip, visit, ObservationBasis.PREDICTION_AT_DEADLINE);
                any = true;
            }
        }
        return any;
    }

    private void observe(String key, TripPredictions trip, TripPredictions.Visit visit, ObservationBasis basis) {
        visit.done = true;
        String[] parts = key.split("/", 3);
        String city = parts[0];
        LocalDate serviceDate = LocalDate.parse(parts[1]);
        String tripId = parts[2];
        int stopVisit = trip.visitNumber(visit);
        long delaySeconds = Math.floorDiv(visit.predictedMs - visit.scheduledMs, 1000L);
        String identity = city + "\n" + serviceDate + "\n" + tripId + "\n" + visit.stopId + "\n" + stopVisit;
        StopObservation observation = StopObservation.newBuilder()
                .setCity(city)
                .setServiceDate(serviceDate)
                .setTripId(tripId)
                .setRouteId(trip.routeId)
                .setStopId(visit.stopId)
                .setStopVisit(stopVisit)
                .setScheduledTime(Instant.ofEpochMilli(visit.scheduledMs))
                .setObservedTime(Instant.ofEpochMilli(visit.predictedMs))
                // Clamped only to fit the field: anything beyond 3 hours is noise the indicators leave out anyway.
                .setDelaySeconds((int) Math.max(-MAX_DELAY_SECONDS, Math.min(MAX_DELAY_SECONDS, delaySeconds)))
                .setObservationBasis(basis)
                .setEventId(UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString())
                .setIngestedAt(visit.ingestedAtMs > 0 ? Instant.ofEpochMilli(visit.ingestedAtMs) : null)
                .build();
        context.forward(new Record<>(key, observation, visit.predictedMs));
    }

    /** Every scan: the deadlines that feed time has passed, and trips done and quiet long enough to forget. */
    private void observeDue(long wallClockMs) {
        scan(trips.all());
    }

    /** Observes the due visits of the trips the iterator yields (and closes it), forgets those done long enough. */
    private void scan(KeyValueIterator<String, TripPredictions> entries) {
        Map<String, TripPredictions> changed = new LinkedHashMap<>();
        List<String> forgotten = new ArrayList<>();
        long forgetMs = FORGET_AFTER.toMillis();
        try (KeyValueIterator<String, TripPredictions> all = entries) {
            while (all.hasNext()) {
                KeyValue<String, TripPredictions> entry = all.next();
                Long clock = feedClocks.get(entry.key.substring(0, entry.key.indexOf('/')));
                if (clock == null) {
                    continue;
                }
                TripPredictions trip = entry.value;
                if (observeDue(entry.key, trip, clock, true)) {
                    changed.put(entry.key, trip);
                }
                if (trip.allDone() && clock - trip.lastFeedMs > forgetMs) {
                    forgotten.add(entry.key);
                    changed.remove(entry.key);
                }
            }
        }
        // Written after the scan: stores are not to be modified under an open iterator.
        changed.forEach(trips::put);
        forgotten.forEach(trips::delete);
    }

    private void reject(Record<String, Received<TripUpdate>> record, TripUpdate update, Problem problem) {
        metrics.record(EngineMetrics.REJECTED, "trip-updates:" + problem.reason());
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        Map<String, String> detail = DeadLetters.headersAsText(record.headers(), new LinkedHashMap<>(problem.detail()));
        String city = update == null || update.getCity() == null || update.getCity().isBlank() ? null
                : update.getCity();
        DeadLetter deadLetter = DeadLetters.rejected(problem.reason(), problem.message(), city,
                metadata == null ? "trip-updates" : metadata.topic(), metadata == null ? -1 : metadata.partition(),
                metadata == null ? -1 : metadata.offset(),
                record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                record.value() == null ? null : record.value().raw(), detail, context.currentSystemTimeMs(),
                inlineLimit);
        context.forward(new Record<>(DeadLetters.key(problem.reason()), deadLetter, record.timestamp()));
    }
}
