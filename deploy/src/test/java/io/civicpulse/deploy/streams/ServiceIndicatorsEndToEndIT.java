package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.intake.ApiKeys;
import io.civicpulse.ingest.intake.IntakeMetrics;
import io.civicpulse.ingest.intake.IntakeServer;
import io.civicpulse.ingest.intake.KafkaEventSink;
import io.civicpulse.ingest.simulator.services.IntakePusher;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.IndicatorEngine;

/**
 * Simulated e-service systems -> the real intake -> Kafka -> the indicator engine -> civicpulse.indicators.v1 on
 * the real broker and registry, every batch posted twice as a retrying client would. Each final value equals an
 * independent computation over the generated events, counted once.
 */
class ServiceIndicatorsEndToEndIT {

    private static final Set<String> DIGITAL = Set.of("web", "app", "api");
    private static final Set<String> ELECTRONIC = Set.of("card_online", "bank_transfer", "mobile_wallet",
            "direct_debit", "card_at_counter");

    @Test
    void finalValuesEqualAnIndependentComputationAndRetriedBatchesCountOnce() throws Exception {
        String city = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        ZoneId zone = ZoneId.of("Europe/Sofia");
        Instant start = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
        Instant end = start.plus(Duration.ofHours(2));
        ServiceUsageModel model = new ServiceUsageModel(city, 17, zone, start.minus(Duration.ofDays(30)), 0.5,
                new double[] {42.62, 23.20, 42.77, 23.45});
        Map<String, Object> kafka = SharedStack.clientConfig();
        Path stateDir = Files.createTempDirectory("e2e-state");

        Map<String, Object> engineSettings = new HashMap<>(kafka);
        engineSettings.put("application.id", "civicpulse-e2e-" + city);
        engineSettings.put("state.dir", stateDir.toString());
        engineSettings.put("civicpulse.zone." + city, zone.getId());
        // Every input partition delivers within seconds here; the production default waits longer.
        engineSettings.put("civicpulse.source.startup.grace", "PT5S");
        Map<String, IndicatorValue> finals = new ConcurrentHashMap<>();
        try (IndicatorEngine engine = new IndicatorEngine(engineSettings);
             KafkaEventSink sink = new KafkaEventSink(kafka, Clock.systemUTC(), "e2e");
             IntakeServer intake = new IntakeServer(IntakeServer.Settings.defaults().withPort(0),
                     ApiKeys.parse("e2e-key"), sink, new IntakeMetrics(), Clock.systemUTC()).start()) {
            engine.start();
            URI events = URI.create(intake.url() + "/v1/events");
            // Quarter by quarter, each batch twice: the second post is a client's retry after a lost 202.
            for (Instant quarter = start; quarter.isBefore(end); quarter = quarter.plus(Duration.ofMinutes(15))) {
                Clock at = Clock.fixed(quarter.plus(Duration.ofMinutes(15)), ZoneOffset.UTC);
                for (int attempt = 0; attempt < 2; attempt++) {
                    try (IntakePusher pusher = new IntakePusher(model, at, events, "e2e-key", quarter)) {
                        assertThat(pusher.pushUntilNow()).isPositive();
                    }
                }
            }

            Map<String, Object> consumerConfig = new HashMap<>(kafka);
            consumerConfig.put("group.id", "e2e-" + city);
            consumerConfig.put("auto.offset.reset", "earliest");
            consumerConfig.put("isolation.level", "read_committed");
            try (KafkaConsumer<String, IndicatorValue> consumer = new KafkaConsumer<>(consumerConfig,
                    Topics.INDICATORS.keySerde().deserializer(), Topics.INDICATORS.valueSerde(kafka).deserializer())) {
                consumer.subscribe(List.of(Topics.INDICATORS.name()));
                Instant lastClosed = end.minus(Duration.ofMinutes(15));
                await("finals of every quarter up to " + lastClosed).atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                                IndicatorValue v = r.value();
                                if (v.getCity().equals(city) && v.getFinal$() && v.getScope().equals("city")
                                        && v.getWindow().equals("PT15M")) {
                                    IndicatorValue before = finals.put(v.getIndicatorId() + "@"
                                            + v.getCalculationPeriodFrom(), v);
                                    assertThat(before).as("one final per window").isNull();
                                }
                            });
                            return finals.containsKey("gov.e-payment-share@" + lastClosed.minus(Duration.ofMinutes(15)))
                                    && finals.containsKey("gov.e-service-success@" + lastClosed.minus(Duration.ofMinutes(15)));
                        });
            }
        }

        int compared = 0;
        for (Instant from = start; from.isBefore(end.minus(Duration.ofMinutes(15))); from = from.plus(Duration.ofMinutes(15))) {
            Instant to = from.plus(Duration.ofMinutes(15));
            List<ServiceUsageModel.Event> window = model.events(from, to);
            long ended = 0;
            long completed = 0;
            long completedDigital = 0;
            long payments = 0;
            long electronic = 0;
            for (ServiceUsageModel.Event e : window) {
                Map<String, Object> f = e.fields();
                if (e.type().equals("session")) {
                    String phase = (String) f.get("phase");
                    if (!phase.equals("started")) {
                        ended++;
                    }
                    if (phase.equals("completed")) {
                        completed++;
                        if (DIGITAL.contains(f.get("channel"))) {
                            completedDigital++;
                        }
                    }
                } else if (e.type().equals("payment")) {
                    payments++;
                    if (ELECTRONIC.contains(f.get("method"))) {
                        electronic++;
                    }
                }
            }
            compared += expect(finals, "gov.e-service-success", from, completed, ended);
            compared += expect(finals, "gov.digital-channel-share", from, completedDigital, completed);
            compared += expect(finals, "gov.e-payment-share", from, electronic, payments);
        }
        assertThat(compared).as("windows compared").isGreaterThanOrEqualTo(12);
    }

    /** Asserts the final equals numerator/denominator exactly; an empty window must have no final at all. */
    private static int expect(Map<String, IndicatorValue> finals, String indicator, Instant from, long numerator,
                              long denominator) {
        IndicatorValue value = finals.get(indicator + "@" + from);
        if (denominator == 0) {
            assertThat(value).as(indicator + " from " + from + " has no data, so no value").isNull();
            return 0;
        }
        assertThat(value).as(indicator + " final from " + from).isNotNull();
        assertThat(value.getNumerator()).as(indicator + " numerator from " + from).isEqualTo(numerator);
        assertThat(value.getDenominator()).as(indicator + " denominator from " + from).isEqualTo(denominator);
        assertThat(value.getKpiValue()).isCloseTo(100.0 * numerator / denominator, within(1e-9));
        return 1;
    }
}
