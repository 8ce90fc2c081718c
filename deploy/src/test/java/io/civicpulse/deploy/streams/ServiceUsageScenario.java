package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.awaitility.core.ConditionTimeoutException;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.simulator.services.IntakePusher;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.topics.Topics;

/**
 * Three simulated hours of a fresh city's e-service usage, ending one to two hours ago: pushed to an intake quarter
 * by quarter (each batch twice, as a retrying client would), the engine's final 15-minute city values read back,
 * and an independent computation of what they must be from the generated events.
 *
 * <p>Only the quarters that end at least {@link #SETTLED} before the last pushed event are checked: a window closes
 * when every input partition's newest event passed its end plus the grace period, and at night a city's payments
 * reach each of six partitions only every few minutes.
 */
final class ServiceUsageScenario {

    private static final Set<String> DIGITAL = Set.of("web", "app", "api");
    private static final Set<String> ELECTRONIC = Set.of("card_online", "bank_transfer", "mobile_wallet",
            "direct_debit", "card_at_counter");
    private static final Duration QUARTER = Duration.ofMinutes(15);
    /** How long before the last pushed event the last checked quarter ends (grace 5 min, plus sparse partitions). */
    static final Duration SETTLED = Duration.ofMinutes(45);
    static final List<String> INDICATORS = List.of("gov.e-service-success", "gov.digital-channel-share",
            "gov.e-payment-share");

    final String city = "e2e" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final ZoneId zone = ZoneId.of("Europe/Sofia");
    final Instant start = Instant.now().minus(Duration.ofHours(4)).truncatedTo(ChronoUnit.HOURS);
    final Instant end = start.plus(Duration.ofHours(3));
    final ServiceUsageModel model = new ServiceUsageModel(city, 17, zone, start.minus(Duration.ofDays(30)), 0.5,
            new double[] {42.62, 23.20, 42.77, 23.45});
    /** Final city-scope PT15M values by indicator@from. */
    final Map<String, IndicatorValue> finals = new ConcurrentHashMap<>();
    /** End of the newest live city-scope PT15M window seen: where the engine's stream time is. */
    private volatile Instant newestLiveTo;
    /** Numerator and denominator by indicator@from, for every checked quarter with data, from the events. */
    private final Map<String, long[]> expected = expectedFinals();

    /** Posts the quarters in [from, to), each batch twice. */
    void push(URI eventsUrl, String apiKey, Instant from, Instant to) throws Exception {
        for (Instant quarter = from; quarter.isBefore(to); quarter = quarter.plus(QUARTER)) {
            Clock at = Clock.fixed(quarter.plus(QUARTER), ZoneOffset.UTC);
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

    /** Reads what arrived; true once the final of every checked quarter with data is in. */
    boolean collectFinals(KafkaConsumer<String, IndicatorValue> consumer) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> {
            IndicatorValue v = r.value();
            if (!v.getCity().equals(city) || !v.getScope().equals("city") || !v.getWindow().equals("PT15M")) {
                return;
            }
            if (v.getFinal$()) {
                IndicatorValue before = finals.put(v.getIndicatorId() + "@" + v.getCalculationPeriodFrom(), v);
                assertThat(before).as("one final per window, even across a crash: %s", v).isNull();
            } else if (newestLiveTo == null || v.getCalculationPeriodTo().isAfter(newestLiveTo)) {
                newestLiveTo = v.getCalculationPeriodTo();
            }
        });
        return finals.keySet().containsAll(expected.keySet());
    }

    /**
     * Waits until {@link #collectFinals} has them all; on timeout fails with what is missing, how far the engine got
     * and {@code context} (the engine's output, say).
     */
    void awaitAllFinals(KafkaConsumer<String, IndicatorValue> consumer, Duration within, Callable<String> context)
            throws Exception {
        awaitFinals(() -> collectFinals(consumer), "the finals of every checked quarter", within, context);
    }

    void awaitFinals(Callable<Boolean> condition, String what, Duration within, Callable<String> context)
            throws Exception {
        try {
            await(what).atMost(within).pollInterval(Duration.ofMillis(200)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " did not arrive within " + within + ": " + progress() + "\n"
                    + context.call(), e);
        }
    }

    /** The first {@code quarters} checked quarters' finals are in (of those that have data). */
    boolean hasFinalsOfFirstQuarters(int quarters) {
        Instant until = start.plus(QUARTER.multipliedBy(quarters));
        return expected.keySet().stream().filter(k -> Instant.parse(k.substring(k.indexOf('@') + 1)).isBefore(until))
                .allMatch(finals::containsKey);
    }

    /** For a failure message: which finals are missing, and how far the engine's live values got. */
    String progress() {
        Set<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(finals.keySet());
        return "city " + city + ", events " + start + " to " + end + ": " + finals.size() + " finals in, missing "
                + missing + "; newest live window ends " + newestLiveTo;
    }

    /** Compares every final with the independent computation; returns how many values were compared. */
    int assertFinalsMatchTheGeneratedEvents() {
        int compared = 0;
        for (Instant from = start; !from.plus(QUARTER).isAfter(end.minus(SETTLED)); from = from.plus(QUARTER)) {
            for (String indicator : INDICATORS) {
                long[] counts = expected.get(indicator + "@" + from);
                IndicatorValue value = finals.get(indicator + "@" + from);
                if (counts == null) {
                    assertThat(value).as(indicator + " from " + from + " has no data, so no value").isNull();
                    continue;
                }
                assertThat(value).as(indicator + " final from " + from).isNotNull();
                assertThat(value.getNumerator()).as(indicator + " numerator from " + from).isEqualTo(counts[0]);
                assertThat(value.getDenominator()).as(indicator + " denominator from " + from).isEqualTo(counts[1]);
                assertThat(value.getKpiValue()).isCloseTo(100.0 * counts[0] / counts[1], within(1e-9));
                compared++;
            }
        }
        return compared;
    }

    /**
     * The indicators' definitions applied to the generated events in plain Java: a session counts in
     * e-service-success when it ends (successful when completed), a completed session in digital-channel-share
     * (digital on web, app, api), a payment in e-payment-share (electronic unless cash).
     */
    private Map<String, long[]> expectedFinals() {
        Map<String, long[]> counts = new TreeMap<>();
        for (Instant from = start; !from.plus(QUARTER).isAfter(end.minus(SETTLED)); from = from.plus(QUARTER)) {
            long ended = 0;
            long completed = 0;
            long completedDigital = 0;
            long payments = 0;
            long electronic = 0;
            for (ServiceUsageModel.Event e : model.events(from, from.plus(QUARTER))) {
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
            put(counts, "gov.e-service-success", from, completed, ended);
            put(counts, "gov.digital-channel-share", from, completedDigital, completed);
            put(counts, "gov.e-payment-share", from, electronic, payments);
        }
        return counts;
    }

    private static void put(Map<String, long[]> counts, String indicator, Instant from, long numerator,
                            long denominator) {
        if (denominator > 0) {
            counts.put(indicator + "@" + from, new long[] {numerator, denominator});
        }
    }
}
