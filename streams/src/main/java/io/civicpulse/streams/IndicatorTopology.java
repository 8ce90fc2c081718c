package io.civicpulse.streams;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.services.OpenDataAccessEvent;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.DeduplicationProcessor;
import io.civicpulse.streams.aggregation.Emission;
import io.civicpulse.streams.aggregation.EventContributions;
import io.civicpulse.streams.aggregation.IndicatorWindowProcessor;
import io.civicpulse.streams.aggregation.SourceBacklog;
import io.civicpulse.streams.aggregation.StateSerdes;
import io.civicpulse.streams.aggregation.WriteBehindStore;
import io.civicpulse.streams.alerts.AlertedRoutesProcessor;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.maturity.MaturityConfig;
import io.civicpulse.streams.maturity.MaturityProcessor;
import io.civicpulse.streams.maturity.MaturityScoring;
import io.civicpulse.streams.results.CityPartitions;
import io.civicpulse.streams.results.IndicatorResultsProcessor;
import io.civicpulse.streams.freshness.VehiclePositionRules;
import io.civicpulse.streams.micromobility.SharedVehicleProcessor;
import io.civicpulse.streams.mobility.StopObservationProcessor;
import io.civicpulse.streams.mobility.StopObservationRules;
import io.civicpulse.streams.mobility.TripUpdateRules;
import io.civicpulse.streams.reference.PopulationProcessor;
import io.civicpulse.streams.services.CatalogueChangeProcessor;
import io.civicpulse.streams.services.OpenDataRules;
import io.civicpulse.streams.services.PaymentRules;
import io.civicpulse.streams.services.RequestRules;
import io.civicpulse.streams.services.SessionRules;
import io.civicpulse.streams.transit.TransitTopology;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.EventTimeExtractor;
import io.civicpulse.streams.validation.Received;
import io.civicpulse.streams.validation.ReceivedSerde;
import io.civicpulse.streams.validation.StampedWhenWritten;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * The indicator engine's topology, built by a pure function of its configuration: no I/O happens here, so a
 * {@code TopologyTestDriver} runs exactly what production runs. Every processor, store and internal topic has an
 * explicit name, so that a change of the topology never silently renames state (and the engine sets
 * {@code ensure.explicit.internal.resource.naming} to enforce it).
 *
 * <pre>
 * sessions, payments, open-data ─ validate ─┐            ┌─ rejected ──────────────────────────► dead letters
 * requests ─ validate (+ request state) ─────┤            │
 * city-services ─ catalogue-changes ─────────┼─ merge ─ split
 * population ─ population-check ─────────────┤            │
 * stop-observations ─ validate ──────────────┤            │
 * vehicle-positions ─ validate ──────────────┤            │
 * shared-vehicles ─ state ───────────────────┤            │
 * routes, alerts ─ check ─ by city ─ alert-affected-routes ┘
 * trip-updates ─ trip-updates-observe ─┬─► civicpulse.mobility.stop-observations.v1 (read back above)
 *                                      └─► dead letters
 * trip-updates, vehicle-positions, scheduled-trips, calendars ─ by city ─ trip-runs ─► merge (TransitTopology)
 *                                                        └─ accepted ─ dedup ─ contributions ─ repartition by city
 *   ─ indicator-windows ─┬─ values ─► civicpulse.indicators.v1 (+ latest ─► civicpulse.indicators.latest.v1)
 *                        └─ late events ─► dead letters
 * </pre>
 */
public final class IndicatorTopology {

    /**
     * Names of the repartition topics of the service-usage and the mobility contributions (the application id is
     * prefixed and "-repartition" appended).
     */
    public static final String CONTRIBUTIONS_REPARTITION = "indicator-contributions";
    public static final String MOBILITY_CONTRIBUTIONS_REPARTITION = "mobility-indicator-contributions";

    private IndicatorTopology() {
    }

    public static Topology build(EngineConfig config, Map<String, Object> serdeConfig) {
        return build(config, serdeConfig, SourceBacklog.UNKNOWN);
    }

    /**
     * The same, with what the running client's consumers know of unfetched input ({@link ConsumerBacklog}): a
     * read-only view handed in, so building still does no I/O.
     */
    public static Topology build(EngineConfig config, Map<String, Object> serdeConfig, SourceBacklog backlog) {
        return build(config, MaturityConfig.from(serdeConfig), serdeConfig, backlog);
    }

