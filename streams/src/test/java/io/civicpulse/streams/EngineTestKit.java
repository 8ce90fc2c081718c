package io.civicpulse.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;

import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.reference.CityService;
import io.civicpulse.schemas.registry.MockRegistries;
import io.civicpulse.schemas.services.FailureKind;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.services.PaymentMethod;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.services.SessionPhase;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.config.StreamsSettings;

/**
 * The production topology in a TopologyTestDriver with the production settings, an in-memory schema registry of its
 * own (mock://scope) and helpers to send events and read what dashboards would read. Test configuration: one-minute
 * panes, five minutes' grace, finals every 15 minutes, live values at most once a second.
 */
final class EngineTestKit implements AutoCloseable {

    final String scope;
    final TopologyTestDriver driver;
    final TestInputTopic<String, ServiceSessionEvent> sessions;
    final TestInputTopic<String, PaymentEvent> payments;
    final TestInputTopic<String, CityService> catalogue;
    final TestInputTopic<String, byte[]> rawSessions;
    private final TestOutputTopic<String, IndicatorValue> indicators;
    private final TestOutputTopic<String, IndicatorValue> latest;
    private final TestOutputTopic<String, DeadLetter> deadLetters;
    private final List<TestRecord<String, IndicatorValue>> indicatorLog = new ArrayList<>();
    private final List<TestRecord<String, DeadLetter>> deadLetterLog = new ArrayList<>();
    private final Map<String, IndicatorValue> latestByKey = new HashMap<>();
    private int sequence;

    EngineTestKit(String scope, Path stateDir) {
        this(scope, stateDir, Map.of());
    }

    /** With settings that override the test configuration. */
    EngineTestKit(String scope, Path stateDir, Map<String, Object> overrides) {
        this.scope = scope;
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", "unused:9092");
        settings.put("schema.registry.url", "mock://" + scope);
        settings.put("state.dir", stateDir.toString());
        settings.put("application.id", "indicators-" + scope);
        settings.put(EngineConfig.GRACE, "PT5M");
        settings.put(EngineConfig.FINAL_STEP, "PT15M");
        settings.put(EngineConfig.LIVE_INTERVAL, "PT1S");
        // The driver has one partition per input: no other partition's task can still be starting up.
        settings.put(EngineConfig.SOURCE_STARTUP_GRACE, "PT0S");
        settings.putAll(overrides);
        Map<String, Object> complete = StreamsSettings.withDefaults(settings);
        driver = new TopologyTestDriver(IndicatorTopology.build(EngineConfig.from(complete), complete),
                StreamsSettings.asProperties(complete), Instant.parse("2026-03-10T10:00:00Z"));
        sessions = input(Topics.SERVICE_SESSIONS, complete);
        payments = input(Topics.PAYMENTS, complete);
        catalogue = input(Topics.CITY_SERVICES, complete);
        rawSessions = driver.createInputTopic(Topics.SERVICE_SESSIONS.name(), new StringSerializer(),
                new ByteArraySerializer());
        indicators = driver.createOutputTopic(Topics.INDICATORS.name(), new StringDeserializer(),
                Topics.INDICATORS.valueSerde(complete).deserializer());
        latest = driver.createOutputTopic(Topics.INDICATORS_LATEST.name(), new StringDeserializer(),
                Topics.INDICATORS_LATEST.valueSerde(complete).deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
                Topics.DEAD_LETTERS.valueSerde(complete).deserializer());
    }

    private <V extends org.apache.avro.specific.SpecificRecord> TestInputTopic<String, V> input(
            Topic<String, V> topic, Map<String, Object> settings) {
        return driver.createInputTopic(topic.name(), new StringSerializer(), topic.valueSerde(settings).serializer());
    }

    // ---- events

    ServiceSessionEvent session(String city, String serviceId, SessionPhase phase, ServiceChannel channel,
                                Instant at) {
        String id = "s" + (++sequence);
        return ServiceSessionEvent.newBuilder()
                .setCity(city).setSessionId(id).setServiceId(serviceId).setPhase(phase).setChannel(channel)
                .setFailureKind(phase == SessionPhase.FAILED ? FailureKind.TECHNICAL : null)
                .setOccurredAt(at).setIngestedAt(at.plusSeconds(1)).setEventId(city + "-" + id + "-" + phase)
                .build();
    }

