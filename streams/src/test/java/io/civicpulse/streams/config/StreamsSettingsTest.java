package io.civicpulse.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamsSettingsTest {

    @Test
    void defaultsAreExactlyOnceWithStateOutsideTmp() throws IOException {
        Map<String, Object> settings = StreamsSettings.load(null, Map.of());
        assertThat(settings).containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("application.id", "civicpulse-indicators")
                .containsEntry("num.standby.replicas", "0")
                .containsEntry("commit.interval.ms", "500")
                .containsEntry("processing.exception.handler.global.enabled", "true");
        assertThat(settings.get("state.dir").toString()).doesNotStartWith("/tmp");
    }

    @Test
    void environmentOverridesFileWhichOverridesDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("engine.properties");
        Files.writeString(file, "bootstrap.servers=file:9092\nnum.standby.replicas=1\ncivicpulse.grace=PT2M\n");
        Map<String, Object> settings = StreamsSettings.load(file, Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "KAFKA_SCHEMA_REGISTRY_URL", "http://registry:8081",
                "CIVICPULSE_ZONE_LA__AQUILA", "Europe/Rome",
                "PATH", "/usr/bin"));
        assertThat(settings).containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("schema.registry.url", "http://registry:8081")
                .containsEntry("num.standby.replicas", "1")
                .containsEntry("civicpulse.zone.la-aquila", "Europe/Rome")
                .doesNotContainKey("path");
        EngineConfig config = EngineConfig.from(settings);
        assertThat(config.grace()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.zoneOf("la-aquila")).isEqualTo(ZoneId.of("Europe/Rome"));
        assertThat(config.zoneOf("sofia")).isEqualTo(ZoneId.of("Europe/Sofia"));
    }

    @Test
    void mainConsumerFetchesSmallChunksUnlessAFetchSizeIsSet() throws IOException {
        assertThat(StreamsSettings.load(null, Map.of()))
                .containsEntry("main.consumer.max.partition.fetch.bytes", "65536");
        // Any setting of the fetch size, prefixed or not, is the operator's: the default must not override it
        // (a main.consumer. prefix would win over a plain or consumer.-prefixed one).
        for (String variable : new String[] {"KAFKA_MAX_PARTITION_FETCH_BYTES",
                "KAFKA_CONSUMER_MAX_PARTITION_FETCH_BYTES", "KAFKA_MAIN_CONSUMER_MAX_PARTITION_FETCH_BYTES"}) {
            Map<String, Object> settings = StreamsSettings.load(null, Map.of(variable, "1048576"));
            assertThat(settings.entrySet()).filteredOn(e -> e.getKey().endsWith("max.partition.fetch.bytes"))
                    .as(variable).singleElement().extracting(Map.Entry::getValue).isEqualTo("1048576");
        }
    }

    @Test
    void engineDefaultsGiveTheFourWindowsOfTheDomain() {
        assertThat(EngineConfig.defaultConfig().windows()).extracting(w -> w.label())
                .containsExactly("PT15M", "PT1H", "PT24H", "P1D-calendar");
    }

    @Test
    void unreadableValueNamesItsKey() {
        assertThatThrownBy(() -> EngineConfig.from(Map.of("civicpulse.grace", "five minutes")))
                .hasMessageContaining("civicpulse.grace");
        assertThatThrownBy(() -> EngineConfig.from(Map.of("civicpulse.zone.sofia", "Mars/Olympus")))
                .hasMessageContaining("civicpulse.zone.sofia");
    }
}