    /** The same, with the maturity configuration already loaded (and checked). */
    public static Topology build(EngineConfig config, MaturityConfig maturity, Map<String, Object> serdeConfig,
                                 SourceBacklog backlog) {
        maturity.requireWindowsAmong(config.windows());
        StreamsBuilder builder = new StreamsBuilder();
        addStores(builder, config);
        addResultStores(builder, config, serdeConfig);

        KStream<String, Checked> sessions = validated(builder, Topics.SERVICE_SESSIONS, ServiceSessionEvent.class,
                SessionRules::new, config, serdeConfig);
        KStream<String, Checked> payments = validated(builder, Topics.PAYMENTS, PaymentEvent.class,
                PaymentRules::new, config, serdeConfig);
        // Stateful rules (the per-request state of gov.open-requests): one instance per task, from the supplier.
        KStream<String, Checked> requests = validated(builder, Topics.SERVICE_REQUESTS, ServiceRequestEvent.class,
                RequestRules::new, config, serdeConfig, RequestRules.STORE);
        KStream<String, Checked> openData = validated(builder, Topics.OPEN_DATA_ACCESS, OpenDataAccessEvent.class,
                OpenDataRules::new, config, serdeConfig);
        KStream<String, Checked> population = builder
                .stream(Topics.POPULATION.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.POPULATION.valueSerde(serdeConfig)))
                        .withName("population-source"))
                .process(() -> new PopulationProcessor(config), Named.as("population-check"));
        KStream<String, Checked> catalogue = builder
                .stream(Topics.CITY_SERVICES.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.CITY_SERVICES.valueSerde(serdeConfig)))
                        .withName("city-services-source"))
                .process(() -> new CatalogueChangeProcessor(config), Named.as("city-services-changes"),
                        CatalogueChangeProcessor.STORE);

        Serde<DeadLetter> deadLetterSerde = Topics.DEAD_LETTERS.valueSerde(serdeConfig);
        KStream<String, Received<TripUpdate>> tripUpdates =
                addStopObservations(builder, config, serdeConfig, deadLetterSerde);
        // Vehicle positions feed pt.feed-freshness and the transit sightings: one source (a topology reads a topic
        // once), validated once, so a bad position is dead-lettered once.
        KStream<String, Received<VehiclePosition>> vehiclePositions = builder
                .stream(Topics.VEHICLE_POSITIONS.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.VEHICLE_POSITIONS.valueSerde(serdeConfig)))
                        .withTimestampExtractor(new EventTimeExtractor<>(VehiclePosition.class,
                                new VehiclePositionRules()::eventTimeMs))
                        .withName("vehicle-positions-source"));
        // Schedule-based transit indicators (pt.trips-served, pt.gps-tracked-trips): decisions and dead letters.
        KStream<String, Checked> tripRuns = TransitTopology.add(builder, config, serdeConfig, tripUpdates,
                vehiclePositions);
        KStream<String, Checked> positions = vehiclePositions.process(
                () -> new ValidationProcessor<>(new VehiclePositionRules(), config),
                Named.as("vehicle-positions-validate"));
        // The stops of the static feeds with their districts, for the district scope of the stop events: a global
        // table, since a city's stop events come on any partition, and small (one record per stop). Kept as bytes and
        // decoded where used: the global thread cannot dead-letter a record it cannot decode (Kafka's handler cannot
        // produce from there), and one bad stop must not stop the engine.
        builder.globalTable(Topics.STOPS.name(), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName("stops-source"),
                Materialized.<String, byte[], KeyValueStore<Bytes, byte[]>>as(StopObservationRules.STOPS_STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()));
        // Read back from their topic, not passed on in memory: the topic is the contract other consumers read, and
        // its records are de-duplicated by eventId like every other input.
        KStream<String, Checked> observations = validated(builder, Topics.STOP_OBSERVATIONS, StopObservation.class,
                () -> new StopObservationRules(Topics.STOPS.valueSerde(serdeConfig).deserializer()), config,
                serdeConfig);
        // Stateful: GBFS snapshots to level changes, per station and vehicle.
        KStream<String, Checked> sharedVehicles = SharedVehicleProcessor.addTo(builder, config, serdeConfig);
        // Routes and alerts, repartitioned by city to meet in one task.
        KStream<String, Checked> alertedRoutes = AlertedRoutesProcessor.addTo(builder, config, serdeConfig);

        // Two families, each de-duplicated and repartitioned on its own, so that each is a sub-topology of its own:
        // a task with many source topics pays for every empty one on every record (Kafka formats a lag message per
        // empty partition per record while it decides whether the task may process), and the families scale apart.
        KStream<String, Checked> services = sessions
                .merge(payments, Named.as("events-merge-payments"))
                .merge(catalogue, Named.as("events-merge-catalogue"))
                .merge(requests, Named.as("events-merge-requests"))
                .merge(openData, Named.as("events-merge-open-data"))
                .merge(population, Named.as("events-merge-population"));
        KStream<String, Checked> mobility = observations
                .merge(tripRuns, Named.as("mobility-events-merge-trip-runs"))
                .merge(positions, Named.as("mobility-events-merge-vehicle-positions"))
                .merge(sharedVehicles, Named.as("mobility-events-merge-shared-vehicles"))
                .merge(alertedRoutes, Named.as("mobility-events-merge-alerted-routes"));

        KStream<String, Emission> emissions = contributions(services, "", DeduplicationProcessor.STORE,
                CONTRIBUTIONS_REPARTITION, config, deadLetterSerde)
                .merge(contributions(mobility, "mobility-", DeduplicationProcessor.MOBILITY_STORE,
                        MOBILITY_CONTRIBUTIONS_REPARTITION, config, deadLetterSerde),
                        Named.as("contributions-merge-mobility"))
                .process(() -> new IndicatorWindowProcessor(config, backlog), Named.as("indicator-windows"),
                        IndicatorWindowProcessor.PANES_STORE, IndicatorWindowProcessor.TOTALS_STORE,
                        IndicatorWindowProcessor.CLOCKS_STORE, IndicatorWindowProcessor.POPULATION_STORE,
                        IndicatorWindowProcessor.LAST_SEEN_STORE);

        Map<String, KStream<String, Emission>> outputs = emissions
                .split(Named.as("emissions-"))
                .branch((key, value) -> value instanceof Emission.Rejected, Branched.as("late"))
                .defaultBranch(Branched.as("values"));

        toDeadLetters(outputs.get("emissions-late")
                .map((key, value) -> deadLetter(((Emission.Rejected) value).deadLetter()),
                        Named.as("late-as-dead-letters")), "late-dead-letters", deadLetterSerde);

        Serde<IndicatorValue> valueSerde = Topics.INDICATORS.valueSerde(serdeConfig);
        KStream<String, Emission.Value> values = outputs.get("emissions-values")
                .mapValues(value -> MaturityScoring.withStanding(maturity, (Emission.Value) value),
                        Named.as("indicator-values"));
        values.mapValues(Emission.Value::value, Named.as("indicator-values-history"))
                .to(Topics.INDICATORS.name(), Produced.with(Serdes.String(), valueSerde)
                        .withName("indicators-sink"));
        values.filter((key, value) -> value.latest(), Named.as("indicator-values-newest"))
                .mapValues(Emission.Value::value, Named.as("indicator-values-latest"))
                .to(Topics.INDICATORS_LATEST.name(), Produced.with(Serdes.String(),
                        Topics.INDICATORS_LATEST.valueSerde(serdeConfig)).withName("indicators-latest-sink"));
        values.process(IndicatorResultsProcessor::new, Named.as("indicator-results"),
                IndicatorResultsProcessor.LATEST_STORE, IndicatorResultsProcessor.HISTORY_STORE);

        // The maturity index, in the same task as the city's values (they come out partitioned by city).
        KStream<String, MaturityProcessor.Output> scores = values.process(
                () -> new MaturityProcessor(maturity, config.liveInterval()), Named.as("maturity-scores"),
                MaturityProcessor.INPUTS_STORE, MaturityProcessor.CLOSED_STORE, MaturityProcessor.LATEST_STORE,
                MaturityProcessor.HISTORY_STORE);
        scores.mapValues(MaturityProcessor.Output::score, Named.as("maturity-history-values"))
                .to(Topics.MATURITY.name(), Produced.with(Serdes.String(), Topics.MATURITY.valueSerde(serdeConfig))
                        .withName("maturity-sink"));
        scores.filter((key, value) -> value.latest(), Named.as("maturity-newest"))
                .mapValues(MaturityProcessor.Output::score, Named.as("maturity-latest-values"))
                .to(Topics.MATURITY_LATEST.name(), Produced.with(Serdes.String(),
                        Topics.MATURITY_LATEST.valueSerde(serdeConfig)).withName("maturity-latest-sink"));

        return builder.build();
    }

    /**
     * One family's checked events: rejected ones to the dead letters; accepted ones de-duplicated (in the family's
     * store) and sent to the window task as one record per event, keyed and partitioned by city. All of a city's
     * series go to one partition, so one task holds the city's stream time: an event is late for every scope or for
     * none, and every scope's windows close together.
     */
    private static KStream<String, List<Contribution>> contributions(
            KStream<String, Checked> checked, String prefix, String dedupStore, String repartition,
            EngineConfig config, Serde<DeadLetter> deadLetterSerde) {
        Map<String, KStream<String, Checked>> split = checked
                .split(Named.as(prefix + "events-"))
                .branch((key, value) -> value instanceof Checked.Rejected, Branched.as("rejected"))
                .defaultBranch(Branched.as("accepted"));
        toDeadLetters(split.get(prefix + "events-rejected")
                .map((key, value) -> deadLetter(((Checked.Rejected) value).deadLetter()),
                        Named.as(prefix + "rejected-as-dead-letters")), prefix + "rejected-dead-letters",
                deadLetterSerde);
        return split.get(prefix + "events-accepted")
                .mapValues(value -> ((Checked.Accepted) value).event(), Named.as(prefix + "accepted-events"))
                .process(() -> new DeduplicationProcessor(config.dedupHorizon(), dedupStore),
                        Named.as(prefix + "events-dedup"), dedupStore)
                .mapValues(EventContributions::contributions, Named.as(prefix + "events-contributions"))
                .filter((key, contributions) -> !contributions.isEmpty(), Named.as(prefix + "events-contributing"))
                // One record per event, keyed by its city: all its contributions belong to that city.
                .selectKey((key, contributions) -> contributions.get(0).city(),
                        Named.as(prefix + "contributions-by-city"))
                .repartition(Repartitioned.with(Serdes.String(), StateSerdes.contributions())
                        .withName(repartition)
                        .withStreamPartitioner(IndicatorTopology::partitionByCity));
    }

    private static <V extends org.apache.avro.specific.SpecificRecord> KStream<String, Checked> validated(
            StreamsBuilder builder, Topic<String, V> topic, Class<V> type, Supplier<EventRules<V>> rules,
            EngineConfig config, Map<String, Object> serdeConfig, String... stores) {
        Serde<Received<V>> serde = ReceivedSerde.wrap(topic.valueSerde(serdeConfig));
        EventRules<V> described = rules.get();
        return builder
                .stream(topic.name(), Consumed.with(Serdes.String(), serde)
                        .withTimestampExtractor(new EventTimeExtractor<>(type, described::eventTimeMs))
                        .withName(described.input() + "-source"))
                .process(() -> new ValidationProcessor<>(rules.get(), config), Named.as(described.input() + "-validate"),
                        stores);
    }

    /**
     * Trip updates to observed stop events, published to their topic; bad trip updates to the dead letters. Returns
     * the trip-updates source, which other branches read too (a topic has one source in a topology).
     */
    private static KStream<String, Received<TripUpdate>> addStopObservations(
            StreamsBuilder builder, EngineConfig config, Map<String, Object> serdeConfig,
            Serde<DeadLetter> deadLetterSerde) {
        TripUpdateRules rules = new TripUpdateRules();
        KStream<String, Received<TripUpdate>> tripUpdates = builder
                .stream(Topics.TRIP_UPDATES.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.TRIP_UPDATES.valueSerde(serdeConfig)))
                        .withTimestampExtractor(new EventTimeExtractor<>(TripUpdate.class, rules::eventTimeMs))
                        .withName("trip-updates-source"));
        KStream<String, org.apache.avro.specific.SpecificRecord> derived = tripUpdates
                .process(() -> new StopObservationProcessor(config), Named.as("trip-updates-observe"),
                        StopObservationProcessor.STORE);
        toDeadLetters(derived.filter((key, value) -> value instanceof DeadLetter, Named.as("trip-updates-rejected"))
                .mapValues(value -> (DeadLetter) value, Named.as("trip-updates-as-dead-letters")),
                "trip-updates-dead-letters", deadLetterSerde);
        derived.filter((key, value) -> value instanceof StopObservation, Named.as("stop-observations-derived"))
                .mapValues(value -> (StopObservation) value, Named.as("stop-observations-typed"))
                .to(Topics.STOP_OBSERVATIONS.name(), Produced.with(Serdes.String(),
                        Topics.STOP_OBSERVATIONS.valueSerde(serdeConfig)).withName("stop-observations-sink"));
        return tripUpdates;
    }

    /** The partition of an event's contributions: by their city alone. */
    static Optional<Set<Integer>> partitionByCity(String topic, String city, List<Contribution> contributions,
                                                  int partitions) {
        return Optional.of(Set.of(CityPartitions.partitionOf(city, partitions)));
    }

    /** Writes dead letters, stamped with the time they are written ({@link StampedWhenWritten}). */
    private static void toDeadLetters(KStream<String, DeadLetter> deadLetters, String name,
                                      Serde<DeadLetter> deadLetterSerde) {
        deadLetters.processValues(StampedWhenWritten::new, Named.as(name + "-stamped"))
                .to(Topics.DEAD_LETTERS.name(), Produced.with(Serdes.String(), deadLetterSerde)
                        .withName(name + "-sink"));
    }

    private static KeyValue<String, DeadLetter> deadLetter(DeadLetter deadLetter) {
        return KeyValue.pair(deadLetter.getSource() + "/" + deadLetter.getReason(), deadLetter);
    }

    /**
     * What the query API reads: newest values and finals of the indicators and of the maturity index. Values are
     * kept as their topics' Avro records (registered under the changelog topics' subjects), so a schema change
     * evolves them as it evolves the topics. History is a window store, whose segments expire whole after the
     * retention: no per-record clean-up.
     */
    private static void addResultStores(StreamsBuilder builder, EngineConfig config,
                                        Map<String, Object> serdeConfig) {
        Serde<IndicatorValue> indicatorSerde = Topics.INDICATORS.valueSerde(serdeConfig);
        Serde<MaturityScore> maturitySerde = Topics.MATURITY.valueSerde(serdeConfig);
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IndicatorResultsProcessor.LATEST_STORE), Serdes.String(),
                indicatorSerde).withCachingEnabled());
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(IndicatorResultsProcessor.HISTORY_STORE, config.historyRetention(),
                        Duration.ofMillis(1), false), Serdes.String(), indicatorSerde));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(MaturityProcessor.INPUTS_STORE), Serdes.String(),
                MaturityProcessor.inputsSerde()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(MaturityProcessor.CLOSED_STORE), Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(MaturityProcessor.LATEST_STORE), Serdes.String(), maturitySerde));
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(MaturityProcessor.HISTORY_STORE, config.maturityHistoryRetention(),
                        Duration.ofMillis(1), false), Serdes.String(), maturitySerde));
    }

    /**
     * The engine's stores, all persistent and changelogged. Panes, totals and clocks are cached: a busy series reads
     * and writes the same pane many times between commits, and the cache turns that into one changelog write.
     */
    private static void addStores(StreamsBuilder builder, EngineConfig config) {
        for (String dedup : List.of(DeduplicationProcessor.STORE, DeduplicationProcessor.MOBILITY_STORE)) {
            builder.addStateStore(Stores.keyValueStoreBuilder(
                    Stores.persistentKeyValueStore(dedup), Serdes.String(), Serdes.Long()));
        }
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CatalogueChangeProcessor.STORE), Serdes.String(), Serdes.Integer()));
        // Panes and totals take many writes per key between two commits: written behind, as objects, once per
        // commit (WriteBehindStore); beneath, the record cache keeps the recently written ones for reads.
        builder.addStateStore(WriteBehindStore.builder(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IndicatorWindowProcessor.PANES_STORE), Serdes.String(),
                StateSerdes.tally()).withCachingEnabled()));
        builder.addStateStore(WriteBehindStore.builder(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IndicatorWindowProcessor.TOTALS_STORE), Serdes.String(),
                StateSerdes.seriesTotals()).withCachingEnabled()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IndicatorWindowProcessor.CLOCKS_STORE), Serdes.String(),
                Serdes.Long()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IndicatorWindowProcessor.POPULATION_STORE), Serdes.String(),
                Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(IndicatorWindowProcessor.LAST_SEEN_STORE), Serdes.String(),
                StateSerdes.lastSeen()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RequestRules.STORE), Serdes.String(), RequestRules.stateSerde())
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StopObservationProcessor.STORE), Serdes.String(),
                StopObservationProcessor.stateSerde()).withCachingEnabled());
    }
}
