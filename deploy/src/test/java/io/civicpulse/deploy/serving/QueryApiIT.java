package io.civicpulse.deploy.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.services.PaymentMethod;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.services.SessionPhase;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.serving.api.ApiServer;
import io.civicpulse.serving.api.ServingSettings;
import io.civicpulse.streams.IndicatorEngine;
import io.civicpulse.streams.maturity.MaturityConfig;
import io.civicpulse.streams.results.CityPartitions;
import io.civicpulse.streams.results.IndicatorResultsProcessor;

/**
 * The query API of a real engine on the real broker and registry, as a dashboard uses it: a city's backfilled
 * hundred minutes of e-service use (3 of 4 payments electronic, 1 of 2 completed sessions on a digital channel, every
 * session completed), then every endpoint and filter, the history ranges and their errors, the live stream and the
 * NGSI-LD view. Then a second instance joins: either answers for the city, and when the owner stops, the other
 * answers 503 with Retry-After only while the city's state moves to it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueryApiIT {

    private static final String CITY = "api" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private static final String PROBE = CITY + "probe";
    private static final String APPLICATION = "civicpulse-api-" + CITY;
    /** The backfill's first minute: three hours ago, on a quarter hour. */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
    private static final int MINUTES = 100;

    private static final List<Instance> instances = new ArrayList<>();
    private static KafkaProducer<String, byte[]> producer;
    private static final org.apache.kafka.common.serialization.Serializer<PaymentEvent> PAYMENTS =
            Topics.PAYMENTS.valueSerde(SharedStack.clientConfig()).serializer();
    private static final org.apache.kafka.common.serialization.Serializer<ServiceSessionEvent> SESSIONS =
            Topics.SERVICE_SESSIONS.valueSerde(SharedStack.clientConfig()).serializer();
    private static int sequence;

    /** One engine with its API, as {@code civicpulse streams} runs them. */
    private record Instance(IndicatorEngine engine, ApiServer api, ApiClient client) implements AutoCloseable {
        @Override
        public void close() {
            api.close();
            engine.close(Duration.ofSeconds(30));
        }
    }

    private static Instance startInstance() throws Exception {
        Map<String, Object> settings = new HashMap<>(SharedStack.clientConfig());
        settings.put("application.id", APPLICATION);
        settings.put("state.dir", Files.createTempDirectory("api-state").toString());
        settings.put("civicpulse.source.startup.grace", "PT1S");
        // The backfill comes on one partition of each input, all at once: once both have delivered, five seconds of
        // quiet are enough to let the city's clock reach its last event (the default, 30 s, is for live feeds).
        settings.put("civicpulse.source.quiet.after", "PT5S");
        // Only what this test sends: the shared broker holds hours of the other tests' feeds, which a new
        // application would otherwise read first. The probe below shows when reading has begun.
        settings.put(StreamsConfig.mainConsumerPrefix("auto.offset.reset"), "latest");
        settings.put(ServingSettings.PORT, "0");
        ApiServer api = ApiServer.start(ServingSettings.from(settings), settings);
        settings.put(StreamsConfig.APPLICATION_SERVER_CONFIG, api.bound().applicationServer());
        IndicatorEngine engine = new IndicatorEngine(settings);
        api.attach(engine);
        engine.start();
        Instance instance = new Instance(engine, api, new ApiClient(api.port()));
        instances.add(instance);
        return instance;
    }

    @BeforeAll
    static void backfillADay() throws Exception {
        producer = new KafkaProducer<>(SharedStack.clientConfig(), new StringSerializer(), new ByteArraySerializer());
        Instance first = startInstance();
        await("engine running").atMost(Duration.ofSeconds(120))
                .until(() -> first.engine().state() == KafkaStreams.State.RUNNING);
        // The engine reads from the end of each partition: probe events sent until they come out show that the two
        // partitions the backfill uses are being read.
        await("the engine reads payments and sessions").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    Instant now = Instant.now();
                    send(payment(PROBE, true, now));
                    send(session(PROBE, ServiceChannel.WEB, now));
                    JsonNode values = first.client().get("/api/v1/indicators?city=" + PROBE + "&scope=city&window=PT15M")
                            .status() == 200 ? first.client().ok("/api/v1/indicators?city=" + PROBE
                            + "&scope=city&window=PT15M").path("values") : null;
                    return values != null && values.findValuesAsText("indicatorId")
                            .containsAll(List.of("gov.e-payment-share", "gov.e-service-success"));
                });
        for (int minute = 0; minute < MINUTES; minute++) {
            Instant at = T0.plus(Duration.ofMinutes(minute)).plusSeconds(10);
            send(payment(CITY, minute % 4 != 3, at));
            send(session(CITY, minute % 2 == 0 ? ServiceChannel.WEB : ServiceChannel.COUNTER, at.plusSeconds(5)));
        }
        producer.flush();
        // Once both partitions have been quiet for 5 s the city's clock reaches its last event: PT15M finals up to
        // T0 + 90 min, maturity finals up to T0 + 60 min (the longest settle time, 30 min, after that).
        await("finals of the backfill").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    ApiClient.Answer answer = first.client().get("/api/v1/maturity/" + CITY + "/history?window=PT1H&from="
                            + T0 + "&to=" + T0.plus(Duration.ofHours(2)));
                    return answer.status() == 200 && answer.json().path("scores").size() == 4;
                });
    }

    @AfterAll
    static void stop() {
        instances.forEach(Instance::close);
        if (producer != null) {
            producer.close();
        }
    }

    private static ApiClient api() {
        return instances.get(0).client();
    }

    @Test
    @Order(1)
    void citiesListsTheCityWithItsHeadlineScore() {
        JsonNode city = find(api().ok("/api/v1/cities").path("cities"), "city", CITY);
        assertThat(city.path("window").asText()).isEqualTo("PT24H");
        assertThat(city.path("level").asInt()).isBetween(1, 5);
        assertThat(city.path("indexScore").asDouble()).isBetween(0.0, 100.0);
    }

    @Test
    @Order(2)
    void catalogueHasEveryComputedIndicatorWithItsScoring() {
        JsonNode catalogue = api().ok("/api/v1/catalogue");
        assertThat(catalogue.path("indicators")).hasSize(20);
        JsonNode payment = find(catalogue.path("indicators"), "id", "gov.e-payment-share");
        assertThat(payment.path("unit").asText()).isEqualTo("%");
        assertThat(payment.path("standard").asText()).isEqualTo("ISO 37122 (electronic payments)");
        assertThat(payment.path("dimensionId").asText()).isEqualTo("public-services");
        assertThat(catalogue.path("configVersion").asText()).isEqualTo(MaturityConfig.defaults().version());
    }

    @Test
    @Order(3)
    void indicatorsAnswerTheNewestValueOfEachMatchingSeries() {
        JsonNode values = api().ok("/api/v1/indicators?city=" + CITY
                + "&indicator=gov.e-payment-share&scope=city&window=PT1H").path("values");
        assertThat(values).hasSize(1);
        assertThat(values.get(0).path("kpiValue").asDouble()).isEqualTo(75.0);
        assertThat(values.get(0).path("currentStanding").asText()).isEqualTo("good");

        JsonNode quarter = api().ok("/api/v1/indicators?city=" + CITY + "&window=PT15M").path("values");
        assertThat(quarter).isNotEmpty().allSatisfy(v -> {
            assertThat(v.path("window").asText()).isEqualTo("PT15M");
            assertThat(v.path("city").asText()).isEqualTo(CITY);
        });
        JsonNode services = api().ok("/api/v1/indicators?city=" + CITY + "&scope=service:*").path("values");
        assertThat(services).isNotEmpty().allSatisfy(v -> assertThat(v.path("scope").asText()).isEqualTo("service:parking"));
        JsonNode digital = api().ok("/api/v1/indicators?city=" + CITY + "&indicator=gov.digital-channel-share&scope=city")
                .path("values");
        assertThat(digital.findValuesAsText("window")).containsExactlyInAnyOrder("PT15M", "PT1H", "PT24H",
                "P1D-calendar");
        assertThat(api().ok("/api/v1/indicators?indicator=gov.e-service-success&scope=city&window=PT1H")
                .path("values").findValuesAsText("city")).contains(CITY, PROBE);
    }

    @Test
    @Order(4)
    void unknownCitiesAndIndicatorsAre404() {
        assertThat(api().get("/api/v1/indicators?city=nosuchcity" + CITY).status()).isEqualTo(404);
        assertThat(api().get("/api/v1/indicators?indicator=pt.teleports").status()).isEqualTo(404);
        assertThat(api().get("/api/v1/indicators/" + CITY + "/pt.teleports/history").status()).isEqualTo(404);
        assertThat(api().get("/api/v1/indicators/nosuchcity" + CITY + "/gov.e-payment-share/history").status())
                .isEqualTo(404);
        assertThat(api().get("/api/v1/maturity/nosuchcity" + CITY).status()).isEqualTo(404);
        assertThat(api().get("/api/v1/maturity/nosuchcity" + CITY).json().path("error").asText())
                .isEqualTo("not.found");
    }

    @Test
    @Order(5)
    void historyAnswersTheFinalsWhoseWindowEndsInTheRange() {
        String path = "/api/v1/indicators/" + CITY + "/gov.e-payment-share/history?window=PT15M";
        JsonNode all = api().ok(path + "&from=" + T0 + "&to=" + T0.plus(Duration.ofHours(3))).path("values");
        assertThat(all.findValuesAsText("to")).containsExactly(ends(15, 30, 45, 60, 75, 90));
        assertThat(all).allSatisfy(v -> {
            assertThat(v.path("final").asBoolean()).isTrue();
            // Minute m of the backfill pays cash when m % 4 == 3: 3 or 4 of a quarter's 15 payments.
            long first = Duration.between(T0, Instant.parse(v.path("from").asText())).toMinutes();
            long cash = java.util.stream.LongStream.range(first, first + 15).filter(m -> m % 4 == 3).count();
            assertThat(v.path("numerator").asDouble()).isEqualTo(15.0 - cash);
            assertThat(v.path("denominator").asDouble()).isEqualTo(15.0);
        });
        // [from, to): a final ending exactly at `to` is left out.
        JsonNode part = api().ok(path + "&from=" + T0.plus(Duration.ofMinutes(30)) + "&to="
                + T0.plus(Duration.ofMinutes(60))).path("values");
        assertThat(part.findValuesAsText("to")).containsExactly(ends(30, 45));
        assertThat(api().ok("/api/v1/indicators/" + CITY + "/gov.e-payment-share/history?from=" + T0 + "&to="
                + T0.plus(Duration.ofHours(3))).path("window").asText()).isEqualTo("PT1H");
    }

    @Test
    @Order(6)
    void badRangesAre400() {
        String path = "/api/v1/indicators/" + CITY + "/gov.e-payment-share/history";
        assertThat(api().get(path + "?from=" + T0 + "&to=" + T0).status()).isEqualTo(400);
        assertThat(api().get(path + "?from=" + T0.plus(Duration.ofHours(1)) + "&to=" + T0).status()).isEqualTo(400);
        assertThat(api().get(path + "?from=" + T0.minus(Duration.ofDays(32)) + "&to=" + T0).status()).isEqualTo(400);
        ApiClient.Answer garbled = api().get(path + "?from=yesterday");
        assertThat(garbled.status()).isEqualTo(400);
        assertThat(garbled.json().path("error").asText()).isEqualTo("bad.request");
        assertThat(api().get("/api/v1/maturity/" + CITY + "?window=PT2H").status()).isEqualTo(400);
    }

    @Test
    @Order(7)
    void maturityScoresTheCityAndKeepsItsFinals() {
        JsonNode score = api().ok("/api/v1/maturity/" + CITY + "?window=PT1H");
        JsonNode services = find(score.path("dimensions"), "dimensionId", "public-services");
        MaturityConfig config = MaturityConfig.defaults();
        double expected = (config.scored("gov.e-payment-share").orElseThrow().score(75)
                + config.scored("gov.digital-channel-share").orElseThrow().score(50)
                + config.scored("gov.e-service-success").orElseThrow().score(100)) / 3;
        assertThat(services.path("score").asDouble()).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(services.path("indicatorCoverage").asDouble()).isEqualTo(0.75);
        assertThat(score.path("level").asInt()).isEqualTo(io.civicpulse.streams.maturity.MaturityScoring.level(
                score.path("indexScore").asDouble()));

        JsonNode history = api().ok("/api/v1/maturity/" + CITY + "/history?window=PT1H&from=" + T0 + "&to="
                + T0.plus(Duration.ofHours(2))).path("scores");
        assertThat(history.findValuesAsText("to")).containsExactly(ends(15, 30, 45, 60));
        assertThat(history).allSatisfy(s -> assertThat(s.path("final").asBoolean()).isTrue());
    }

    @Test
    @Order(8)
    void nextStepsNameTheIndicatorAndTheValueThatReachTheNextLevel() {
        // Before the live-stream test adds payments: the PT1H values are still 75%, 50% and 100% (test 7).
        JsonNode plan = api().ok("/api/v1/cities/" + CITY + "/next-steps?window=PT1H");
        MaturityConfig config = MaturityConfig.defaults();
        double payment = config.scored("gov.e-payment-share").orElseThrow().score(75);
        // Only public services has data: index (78.6 + 50 + 100) / 3 = 76.2, level 4. The digital channel share
        // (score 50) has the largest gain at its target, and part of it closes the 3.8 points to 80: its score must
        // reach 3 x 80 - 78.6 - 100.
        assertThat(plan.path("indexScore").asDouble()).isEqualTo(
                api().ok("/api/v1/maturity/" + CITY + "?window=PT1H").path("indexScore").asDouble());
        assertThat(plan.path("level").asInt()).isEqualTo(4);
        assertThat(plan.path("steps")).hasSize(1);
        JsonNode first = plan.path("steps").get(0);
        assertThat(first.path("indicatorId").asText()).isEqualTo("gov.digital-channel-share");
        assertThat(first.path("partial").asBoolean()).isTrue();
        MaturityConfig.ScoredIndicator digital = config.scored("gov.digital-channel-share").orElseThrow();
        double neededScore = 3 * 80 - payment - 100;
        assertThat(first.path("neededValue").asDouble()).isCloseTo(digital.floor()
                + neededScore / 100 * (digital.target() - digital.floor()), org.assertj.core.api.Assertions.within(1e-6));
        assertThat(plan.path("unmeasured").findValuesAsText("indicatorId")).contains("gov.online-service-availability");

        ApiClient.Answer unknown = api().get("/api/v1/cities/nosuchcity" + CITY + "/next-steps");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).isEqualTo("not.found");
    }

    @Test
    @Order(9)
    void theLiveStreamCarriesNewValues() throws Exception {
        // The stream starts at the end of the topics: a payment every second until one comes through. The probe
        // city's, at the wall clock: the backfilled city's values stay as the other tests expect them.
        java.util.concurrent.ScheduledExecutorService sender =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        sender.scheduleAtFixedRate(() -> {
            send(payment(PROBE, true, Instant.now()));
            producer.flush();
        }, 500, 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
        JsonNode value;
        try {
            value = api().awaitEvent("/api/v1/stream?city=" + PROBE, "indicator",
                    v -> v.path("indicatorId").asText().equals("gov.e-payment-share"), Duration.ofSeconds(60));
        } finally {
            sender.shutdownNow();
        }
        assertThat(value).as("a live gov.e-payment-share value of " + PROBE).isNotNull();
        assertThat(value.path("city").asText()).as("only the city asked for").isEqualTo(PROBE);
    }

    @Test
    @Order(10)
    void ngsiLdEntitiesAreTheCurrentValues() {
        String id = "urn:ngsi-ld:KeyPerformanceIndicator:" + CITY + ":gov.e-payment-share:city:PT1H";
        ApiClient.Answer entity = api().get("/ngsi-ld/v1/entities/" + id);
        assertThat(entity.status()).isEqualTo(200);
        assertThat(entity.json().path("type").asText()).isEqualTo("KeyPerformanceIndicator");
        assertThat(entity.json().path("kpiValue").path("value").asDouble()).isEqualTo(75.0);
        assertThat(entity.json().has("@context")).isTrue();
        JsonNode all = api().ok("/ngsi-ld/v1/entities?type=KeyPerformanceIndicator&limit=1000");
        assertThat(all.findValuesAsText("id")).contains(id);
        assertThat(api().get("/ngsi-ld/v1/entities/urn:ngsi-ld:KeyPerformanceIndicator:" + CITY
                + ":pt.teleports:city:PT1H").status()).isEqualTo(404);
    }

    @Test
    @Order(11)
    void healthAndMetrics() {
        assertThat(api().ok("/health/ready").path("status").asText()).isEqualTo("UP");
        String metrics = api().get("/metrics").body();
        assertThat(metrics).contains("# TYPE kafka_stream_thread_metrics_process_total counter")
                .contains("civicpulse_stream_clients");
    }

    @Test
    @Order(20)
    void twoInstancesAnswerForEveryCityAndTheSurvivorTakesOver() throws Exception {
        Instance second = startInstance();
        await("both instances running").atMost(Duration.ofSeconds(180)).until(() -> instances.stream()
                .allMatch(i -> i.engine().state() == KafkaStreams.State.RUNNING));
        String path = "/api/v1/indicators?city=" + CITY + "&indicator=gov.e-payment-share&scope=city&window=PT1H";
        await("either instance answers for the city").atMost(Duration.ofSeconds(120)).until(() -> instances.stream()
                .allMatch(i -> i.client().get(path).status() == 200));
        String entity = "urn:ngsi-ld:KeyPerformanceIndicator:" + CITY + ":gov.e-payment-share:city:PT1H";
        for (Instance instance : instances) {
            assertThat(instance.client().ok(path).path("values").get(0).path("kpiValue").asDouble()).isEqualTo(75.0);
            // Lists over every city gather every instance's share.
            assertThat(instance.client().ok("/api/v1/cities").path("cities").findValuesAsText("city"))
                    .contains(CITY, PROBE);
            assertThat(instance.client().ok("/api/v1/indicators?indicator=gov.e-payment-share&scope=city&window=PT1H")
                    .path("values").findValuesAsText("city")).contains(CITY, PROBE);
            assertThat(instance.client().ok("/ngsi-ld/v1/entities?type=KeyPerformanceIndicator&limit=1000")
                    .findValuesAsText("id")).contains(entity);
        }
        // Exactly one of them holds the city; the other fetched it from there.
        KeyQueryMetadata owner = second.engine().kafkaStreams().queryMetadataForKey(
                IndicatorResultsProcessor.LATEST_STORE, CITY, CityPartitions.byCity());
        Instance holder = instances.stream().filter(i -> owner.activeHost().port() == i.api().port()).findFirst()
                .orElseThrow();
        Instance survivor = instances.stream().filter(i -> i != holder).findFirst().orElseThrow();
        holder.close();
        instances.remove(holder);

        List<Integer> seen = new ArrayList<>();
        await("the survivor answers for the city").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    ApiClient.Answer answer = survivor.client().get(path);
                    seen.add(answer.status());
                    if (answer.status() == 503) {
                        assertThat(answer.retryAfter()).as("503 carries Retry-After").isNotNull();
                        assertThat(answer.json().path("error").asText()).isEqualTo("unavailable");
                    } else {
                        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                    }
                    return answer.status() == 200
                            && answer.json().path("values").get(0).path("kpiValue").asDouble() == 75.0;
                });
        assertThat(seen).allMatch(status -> status == 200 || status == 503);
    }

    private static String[] ends(int... minutes) {
        String[] ends = new String[minutes.length];
        for (int i = 0; i < minutes.length; i++) {
            ends[i] = T0.plus(Duration.ofMinutes(minutes[i])).toString();
        }
        return ends;
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode element : array) {
            if (element.path(field).asText().equals(value)) {
                return element;
            }
        }
        throw new AssertionError("no " + field + "=" + value + " in " + array);
    }

    private static PaymentEvent payment(String city, boolean electronic, Instant at) {
        String id = "p" + (++sequence);
        return PaymentEvent.newBuilder()
                .setCity(city).setPaymentId(id).setServiceId("parking").setAmountMinor(1250).setCurrency("BGN")
                .setMethod(electronic ? PaymentMethod.CARD_ONLINE : PaymentMethod.CASH).setElectronic(electronic)
                .setChannel(electronic ? ServiceChannel.WEB : ServiceChannel.COUNTER)
                .setOccurredAt(at).setIngestedAt(at.plusSeconds(1)).setEventId(city + "-" + id)
                .build();
    }

    private static ServiceSessionEvent session(String city, ServiceChannel channel, Instant at) {
        String id = "s" + (++sequence);
        return ServiceSessionEvent.newBuilder()
                .setCity(city).setSessionId(id).setServiceId("parking").setPhase(SessionPhase.COMPLETED)
                .setChannel(channel).setOccurredAt(at).setIngestedAt(at.plusSeconds(1))
                .setEventId(city + "-" + id + "-completed").build();
    }

    /** To partition 0 of its topic, so each input has one partition that delivers the city's events in order. */
    private static void send(PaymentEvent event) {
        String topic = Topics.PAYMENTS.name();
        producer.send(new ProducerRecord<>(topic, 0, event.getOccurredAt().toEpochMilli(),
                event.getCity() + "/" + event.getPaymentId(),
                PAYMENTS.serialize(topic, event)));
    }

    private static void send(ServiceSessionEvent event) {
        String topic = Topics.SERVICE_SESSIONS.name();
        producer.send(new ProducerRecord<>(topic, 0, event.getOccurredAt().toEpochMilli(),
                event.getCity() + "/" + event.getSessionId(),
                SESSIONS.serialize(topic, event)));
    }
}
