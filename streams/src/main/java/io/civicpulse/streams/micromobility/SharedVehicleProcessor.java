package io.civicpulse.streams.micromobility;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.AvailabilityKind;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventContributions;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventTimeExtractor;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.Received;
import io.civicpulse.streams.validation.ReceivedSerde;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * Turns GBFS snapshots (one station status, or one vehicle, per record) into changes of the two micromobility
 * levels: micromobility.station-availability (installed, renting stations with at least one vehicle available /
 * installed stations) and micromobility.vehicles-available-per-100k (vehicles available at renting stations plus
 * free-floating vehicles available, not docked at a station). Both at city scope.
 *
 * <p>{@value #STORE} holds, per {@code city|operator|S|stationId} and {@code city|operator|V|vehicleId}, what the
 * entry is counted as and by which report ({@link SharedVehicleState}); each record moves the entry to the state it
 * describes and contributes only the difference. The same status seen twice changes nothing; a report older than the
 * one applied (lastReported, then ingestedAt) changes nothing; the same station id at two operators is two stations.
 *
 * <p>The levels are what the feeds showed as received: a change counts from the record's ingestedAt, not from its
 * lastReported. Presence in the feed is only known by receipt (a vehicle's last_reported may be hours old while it
 * stands in every snapshot), and one time axis for adding an entry and for taking it out is what keeps the count
 * exact: an entry taken out at its forget time and received again with a report from before that time would
 * otherwise count twice in between (once by its old state, once by the report) while a catch-up still has those
 * windows open.
 *
 * <p>Ingest publishes an entry when it changed and, unchanged, again every few minutes while it stays in the feed;
 * it says nothing when one leaves (a rented vehicle, a removed station). So an entry the pipeline has not received
 * for {@link #STATION_FORGET_AFTER} (stations) or {@link #VEHICLE_FORGET_AFTER} (free vehicles) of the city's
 * ingestion time is taken out of the levels, at the time it became stale, and forgotten: state holds only entries
 * received within those times. The city's ingestion time is the newest ingestedAt of its records in this task, in
 * memory (after a restart, forgetting waits for the city's next record); it moves only with records, so a city whose
 * feeds all stop keeps its last levels. The scan runs each minute of the city's ingestion time and each wall-clock
 * minute. Records must be keyed by city, operator and entry id on their topic (as ingest does), so that an entry's
 * records meet in one task.
 */
public final class SharedVehicleProcessor
        implements Processor<String, Received<SharedVehicleAvailability>, String, Checked> {

    public static final String STORE = "shared-vehicle-state";
    /**
     * A station whose status has not been received for this long leaves the levels. Docks report every few minutes
     * and ingest publishes each new report; an hour without one means the station left the feed or stopped
     * reporting, and its last status is no longer what riders find.
     */
    public static final Duration STATION_FORGET_AFTER = Duration.ofHours(1);
    /**
     * A free vehicle not received for this long leaves the level. A rented vehicle disappears from the feed (and may
     * come back under a new id: GBFS rotates ids per trip), so it must leave within about a trip's length; a parked
     * vehicle reports more often than this, and each report is published again.
     */
    public static final Duration VEHICLE_FORGET_AFTER = Duration.ofMinutes(30);
    private static final Duration SCAN_EVERY = Duration.ofMinutes(1);

    private static final String AVAILABILITY = IndicatorCatalogue.MICROMOBILITY_STATION_AVAILABILITY.id();
    private static final String VEHICLES = IndicatorCatalogue.MICROMOBILITY_VEHICLES_PER_100K.id();
    private static final String SEPARATOR = "|";

    private final ValidationProcessor<SharedVehicleAvailability> checks;
    private final int inlineLimit;
    private ProcessorContext<String, Checked> context;
    private KeyValueStore<String, SharedVehicleState> states;
    private EngineMetrics metrics;
    /** Per city: the newest ingestion time received, and the input partition that brought it. */
    private final Map<String, CityClock> clocks = new HashMap<>();
    /** Per city: the ingestion time of its last scan for entries to forget. */
    private final Map<String, Long> scannedAt = new HashMap<>();

    public SharedVehicleProcessor(EngineConfig config) {
        this.checks = new ValidationProcessor<>(new SharedVehicleRules(config.maxFutureSkew()), config);
        this.inlineLimit = config.inlinePayloadLimit();
    }

    /** Adds the shared-vehicle input, its state store and this processor; returns the checked events. */
    public static KStream<String, Checked> addTo(StreamsBuilder builder, EngineConfig config,
                                                 Map<String, Object> serdeConfig) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                SharedVehicleState.serde()).withCachingEnabled());
        SharedVehicleRules rules = new SharedVehicleRules(config.maxFutureSkew());
        return builder
                .stream(Topics.SHARED_VEHICLE_AVAILABILITY.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.SHARED_VEHICLE_AVAILABILITY.valueSerde(serdeConfig)))
                        .withTimestampExtractor(new EventTimeExtractor<>(SharedVehicleAvailability.class,
                                rules::eventTimeMs))
                        .withName(rules.input() + "-source"))
                .process(() -> new SharedVehicleProcessor(config), Named.as(rules.input() + "-state"), STORE);
    }

    private record CityClock(long ingestedMs, String topic, int partition) {
    }

    @Override
    public void init(ProcessorContext<String, Checked> context) {
        this.context = context;
        this.states = context.getStateStore(STORE);
        this.metrics = new EngineMetrics(context.metrics());
        // Wall clock: entries must be forgotten while the city's other entries still flow, whatever the order.
        context.schedule(SCAN_EVERY, PunctuationType.WALL_CLOCK_TIME, this::forgetStale);
    }

    @Override
    public void process(Record<String, Received<SharedVehicleAvailability>> record) {
        Received<SharedVehicleAvailability> received = record.value();
        SharedVehicleAvailability event = received == null ? null : received.value();
        Problem problem = event == null
                ? Problem.of(DeadLetters.MISSING_FIELD, "record has no value (a tombstone on an event topic)", "value")
                : checks.problem(event, context.currentSystemTimeMs());
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        String topic = metadata == null ? Topics.SHARED_VEHICLE_AVAILABILITY.name() : metadata.topic();
        int partition = metadata == null ? -1 : metadata.partition();
        long offset = metadata == null ? -1 : metadata.offset();
        if (problem != null) {
            reject(record, event, problem, topic, partition, offset);
            return;
        }
        String city = event.getCity();
        long seen = event.getIngestedAt().toEpochMilli();
        CityClock clock = clocks.get(city);
        if (clock == null || seen > clock.ingestedMs) {
            clocks.put(city, new CityClock(seen, topic, partition));
            // The city's ingestion time, not only the wall clock, drives forgetting: in a catch-up or a fast replay
            // a wall minute is hours of feed, and an entry forgotten that late would leave the level after the
            // windows it left had closed (late, so never). Before this record is applied: it may bring one back.
            Long lastScan = scannedAt.get(city);
            if (lastScan == null || seen - lastScan >= SCAN_EVERY.toMillis()) {
                scannedAt.put(city, seen);
                forgetStale(states.prefixScan(city + SEPARATOR, new StringSerializer()));
            }
        }
        String key = stateKey(event);
        SharedVehicleState before = states.get(key);
        long reported = event.getLastReported().toEpochMilli();
        if (before != null && before.supersedes(reported, seen)) {
            return; // an older report, or one already applied: what it says is known or superseded
        }
        SharedVehicleState after = SharedVehicleState.of(event, seen);
        states.put(key, after);
        EventOrigin origin = new EventOrigin(event.getEventId(), topic, partition, offset, record.key(),
                received.size());
        List<Contribution> changes = changes(city, before, after, seen, origin);
        if (!changes.isEmpty()) {
            // Unique per record: this processor's state already tells a repeated status, and an entry forgotten and
            // received again with the same eventId must count again, which de-duplication by eventId would prevent.
            context.forward(record.withValue(new Checked.Accepted(new EventContributions(
                    "shared-vehicles:" + topic + "/" + partition + "@" + offset, seen, changes))));
        }
    }

    private static String stateKey(SharedVehicleAvailability event) {
        boolean station = event.getKind() == AvailabilityKind.STATION;
        return event.getCity() + SEPARATOR + event.getOperatorId() + SEPARATOR + (station ? "S" : "V") + SEPARATOR
                + (station ? event.getStationId() : event.getVehicleId());
    }

    /** The changes of the levels from {@code before} to {@code after} (either null: not counted at all). */
    private static List<Contribution> changes(String city, SharedVehicleState before, SharedVehicleState after,
                                              long time, EventOrigin origin) {
        List<Contribution> changes = new ArrayList<>(2);
        long installed = flag(after != null && after.installed()) - flag(before != null && before.installed());
        long withVehicle = flag(after != null && after.withVehicle())
                - flag(before != null && before.withVehicle());
        if (installed != 0 || withVehicle != 0) {
            // The sample count of the level is the number of installed stations behind it.
            changes.add(new Contribution(city, AVAILABILITY, ScopeKind.CITY_SCOPE, time, withVehicle, installed,
                    installed, Double.NaN, origin));
        }
        long vehicles = (after == null ? 0 : after.vehicles()) - (before == null ? 0 : before.vehicles());
        if (vehicles != 0) {
            changes.add(new Contribution(city, VEHICLES, ScopeKind.CITY_SCOPE, time, vehicles, 0, vehicles,
                    Double.NaN, origin));
        }
        return changes;
    }

    private static long flag(boolean value) {
        return value ? 1 : 0;
    }

    /** Every scan: every city's entries. */
    private void forgetStale(long wallClockMs) {
        forgetStale(states.all());
    }

    /**
     * Takes every entry the iterator yields (and closes) that was not received within its forget time of its city's
     * ingestion time out of the levels.
     */
    private void forgetStale(KeyValueIterator<String, SharedVehicleState> entries) {
        List<KeyValue<String, SharedVehicleState>> stale = new ArrayList<>();
        try (KeyValueIterator<String, SharedVehicleState> all = entries) {
            while (all.hasNext()) {
                KeyValue<String, SharedVehicleState> entry = all.next();
                CityClock clock = clocks.get(entry.key.substring(0, entry.key.indexOf(SEPARATOR)));
                if (clock != null && entry.value.seenMs() + forgetAfterMs(entry.value) <= clock.ingestedMs) {
                    stale.add(entry);
                }
            }
        }
        // Deleted after the scan: stores are not to be modified under an open iterator.
        for (KeyValue<String, SharedVehicleState> entry : stale) {
            states.delete(entry.key);
            String city = entry.key.substring(0, entry.key.indexOf(SEPARATOR));
            CityClock clock = clocks.get(city);
            // When it became stale: never ahead of what the city's records have reached.
            long time = entry.value.seenMs() + forgetAfterMs(entry.value);
            String id = "forgotten:" + entry.key + "@" + entry.value.seenMs();
            EventOrigin origin = new EventOrigin(id, clock.topic(), clock.partition(), -1, entry.key, 0);
            List<Contribution> changes = changes(city, entry.value, null, time, origin);
            if (!changes.isEmpty()) {
                context.forward(new Record<>(entry.key, new Checked.Accepted(new EventContributions(
                        "shared-vehicles:" + id, time, changes)), time));
            }
        }
    }

    private static long forgetAfterMs(SharedVehicleState state) {
        return (state.station() ? STATION_FORGET_AFTER : VEHICLE_FORGET_AFTER).toMillis();
    }

    private void reject(Record<String, Received<SharedVehicleAvailability>> record, SharedVehicleAvailability event,
                        Problem problem, String topic, int partition, long offset) {
        metrics.record(EngineMetrics.REJECTED, "shared-vehicles:" + problem.reason());
        Map<String, String> detail = DeadLetters.headersAsText(record.headers(), new LinkedHashMap<>(problem.detail()));
        String city = event == null || event.getCity() == null || event.getCity().isBlank() ? null : event.getCity();
        DeadLetter deadLetter = DeadLetters.rejected(problem.reason(), problem.message(), city, topic, partition,
                offset, record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                record.value() == null ? null : record.value().raw(), detail, context.currentSystemTimeMs(),
                inlineLimit);
        context.forward(record.withValue(new Checked.Rejected(deadLetter)));
    }
}
