package io.civicpulse.streams.transit;

import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.EventTimeExtractor;
import io.civicpulse.streams.validation.Received;
import io.civicpulse.streams.validation.ReceivedSerde;

/**
 * The schedule-based transit indicators' part of the topology: scheduled trips, service calendars, trip updates
 * and vehicle positions are checked, repartitioned by city (so a city's schedule and realtime data meet in one
 * task) and turned into one decision per active run ({@link TripRunProcessor}). What it returns joins the engine's
 * other checked events: decisions as contributions, bad records as dead letters.
 */
public final class TransitTopology {

    /** Name of the repartition topic of the city-keyed schedule and sightings. */
    public static final String INPUTS_REPARTITION = "transit-inputs";

    private TransitTopology() {
    }

    /**
     * Adds the trip-run branch. {@code tripUpdates} is the engine's one source of the trip-updates topic (a topic
     * can have one source in a topology); vehicle positions, scheduled trips and calendars get sources here.
     */
    public static KStream<String, Checked> add(StreamsBuilder builder, EngineConfig config,
                                               Map<String, Object> serdeConfig,
                                               KStream<String, Received<TripUpdate>> tripUpdates,
                                               KStream<String, Received<VehiclePosition>> vehiclePositions) {
        addStores(builder);
        KStream<String, Object> trips = builder
                .stream(Topics.SCHEDULED_TRIPS.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.SCHEDULED_TRIPS.valueSerde(serdeConfig)))
                        .withName("scheduled-trips-source"))
                .process(() -> new TransitChecks.Trips(config), Named.as("scheduled-trips-check"));
        KStream<String, Object> calendars = builder
                .stream(Topics.SERVICE_CALENDARS.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.SERVICE_CALENDARS.valueSerde(serdeConfig)))
                        .withName("service-calendars-source"))
                .process(() -> new TransitChecks.Services(config), Named.as("service-calendars-check"));
        KStream<String, Object> positions = vehiclePositions
                .process(() -> new TransitChecks.VehiclePositions(config), Named.as("vehicle-positions-sightings"));
        KStream<String, Object> updates = tripUpdates
                .process(() -> new TransitChecks.TripUpdates(config), Named.as("trip-updates-sightings"));

        KStream<String, Object> checked = trips
                .merge(calendars, Named.as("transit-merge-calendars"))
                .merge(positions, Named.as("transit-merge-positions"))
                .merge(updates, Named.as("transit-merge-trip-updates"));
        KStream<String, Checked> rejected = checked
                .filter((city, value) -> value instanceof Checked.Rejected, Named.as("transit-rejected"))
                .mapValues(value -> (Checked) value, Named.as("transit-rejected-checked"));
        KStream<String, Checked> decisions = checked
                .filter((city, value) -> value instanceof TransitInput, Named.as("transit-accepted"))
                .mapValues(value -> (TransitInput) value, Named.as("transit-inputs-typed"))
                // Keyed by city: the default partitioner puts all of a city's schedule and sightings in one task.
                .repartition(Repartitioned.with(Serdes.String(), TransitInput.serde()).withName(INPUTS_REPARTITION))
                .process(() -> new TripRunProcessor(config), Named.as("trip-runs"), TripRunProcessor.TRIPS_STORE,
                        TripRunProcessor.SERVICES_STORE, TripRunProcessor.SERVICE_TRIPS_STORE,
                        TripRunProcessor.RUNS_STORE, TripRunProcessor.CANCELS_STORE, TripRunProcessor.CLOCKS_STORE,
                        TripRunProcessor.COVERAGE_STORE);
        return rejected.merge(decisions, Named.as("transit-merge-decisions"));
    }

    /** Persistent, changelogged stores; runs and clocks are cached (a run is read and written per sighting). */
    private static void addStores(StreamsBuilder builder) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TripRunProcessor.TRIPS_STORE),
                Serdes.String(), CityRunClock.planSerde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TripRunProcessor.SERVICES_STORE), Serdes.String(),
                CityRunClock.daysSerde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TripRunProcessor.SERVICE_TRIPS_STORE), Serdes.String(),
                Serdes.Integer()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TripRunProcessor.RUNS_STORE),
                Serdes.String(), RunState.serde()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TripRunProcessor.CANCELS_STORE), Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TripRunProcessor.COVERAGE_STORE), Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TripRunProcessor.CLOCKS_STORE), Serdes.String(),
                CityRunClock.serde()).withCachingEnabled());
    }
}
