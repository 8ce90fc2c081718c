package io.civicpulse.streams.mobility;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.schemas.reference.Stop;
import io.civicpulse.schemas.topics.Topics;
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
 * +180 s], both bounds inclusive) and adds its delay in seconds to pt.delay-p50 and pt.delay-p90, per city, per
 * route of the trip and per district of the stop, in the window of its observed time. An event with |delay| above
 * 3 hours is feed noise: counted ({@value #NOISE} metric), never used.
 *
 * <p>The stop's district comes from the static feed's stops ({@value #STOPS_STORE}, a global table of the stops
 * topic, where ingest placed each stop in the city's district boundaries): global, because a city's stop
 * observations arrive on any partition. A stop not (yet) in the table, or outside every district, has no district
 * scope.
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

    /** The global table of the stops topic (encoded records), by its key {@code city/stopId}. */
    public static final String STOPS_STORE = "stops-global";

    /** A stop's record as last decoded, and its district. */
    private record DecodedStop(byte[] record, String district) {
    }

    private final Deserializer<Stop> stopDeserializer;
    /** Decoded stops by key: a stop's record changes with its static feed, not with each of its observations. */
    private final Map<String, DecodedStop> decoded = new HashMap<>();
    private EngineMetrics metrics;
    private ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> stops;

    /** Rules without districts (the stop events' contributions to city and route scopes only). */
    public StopObservationRules() {
        this(null);
    }

    /** @param stopDeserializer decodes the stops topic's records; null: no district scope */
    public StopObservationRules(Deserializer<Stop> stopDeserializer) {
        this.stopDeserializer = stopDeserializer;
    }

    @Override
    public void init(ProcessorContext<?, ?> context) {
        this.metrics = new EngineMetrics(context.metrics());
        if (stopDeserializer != null) {
            this.stops = context.getStateStore(STOPS_STORE);
        }
    }

    /** The district of the observation's stop, or null. */
    private String district(StopObservation event) {
        if (stops == null) {
            return null;
        }
        String key = event.getCity() + "/" + event.getStopId();
        ValueAndTimestamp<byte[]> stored = stops.get(key);
        byte[] record = stored == null ? null : stored.value();
        if (record == null) {
            return null;
        }
        DecodedStop known = decoded.get(key);
        if (known != null && Arrays.equals(known.record(), record)) {
            return known.district();
        }
        String district;
        try {
            Stop stop = stopDeserializer.deserialize(Topics.STOPS.name(), record);
            district = stop == null ? null : stop.getDistrict();
        } catch (SerializationException unreadable) {
            // The observation still counts, without a district; the stop is looked at again when it changes.
            metrics.record(EngineMetrics.REJECTED, "stops:" + DeadLetters.UNDESERIALIZABLE);
            district = null;
        }
        decoded.put(key, new DecodedStop(record, district));
        return district;
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
        List<String> scopes = new ArrayList<>(3);
        scopes.add(ScopeKind.CITY_SCOPE);
        if (event.getRouteId() != null && !event.getRouteId().isBlank()) {
            scopes.add(ScopeKind.ROUTE.scope(event.getRouteId()));
        }
        String district = district(event);
        if (district != null && !district.isBlank()) {
            scopes.add(ScopeKind.DISTRICT.scope(district));
        }
        List<Contribution> contributions = new ArrayList<>(3 * scopes.size());
        for (String scope : scopes) {
            contributions.add(Contribution.count(city, ON_TIME, scope, time, onTime, 1, origin));
            contributions.add(Contribution.sample(city, P50, scope, time, delay, origin));
            contributions.add(Contribution.sample(city, P90, scope, time, delay, origin));
        }
        return contributions;
    }
}
