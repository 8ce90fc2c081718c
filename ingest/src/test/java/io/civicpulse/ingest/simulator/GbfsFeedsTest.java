package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GbfsFeedsTest {

    private SimulationClock clock;
    private CitySimulation sofia;
    private SimulatorServer server;

    @BeforeEach
    void start() throws IOException {
        clock = SimulationClock.manual(Instant.parse("2026-03-31T05:00:00Z"));
        sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, clock);
        server = SimulatorServer.start("127.0.0.1", 0, List.of(sofia));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void v3DiscoveryListsEveryFileAtAnAbsoluteUrlThatAnswers() {
        JsonNode gbfs = FeedClient.json(server.urls("sofia").gbfsV3());
        assertThat(gbfs.path("version").asText()).isEqualTo("3.0");
        List<String> names = new ArrayList<>();
        for (JsonNode feed : gbfs.path("data").path("feeds")) {
            names.add(feed.path("name").asText());
            JsonNode doc = FeedClient.json(URI.create(feed.path("url").asText()));
            assertThat(doc.path("version").asText()).isEqualTo("3.0");
            assertThat(doc.has("ttl")).isTrue();
            assertThat(OffsetDateTime.parse(doc.path("last_updated").asText())).isNotNull();
        }
        assertThat(names).contains("system_information", "station_information", "station_status", "vehicle_status",
                "vehicle_types");
    }

    @Test
    void v3DocumentsHaveTheFieldsTheSpecRequires() {
        JsonNode system = v3("system_information").path("data");
        for (String field : List.of("system_id", "languages", "name", "opening_hours", "feed_contact_email", "timezone")) {
            assertThat(system.has(field)).as(field).isTrue();
        }
        assertThat(system.path("name").get(0).has("language")).isTrue();
        assertThat(v3("station_information").path("data").path("stations")).allSatisfy(s -> {
            assertThat(s.path("station_id").isTextual()).isTrue();
            assertThat(s.path("name").get(0).path("text").isTextual()).isTrue();
            assertThat(s.path("lat").isNumber() && s.path("lon").isNumber()).isTrue();
        });
        assertThat(v3("station_status").path("data").path("stations")).allSatisfy(s -> {
            assertThat(s.path("num_vehicles_available").isInt()).isTrue();
            assertThat(s.path("vehicle_types_available").isArray()).isTrue();
            assertThat(s.path("is_installed").isBoolean() && s.path("is_renting").isBoolean()
                    && s.path("is_returning").isBoolean()).isTrue();
            assertThat(OffsetDateTime.parse(s.path("last_reported").asText())).isNotNull();
        });
        assertThat(v3("vehicle_status").path("data").path("vehicles")).isNotEmpty().allSatisfy(v -> {
            assertThat(v.path("vehicle_id").isTextual()).isTrue();
            assertThat(v.path("is_reserved").isBoolean() && v.path("is_disabled").isBoolean()).isTrue();
            assertThat(v.has("station_id") || v.has("lat") && v.has("lon")).isTrue();
        });
        assertThat(v3("vehicle_types").path("data").path("vehicle_types")).allSatisfy(t -> {
            assertThat(t.has("vehicle_type_id") && t.has("form_factor") && t.has("propulsion_type")).isTrue();
        });
    }

    @Test
    void v2DocumentsUseV2NamesAndPosixTimes() {
        JsonNode gbfs = FeedClient.json(server.urls("sofia").gbfsV2());
        assertThat(gbfs.path("version").asText()).isEqualTo("2.3");
        assertThat(gbfs.path("last_updated").isIntegralNumber()).isTrue();
        assertThat(gbfs.path("data").path("en").path("feeds")).extracting(f -> f.path("name").asText())
                .contains("system_information", "station_information", "station_status", "free_bike_status");
        JsonNode system = v2("system_information").path("data");
        for (String field : List.of("system_id", "language", "name", "timezone")) {
            assertThat(system.has(field)).as(field).isTrue();
        }
        assertThat(v2("station_information").path("data").path("stations").get(0).path("name").isTextual()).isTrue();
        assertThat(v2("station_status").path("data").path("stations")).allSatisfy(s -> {
            assertThat(s.path("num_bikes_available").isInt()).isTrue();
            assertThat(s.path("num_docks_available").isInt()).isTrue();
            assertThat(s.path("last_reported").isIntegralNumber()).isTrue();
            assertThat(s.has("num_vehicles_available")).isFalse();
        });
        assertThat(v2("free_bike_status").path("data").path("bikes")).isNotEmpty()
                .allSatisfy(b -> assertThat(b.path("bike_id").isTextual()).isTrue());
    }

    @Test
    void someStationsAreEmptyAndOneIsNotInstalled() {
        JsonNode stations = v3("station_status").path("data").path("stations");
        assertThat(stations).anySatisfy(s -> {
            assertThat(s.path("is_installed").asBoolean()).isTrue();
            assertThat(s.path("num_vehicles_available").asInt()).isZero();
        });
        assertThat(stations).anySatisfy(s -> {
            assertThat(s.path("is_installed").asBoolean()).isFalse();
            assertThat(s.path("is_renting").asBoolean()).isFalse();
        });
    }

    @Test
    void bikesAreTakenAndReturnedAndTheFleetIsConserved() {
        Map<String, Integer> before = docked();
        clock.advance(Duration.ofHours(2));
        Map<String, Integer> after = docked();
        assertThat(after).isNotEqualTo(before);
        BikeShare.Snapshot snapshot = sofia.bikeShare().snapshot(clock.instant());
        int dockedBikes = snapshot.stations().stream().mapToInt(s -> s.bikeIds().size()).sum();
        assertThat(dockedBikes + snapshot.bikesInUse()).isEqualTo(NetworkSize.SMALL.bikes());
    }

    @Test
    void theSameSeedAndStartGiveTheSameStationStatusWhateverThePollingPattern() {
        SimulationClock other = SimulationClock.manual(clock.instant());
        CitySimulation twin = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, other);
        for (int i = 0; i < 12; i++) {
            other.advance(Duration.ofMinutes(10));
            twin.bikeShare().snapshot(other.instant());
        }
        clock.advance(Duration.ofHours(2));
        assertThat(twin.gbfs(3, "station_status", "x").orElseThrow().body())
                .isEqualTo(sofia.gbfs(3, "station_status", "x").orElseThrow().body());
    }

    private Map<String, Integer> docked() {
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode s : v3("station_status").path("data").path("stations")) {
            counts.put(s.path("station_id").asText(), s.path("num_docks_available").asInt());
        }
        return counts;
    }

    private JsonNode v3(String file) {
        return FeedClient.json(URI.create(server.baseUri() + "/sofia/gbfs/v3/" + file + ".json"));
    }

    private JsonNode v2(String file) {
        return FeedClient.json(URI.create(server.baseUri() + "/sofia/gbfs/v2/" + file + ".json"));
    }
}
