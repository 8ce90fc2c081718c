package io.civicpulse.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.city.CityConfig;

/** The example city file the README points operators at must load as written. */
class ExampleCityConfigTest {

    @Test
    void exampleCityFileLoadsWithEveryFeed() throws Exception {
        CityConfig sofia = CityConfig.load(Path.of("config", "sofia-simulated.properties"));

        assertThat(sofia.id()).isEqualTo("sofia");
        assertThat(sofia.zone()).isEqualTo(ZoneId.of("Europe/Sofia"));
        assertThat(sofia.gtfsStatic()).isNotNull();
        assertThat(sofia.realtimeFeeds()).hasSize(3);
        assertThat(sofia.gbfsFeeds()).hasSize(1);
        assertThat(sofia.bounds().contains(42.6977, 23.3219)).isTrue();
        assertThat(sofia.population().byArea()).containsEntry("city", 1_280_000L);
    }
}
