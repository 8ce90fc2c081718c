package io.civicpulse.streams.mobility;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.processor.api.ProcessorContext;

import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;

/**
 * Observed stop events: each counts once in pt.on-time-performance (on time when its delay is within [-60 s,
 * +180 s], both bounds inclusive) and adds its delay in seconds to pt.delay-p50 and pt.delay-p90, per city and per
 * route of the trip, in the window of its observed time. An event with |delay| above 3 hours is feed noise: counted
 * ({@value #NOISE} metric), never used.
 */
public final class StopObservationRules implements EventRules<StopObservation> {

    /** Metric of observations left out as feed noise, tagged {@code stop-observations}. */
    public static final String NOISE = "stop-delay-noise";
    public static final int EARLIEST_ON_TIME_SECONDS = -60;
    public static final int LATEST_ON_TIME_SECONDS = 180;
    public static final int NOISE_ABOVE_SECONDS = 3 * 3600;

    private static final String ON_TIME = IndicatorCatalogue.PT_ON_TIME_PERFORMANCE.id();
    private static final String P50 = IndicatorCatalogue.PT_DELAY_P50.id();
    private static final String P90 = IndicatorCatalogue.PT_DELAY_P90.id();

    private EngineMetrics metrics;

    @Override
    public void init(ProcessorContext<?, ?> context) {
        this.metrics = new EngineMetrics(context.metrics());
    }

    @Override
    public String input() {
        return "stop-observations";
    }

    @Override
    public String city(StopObservation event) {
        return event.getCity();
    }

    @Override
    public String eventId(StopObservation event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(StopObservation event) {
        return event.getObservedTime().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(StopObservation event) {
        // The observed time is a prediction, ahead of when it was received: no future-skew check applies.
        return null;
    }

    @Override
    public Problem problem(StopObservation event) {
        if (event.getTripId() == null || event.getTripId().isBlank() || event.getStopId() == null
                || event.getStopId().isBlank()) {
            return Problem.of(DeadLetters.MISSING_FIELD, "stop observation has no tripId or stopId", "tripId");
        }
        return null;
    }

    @Override
    public List<Contribution> contributions(StopObservation event, EventOrigin origin) {
        int delay = event.getDelaySeconds();
        if (Math.abs((long) delay) > NOISE_ABOVE_SECONDS) {
            if (metrics != null) {
                metrics.record(NOISE, input());
            }
            return List.of();
        }
        String city = event.getCity();
        long time = eventTimeMs(event);
        long onTime = delay >= EARLIEST_ON_TIME_SECONDS && delay <= LATEST_ON_TIME_SECONDS ? 1 : 0;
        List<String> scopes = event.getRouteId() == null || event.getRouteId().isBlank()
                ? List.of(ScopeKind.CITY_SCOPE)
                : List.of(ScopeKind.CITY_SCOPE, ScopeKind.ROUTE.scope(event.getRouteId()));
        List<Contribution> contributions = new ArrayList<>(6);
        for (String scope : scopes) {
            contributions.add(Contribution.count(city, ON_TIME, scope, time, onTime, 1, origin));
            contributions.add(Contribution.sample(city, P50, scope, time, delay, origin));
            contributions.add(Contribution.sample(city, P90, scope, time, delay, origin));
        }
        return contributions;
    }
}
