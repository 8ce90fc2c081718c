package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.intake.ApiKeys;
import io.civicpulse.ingest.intake.IntakeMetrics;
import io.civicpulse.ingest.intake.IntakeServer;
import io.civicpulse.ingest.intake.KafkaEventSink;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.IndicatorEngine;

/**
 * Simulated e-service systems -> the real intake, and a simulated Open311 endpoint -> the real Open311 ingest, ->
 * Kafka -> the indicator engine -> civicpulse.indicators.v1 on the real broker and registry, every intake batch
 * posted twice as a retrying client would. Each final value of the nine service indicators (city and service
 * scopes, 15-minute and 1-hour windows) equals an independent computation over the generated events, counted once
 * (so a retried batch counts once); percentiles within the sketch's 1%.
 */
class ServiceIndicatorsEndToEndIT {

    @Test
    void finalValuesEqualAnIndependentComputationAndRetriedBatchesCountOnce() throws Exception {
        ServiceUsageScenario scenario = new ServiceUsageScenario();
        Map<String, Object> kafka = SharedStack.clientConfig();
        Map<String, Object> engineSettings = new HashMap<>(kafka);
        engineSettings.put("application.id", "civicpulse-e2e-" + scenario.city);
        engineSettings.put("state.dir", Files.createTempDirectory("e2e-state").toString());
        engineSettings.put("civicpulse.zone." + scenario.city, scenario.zone.getId());
        // Every input partition delivers within seconds here; the production defaults wait longer. When the run's
        // last events are in, the city goes quiet: its clock follows the wall clock after 20 s instead of 10 minutes,
        // so that the last windows close.
        engineSettings.put("civicpulse.source.startup.grace", "PT5S");
        // The shared broker's topics hold every earlier test's events, some cities with a month of Open311 history:
        // events from before this scenario are refused as too old instead of being aggregated.
        engineSettings.put("civicpulse.event.earliest", scenario.earliest.toString());
        engineSettings.put("civicpulse.idle.advance.after", "PT20S");
        try (scenario;
             IndicatorEngine engine = new IndicatorEngine(engineSettings);
             KafkaEventSink sink = new KafkaEventSink(kafka, Clock.systemUTC(), "e2e");
             IntakeServer intake = new IntakeServer(IntakeServer.Settings.defaults().withPort(0),
                     ApiKeys.parse("e2e-key-0123456789"), sink, new IntakeMetrics(), Clock.systemUTC()).start();
             KafkaConsumer<String, IndicatorValue> finals = scenario.finalsConsumer()) {
            engine.start();
            scenario.push(URI.create(intake.url() + "/v1/events"), "e2e-key-0123456789", scenario.start, scenario.end);
            // Generous: the engine first reads every earlier test's events on the shared broker.
            scenario.awaitAllFinals(finals, Duration.ofSeconds(240), () -> "engine state " + engine.state());
        }
        // Each indicator's minimum is checked inside: no indicator can pass with nothing compared.
        assertThat(scenario.assertFinalsMatchTheGeneratedEvents()).as("values compared").isGreaterThanOrEqualTo(400);
    }
}
