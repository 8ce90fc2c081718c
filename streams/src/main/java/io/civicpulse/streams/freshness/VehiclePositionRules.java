package io.civicpulse.streams.freshness;

import java.time.Duration;
import java.util.List;

import org.apache.kafka.streams.processor.api.ProcessorContext;

import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * GTFS-Realtime vehicle positions. What makes one unusable: no vehicle id or feed id (or ones that would break keys),
 * coordinates that are not a place on Earth; a position time after its own ingestion by more than the allowed skew
 * is rejected by the common checks. Each accepted position adds one sample to pt.feed-freshness (city scope): its
 * age when it reached the pipeline, ingestedAt - positionTime in seconds, counted in the window of its ingestedAt,
 * since the indicator is about when data arrives (a stale position is the very thing it measures, and counting it
 * at its position time would put it in a window already closed). De-duplication by eventId (city, feed, vehicle,
 * position time) makes a position repeated in later polls count once, at its first arrival.
 *
 * <p>A negative age (position time after ingestion, within the allowed skew) is clock skew between the vehicle and
 * ingest: the data cannot come from the future, so its age is taken as 0 and counted
 * ({@value #NEGATIVE_AGE}-total). An age above {@link #MAX_AGE} cannot be the latency of a live feed (an unset or
 * wrong vehicle clock, a GPS week rollover): it is feed noise, left out of the indicator and counted
 * ({@value #AGE_NOISE}-total), and the position stays accepted for other uses. Both metrics count records as
 * received, before de-duplication.
 */
public final class VehiclePositionRules implements EventRules<VehiclePosition> {

    /** Ages above this are feed noise, not freshness. */
    public static final Duration MAX_AGE = Duration.ofHours(24);
    /** Metric: a negative age taken as 0. */
    public static final String NEGATIVE_AGE = "feed-age-negative";
    /** Metric: an age above {@link #MAX_AGE} left out. */
    public static final String AGE_NOISE = "feed-age-noise";

    private static final String FRESHNESS = IndicatorCatalogue.PT_FEED_FRESHNESS.id();
    private static final double SECOND_MS = 1000.0;

    private EngineMetrics metrics;

    @Override
    public void init(ProcessorContext<?, ?> context) {
        this.metrics = new EngineMetrics(context.metrics());
    }

    @Override
    public String input() {
        return "vehicle-positions";
    }

    @Override
    public String city(VehiclePosition event) {
        return event.getCity();
    }

    @Override
    public String eventId(VehiclePosition event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(VehiclePosition event) {
        return event.getPositionTime().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(VehiclePosition event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(VehiclePosition event) {
        Problem problem = ValidationProcessor.unusableId("vehicle position", "feedId", event.getFeedId());
        if (problem == null) {
            problem = ValidationProcessor.unusableId("vehicle position", "vehicleId", event.getVehicleId());
        }
        if (problem == null && event.getTripId() != null) {
            // The trip id keys the transit indicators' state: one that would break keys makes the position unusable.
            String invalid = ValidationProcessor.invalidScope(event.getTripId());
            problem = invalid == null ? null : Problem.of(DeadLetters.INVALID_FIELD, "tripId: " + invalid, "tripId");
        }
        if (problem != null) {
            return problem;
        }
        double lat = event.getLatitude();
        double lon = event.getLongitude();
        if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
            return Problem.of(DeadLetters.INVALID_FIELD, "position " + lat + "," + lon + " of vehicle "
                    + event.getVehicleId() + " is not a WGS84 coordinate", "latitude");
        }
        return null;
    }

    @Override
    public List<Contribution> contributions(VehiclePosition event, EventOrigin origin) {
        long ingestedAt = event.getIngestedAt().toEpochMilli();
        long ageMs = ingestedAt - event.getPositionTime().toEpochMilli();
        if (ageMs > MAX_AGE.toMillis()) {
            metrics.record(AGE_NOISE, FRESHNESS);
            return List.of();
        }
        if (ageMs < 0) {
            metrics.record(NEGATIVE_AGE, FRESHNESS);
            ageMs = 0;
        }
        return List.of(Contribution.sample(event.getCity(), FRESHNESS, ScopeKind.CITY_SCOPE, ingestedAt,
                ageMs / SECOND_MS, origin));
    }
}
