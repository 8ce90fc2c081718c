package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.IndicatorEngine;

/**
 * A simulated city's GTFS static, GTFS-Realtime and GBFS feeds -> the real mobility ingest -> Kafka -> the indicator
 * engine -> civicpulse.indicators.v1, on the real broker and registry: every mobility indicator's final values equal
 * an independent computation over what ingest published (exact for counts, ratios and the delay percentiles, within
 * 1% for the sketched feed freshness).
 */
class MobilityIndicatorsEndToEndIT {

    /** Per indicator, at least this many finals compared, so that the test cannot pass on nothing. */
    static final int MINIMUM_PER_INDICATOR = 4;

    @Test
    void finalValuesEqualAnIndependentComputationOverTheIngestedFeeds() throws Exception {
        Map<String, Integer> compared;
        try (MobilityScenario scenario = new MobilityScenario();
             IndicatorEngine engine = new IndicatorEngine(engineSettings(scenario));
             KafkaConsumer<String, IndicatorValue> finals = scenario.finalsConsumer()) {
            engine.start();
            // Running before the city starts, as in production, where the engine runs before a city's feeds do.
            await("engine running").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> engine.state() == KafkaStreams.State.RUNNING);
            scenario.startCity();
            scenario.runUntil(scenario.end, finals);
            scenario.awaitEngineAt(scenario.end.minus(Duration.ofMinutes(5)), finals, Duration.ofSeconds(150));
            scenario.stopIngest();
            scenario.computeExpected();
            scenario.awaitExpectedFinals(finals, Duration.ofSeconds(60), () -> "engine state " + engine.state());
            compared = scenario.assertFinalsMatch();
            assertThat(scenario.unexpectedFinalsInCheckedWindows()).as("finals with no data behind them").isEmpty();
        }
        System.out.println("mobility finals compared: " + compared);
        for (String indicator : MobilityScenario.INDICATORS) {
            assertThat(compared.getOrDefault(indicator, 0)).as("finals of " + indicator + " compared")
                    .isGreaterThanOrEqualTo(MINIMUM_PER_INDICATOR);
        }
    }

    static Map<String, Object> engineSettings(MobilityScenario scenario) throws Exception {
        Map<String, Object> settings = new HashMap<>(SharedStack.clientConfig());
        settings.put("application.id", "civicpulse-e2e-" + scenario.city);
        settings.put("state.dir", Files.createTempDirectory("e2e-mobility-state").toString());
        settings.put("civicpulse.zone." + scenario.city, scenario.zone.getId());
        // Every input partition delivers within seconds here; the production default waits 30 s.
        settings.put("civicpulse.source.startup.grace", "PT5S");
        // The shared broker's topics hold every earlier test's events: older ones are refused, not aggregated.
        settings.put("civicpulse.event.earliest", scenario.start.minus(Duration.ofHours(1)).toString());
        settings.put("civicpulse.idle.advance.after", "PT20S");
        return settings;
    }
}
