package io.civicpulse.ingest.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.reference.Route;
import io.civicpulse.schemas.reference.TransitMode;
import io.civicpulse.schemas.registry.MockRegistries;
import io.civicpulse.schemas.topics.Topics;

class EventPublisherTest {

    private final Clock clock = Clock.fixed(Instant.parse("2025-06-10T08:00:00Z"), ZoneOffset.UTC);
    private final MockKafka kafka = new MockKafka("sofia", clock);

    @AfterEach
    void close() {
        kafka.close();
    }

    private static Route route(String id) {
        return Route.newBuilder().setCity("sofia").setRouteId(id).setMode(TransitMode.BUS).setGtfsRouteType(3)
                .setShortName("94").setFeedVersion("v1").setUpdatedAt(Instant.parse("2025-06-10T08:00:00Z")).build();
    }

    @Test
    void recordsLandOnTheirTopicWithTheStringKeyAndDecodeToTheSentValue() {
        kafka.publisher.send(Topics.ROUTES, "sofia/A94", route("A94")).join();

        assertThat(kafka.records(Topics.ROUTES)).singleElement().satisfies(sent -> {
            assertThat(sent.key()).isEqualTo("sofia/A94");
            assertThat(sent.value()).isEqualTo(route("A94"));
        });
    }

    @Test
    void valuesAreInTheConfluentWireFormat() {
        kafka.publisher.send(Topics.ROUTES, "sofia/A94", route("A94")).join();

        byte[] value = kafka.producer.history().get(0).value();
        assertThat(value[0]).isZero();
        assertThat(value.length).isGreaterThan(5);
    }

    @Test
    void aNullValueIsSentAsATombstone() {
        kafka.publisher.send(Topics.ROUTES, "sofia/A94", null).join();

        assertThat(kafka.producer.history()).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("sofia/A94");
            assertThat(record.value()).isNull();
        });
    }

    @Test
    void acknowledgedRecordsAreCountedPerTopic() {
        kafka.publisher.send(Topics.ROUTES, "sofia/A94", route("A94")).join();
        kafka.publisher.send(Topics.ROUTES, "sofia/A1", route("A1")).join();

        assertThat(kafka.metrics.publishedCount(Topics.ROUTES.name())).isEqualTo(2);
        assertThat(kafka.metrics.snapshot())
                .containsEntry("events-published-total{topic=" + Topics.ROUTES.name() + "}", 2.0);
    }

    @Test
    void aRecordTheBrokerDidNotAcknowledgeFailsItsFutureAndIsCounted() {
        MockProducer<String, byte[]> manual = new MockProducer<>(false, null, new StringSerializer(),
                new ByteArraySerializer());
        String scope = "publisher-failure";
        try (IngestMetrics metrics = new IngestMetrics("sofia", clock)) {
            EventPublisher publisher = new EventPublisher(manual, Map.of("schema.registry.url", "mock://" + scope),
                    metrics);
            CompletableFuture<Void> ack = publisher.send(Topics.ROUTES, "sofia/A94", route("A94"));
            manual.errorNext(new TimeoutException("broker gone"));

            assertThat(ack).isCompletedExceptionally();
            assertThat(metrics.publishFailedCount(Topics.ROUTES.name())).isEqualTo(1);
            assertThat(metrics.publishedCount(Topics.ROUTES.name())).isZero();
        } finally {
            MockRegistries.drop(scope);
        }
    }

    @Test
    void producerConfigEnforcesDurabilityAndKeepsTheCallersThroughputSettings() {
        Map<String, Object> config = EventPublisher.producerConfig(Map.of("bootstrap.servers", "x:9092",
                "acks", "1", "enable.idempotence", false, "compression.type", "lz4"));

        assertThat(config).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("compression.type", "lz4").containsKey("linger.ms");
    }
}
