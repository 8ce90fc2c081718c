package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.config.EngineConfig;

class IndicatorTopologyTest {

    private static final Map<String, Object> SERDE = Map.of("schema.registry.url", "mock://topology-description");

    @Test
    void everyProcessorAndStoreHasAnExplicitName() {
        String description = IndicatorTopology.build(EngineConfig.defaultConfig(), SERDE).describe().toString();
        // Generated names (KSTREAM-MAP-0000000012) change when the topology changes, and with them state.
        assertThat(description).doesNotContain("KSTREAM-").doesNotContain("KTABLE-");
        assertThat(description).contains("indicator-windows", "indicator-panes", "indicator-window-totals",
                "event-ids-seen", "indicator-contributions-repartition");
    }

    @Test
    void serviceUsageAndMobilityAreSubTopologiesOfTheirOwnBesideTheWindowTask() {
        List<Set<String>> sources = new ArrayList<>();
        for (TopologyDescription.Subtopology sub : IndicatorTopology.build(EngineConfig.defaultConfig(), SERDE)
                .describe().subtopologies()) {
            Set<String> topics = new TreeSet<>();
            sub.nodes().forEach(node -> {
                if (node instanceof TopologyDescription.Source source) {
                    topics.addAll(source.topicSet());
                }
            });
            sources.add(topics);
        }
        // A task pays per record for each of its empty source partitions: the busy service topics must not share
        // a task with the mobility feeds.
        assertThat(sources).hasSize(3);
        assertThat(sources).anySatisfy(topics -> assertThat(topics).contains(Topics.SERVICE_SESSIONS.name(),
                Topics.PAYMENTS.name(), Topics.OPEN_DATA_ACCESS.name()).doesNotContain(Topics.TRIP_UPDATES.name(),
                Topics.VEHICLE_POSITIONS.name()));
        assertThat(sources).anySatisfy(topics -> assertThat(topics).containsExactlyInAnyOrder(
                "indicator-contributions-repartition", "mobility-indicator-contributions-repartition"));
    }

    @Test
    void readsTheServiceTopicsAndWritesIndicatorsLatestAndDeadLetters() {
        TopologyDescription description = IndicatorTopology.build(EngineConfig.defaultConfig(), SERDE).describe();
        String text = description.toString();
        assertThat(text).contains(Topics.SERVICE_SESSIONS.name(), Topics.PAYMENTS.name(), Topics.CITY_SERVICES.name(),
                Topics.INDICATORS.name(), Topics.INDICATORS_LATEST.name(), Topics.DEAD_LETTERS.name());
    }

    @Test
    void readsRequestsOpenDataPopulationAndTripUpdatesAndPublishesStopObservations() {
        String text = IndicatorTopology.build(EngineConfig.defaultConfig(), SERDE).describe().toString();
        assertThat(text).contains(Topics.SERVICE_REQUESTS.name(), Topics.OPEN_DATA_ACCESS.name(),
                Topics.POPULATION.name(), Topics.TRIP_UPDATES.name(), Topics.STOP_OBSERVATIONS.name(),
                "open311-request-state", "trip-stop-predictions", "indicator-population");
    }

    @Test
    void readsVehiclePositionsSharedVehiclesRoutesAndAlertsIntoNamedState() {
        String text = IndicatorTopology.build(EngineConfig.defaultConfig(), SERDE).describe().toString();
        assertThat(text).contains(Topics.VEHICLE_POSITIONS.name(), Topics.SHARED_VEHICLE_AVAILABILITY.name(),
                Topics.ROUTES.name(), Topics.SERVICE_ALERTS.name(), "shared-vehicle-state", "alert-active-routes",
                "alert-states", "alert-route-counts", "alert-city-clock", "alert-route-inputs-repartition");
    }

    @Test
    void buildingIsPureAndRepeatable() {
        String first = IndicatorTopology.build(EngineConfig.defaultConfig(), SERDE).describe().toString();
        String second = IndicatorTopology.build(EngineConfig.defaultConfig(), SERDE).describe().toString();
        assertThat(second).isEqualTo(first);
    }
}
