package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
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

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.simulator.services.IntakePusher;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.topics.Topics;

/**
 * Two simulated hours of a fresh city's e-service usage: pushed to an intake quarter by quarter (each batch twice,
 * as a retrying client would), the engine's final 15-minute values read back, and an independent computation of
 * what they must be from the generated events.
 */
final class ServiceUsageScenario {

    private static final Set<String> DIGITAL = Set.of("web", "app", "api");
    private static final Set<String> ELECTRONIC = Set.of("card_online", "bank_transfer", "mobile_wallet",
            "direct_debit", "card_at_counter");

    final String city = "e2e" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final ZoneId zone = ZoneId.of("Europe/Sofia");
    final Instant start = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
    final Instant end = start.plus(Duration.ofHours(2));
    final ServiceUsageModel model = new ServiceUsageModel(city, 17, zone, start.minus(Duration.ofDays(30)), 0.5,
            new double[] {42.62, 23.20, 42.77, 23.45});
    /** Final city-scope PT15M values by indicator@from. */
    final Map<String, IndicatorValue> finals = new ConcurrentHashMap<>();

    /** Posts the quarters in [from, to), each batch twice. */
    void push(URI eventsUrl, String apiKey, Instant from, Instant to) throws Exception {
        for (Instant quarter = from; quarter.isBefore(to); quarter = quarter.plus(Duration.ofMinutes(15))) {
            Clock at = Clock.fixed(quarter.plus(Duration.ofMinutes(15)), ZoneOffset.UTC);
            for (int attempt = 0; attempt < 2; attempt++) {
                try (IntakePusher pusher = new IntakePusher(model, at, eventsUrl, apiKey, quarter)) {
                    assertThat(pusher.pushUntilNow()).isPositive();
                }
            }
        }
    }

    KafkaConsumer<String, IndicatorValue> finalsConsumer() {
        Map<String, Object> config = new HashMap<>(SharedStack.clientConfig());
        config.put("group.id", "finals-" + city + "-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        config.put("isolation.level", "read_committed");
        KafkaConsumer<String, IndicatorValue> consumer = new KafkaConsumer<>(config,
                Topics.INDICATORS.keySerde().deserializer(), Topics.INDICATORS.valueSerde(config).deserializer());
        consumer.subscribe(List.of(Topics.INDICATORS.name()));
        return consumer;
    }

    /** Reads what arrived; true once the finals of every quarter up to end - 15 min are in. */
    boolean collectFinals(KafkaConsumer<String, IndicatorValue> consumer) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> {
            IndicatorValue v = r.value();
            if (v.getCity().equals(city) && v.getFinal$() && v.getScope().equals("city")
                    && v.getWindow().equals("PT15M")) {
                IndicatorValue before = finals.put(v.getIndicatorId() + "@" + v.getCalculationPeriodFrom(), v);
                assertThat(before).as("one final per window, even across a crash: %s", v).isNull();
            }
        });
        Instant last = end.minus(Duration.ofMinutes(30));
        return finals.containsKey("gov.e-payment-share@" + last) && finals.containsKey("gov.e-service-success@" + last);
    }

    boolean hasAnyFinal() {
        return !finals.isEmpty();
    }

    /** Compares every final with the independent computation; returns how many values were compared. */
    int assertFinalsMatchTheGeneratedEvents() {
        int compared = 0;
        for (Instant from = start; from.isBefore(end.minus(Duration.ofMinutes(15))); from = from.plus(Duration.ofMinutes(15))) {
            long ended = 0;
            long completed = 0;
            long completedDigital = 0;
            long payments = 0;
            long electronic = 0;
            for (ServiceUsageModel.Event e : model.events(from, from.plus(Duration.ofMinutes(15)))) {
                Map<String, Object> f = e.fields();
                if (e.type().equals("session")) {
                    String phase = (String) f.get("phase");
                    ended += phase.equals("started") ? 0 : 1;
                    if (phase.equals("completed")) {
                        completed++;
                        completedDigital += DIGITAL.contains(f.get("channel")) ? 1 : 0;
                    }
                } else if (e.type().equals("payment")) {
                    payments++;
                    electronic += ELECTRONIC.contains(f.get("method")) ? 1 : 0;
                }
            }
            compared += expect("gov.e-service-success", from, completed, ended);
            compared += expect("gov.digital-channel-share", from, completedDigital, completed);
            compared += expect("gov.e-payment-share", from, electronic, payments);
        }
        return compared;
    }

    /** The final equals numerator/denominator exactly; an empty window must have no final at all. */
    private int expect(String indicator, Instant from, long numerator, long denominator) {
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