    PaymentEvent payment(String city, String serviceId, boolean electronic, Instant at) {
        String id = "p" + (++sequence);
        return PaymentEvent.newBuilder()
                .setCity(city).setPaymentId(id).setServiceId(serviceId).setAmountMinor(1250).setCurrency("BGN")
                .setMethod(electronic ? PaymentMethod.CARD_ONLINE : PaymentMethod.CASH).setElectronic(electronic)
                .setChannel(electronic ? ServiceChannel.WEB : ServiceChannel.COUNTER)
                .setOccurredAt(at).setIngestedAt(at.plusSeconds(1)).setEventId(city + "-" + id)
                .build();
    }

    CityService service(String city, String serviceId, boolean online, boolean active) {
        return CityService.newBuilder()
                .setCity(city).setServiceId(serviceId).setName(serviceId).setCategory(null)
                .setOnlineAvailable(online).setChannels(List.of(online ? ServiceChannel.WEB : ServiceChannel.COUNTER))
                .setActive(active).setSource("intake").setUpdatedAt(Instant.parse("2026-01-01T00:00:00Z"))
                .build();
    }

    void send(ServiceSessionEvent event) {
        sessions.pipeInput(event.getCity() + "/" + event.getSessionId(), event, event.getOccurredAt());
    }

    void send(PaymentEvent event) {
        payments.pipeInput(event.getCity() + "/" + event.getPaymentId(), event, event.getOccurredAt());
    }

    void publish(CityService entry, Instant publishedAt) {
        catalogue.pipeInput(entry.getCity() + "/" + entry.getServiceId(), entry, publishedAt);
    }

    /** Lets the wall clock run one live interval, so that pending live values are published. */
    void tick() {
        driver.advanceWallClockTime(Duration.ofSeconds(1));
    }

    // ---- what dashboards read

    /** Every record of civicpulse.indicators.v1 so far, in order. */
    List<TestRecord<String, IndicatorValue>> indicatorRecords() {
        indicatorLog.addAll(indicators.readRecordsToList());
        return indicatorLog;
    }

    List<IndicatorValue> values(String key) {
        return indicatorRecords().stream().filter(r -> r.key().equals(key)).map(TestRecord::value).toList();
    }

    List<IndicatorValue> finals(String key) {
        return values(key).stream().filter(IndicatorValue::getFinal$).toList();
    }

    List<IndicatorValue> lives(String key) {
        return values(key).stream().filter(v -> !v.getFinal$()).toList();
    }

    /** The final of the window [from, to) of a key; fails when there is not exactly one. */
    IndicatorValue finalOf(String key, Instant from, Instant to) {
        List<IndicatorValue> matching = finals(key).stream()
                .filter(v -> v.getCalculationPeriodFrom().equals(from) && v.getCalculationPeriodTo().equals(to))
                .toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one final of " + key + " for [" + from + ", " + to + "), found "
                    + matching.size() + " among " + finals(key));
        }
        return matching.get(0);
    }

    IndicatorValue lastLive(String key) {
        List<IndicatorValue> lives = lives(key);
        if (lives.isEmpty()) {
            throw new AssertionError("no live value of " + key + " among " + indicatorRecords().stream()
                    .map(TestRecord::key).distinct().toList());
        }
        return lives.get(lives.size() - 1);
    }

    Map<String, IndicatorValue> latest() {
        latest.readKeyValuesToMap().forEach(latestByKey::put);
        return latestByKey;
    }

    List<DeadLetter> deadLetters() {
        deadLetterLog.addAll(deadLetters.readRecordsToList());
        return deadLetterLog.stream().map(TestRecord::value).toList();
    }

    List<String> deadLetterKeys() {
        deadLetters();
        return deadLetterLog.stream().map(TestRecord::key).toList();
    }

    /** The total of one engine counter ({@link EngineMetrics}) for one id; 0 when it never counted. */
    double metric(String what, String id) {
        for (Map.Entry<MetricName, ? extends Metric> entry : driver.metrics().entrySet()) {
            MetricName name = entry.getKey();
            if (name.group().equals(EngineMetrics.GROUP) && name.name().equals(what + "-total")
                    && id.equals(name.tags().get(EngineMetrics.ID_TAG))) {
                return ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        return 0;
    }

    @Override
    public void close() {
        driver.close();
        MockRegistries.drop(scope);
    }
}
