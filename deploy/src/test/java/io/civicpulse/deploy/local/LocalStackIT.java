package io.civicpulse.deploy.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.deploy.topics.TopicProvisioner;
import io.civicpulse.schemas.indicators.IndicatorDirection;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/** The shared stack behaves as the pipeline needs: topics as declared, Avro records through a real broker. */
class LocalStackIT {

    @Test
    void everyDeclaredTopicExistsWithItsPartitionsAndCleanupPolicy() throws Exception {
        try (Admin admin = Admin.create(SharedStack.clientConfig())) {
            List<String> names = Topics.ALL.stream().map(Topic::name).toList();
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
            Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
            for (Topic<?, ?> topic : Topics.ALL) {
                assertThat(descriptions.get(topic.name()).partitions()).as(topic.name()).hasSize(topic.partitions());
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
                assertThat(config.get("cleanup.policy").value()).as(topic.name())
                        .isEqualTo(topic.cleanup() == Topic.Cleanup.COMPACT ? "compact" : "delete");
                assertThat(config.get("retention.ms").value()).as(topic.name())
                        .isEqualTo(topic.configs().get("retention.ms"));
            }
            assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, Topics.ROUTES.name()))
                    .get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    void provisioningTwiceChangesNothing() throws Exception {
        try (Admin admin = Admin.create(SharedStack.clientConfig())) {
            List<TopicProvisioner.Outcome> outcomes = new TopicProvisioner(admin).provision(Topics.ALL, 3);
            assertThat(outcomes).hasSize(Topics.ALL.size())
                    .allMatch(o -> o.action() == TopicProvisioner.Action.UNCHANGED, "unchanged");
        }
    }

    @Test
    void everyValueSchemaIsRegisteredAndCompatibilityIsBackward() {
        SchemaRegistryClient registry = SchemaRegistryClient.fromConfigs(SharedStack.clientConfig());
        assertThat(registry.subjects()).containsAll(Topics.ALL.stream().map(Topic::valueSubject).toList());
        assertThat(registry.compatibility()).isEqualTo("BACKWARD");
        for (Topic<?, ?> topic : Topics.ALL) {
            assertThat(registry.latest(topic.valueSubject()).schema()).as(topic.valueSubject())
                    .isEqualTo(topic.valueSchema());
        }
    }

    @Test
    void avroRecordsTravelThroughTheBrokerInTheConfluentWireFormat() throws Exception {
        Topic<String, IndicatorValue> topic = Topics.INDICATORS;
        Map<String, Object> config = SharedStack.clientConfig();
        String key = "sofia/pt.on-time-performance/route:94/PT1H";
        IndicatorValue value = indicator(key);

        Map<String, Object> producerConfig = new HashMap<>(config);
        producerConfig.put("enable.idempotence", "true");
        producerConfig.put("acks", "all");
        try (KafkaProducer<String, IndicatorValue> producer = new KafkaProducer<>(producerConfig,
                topic.keySerde().serializer(), topic.valueSerde(config).serializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
        }

        Map<String, Object> consumerConfig = new HashMap<>(config);
        consumerConfig.put("group.id", "local-stack-it-" + UUID.randomUUID());
        consumerConfig.put("auto.offset.reset", "earliest");
        try (KafkaConsumer<String, IndicatorValue> consumer = new KafkaConsumer<>(consumerConfig,
                topic.keySerde().deserializer(), topic.valueSerde(config).deserializer());
             KafkaConsumer<byte[], byte[]> raw = new KafkaConsumer<>(withByteArrays(consumerConfig))) {
            consumer.subscribe(List.of(topic.name()));
            List<IndicatorValue> received = new ArrayList<>();
            poll(() -> consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                if (r.key().equals(key)) {
                    received.add(r.value());
                }
            }), () -> !received.isEmpty());
            assertThat(received).containsExactly(value);

            // The raw bytes on the topic are what any Confluent-format reader expects: magic 0, then the id the
            // registry gave the subject's schema, then Avro binary.
            List<TopicPartition> partitions = raw.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            raw.assign(partitions);
            raw.seekToBeginning(partitions);
            List<ConsumerRecord<byte[], byte[]>> bytes = new ArrayList<>();
            poll(() -> raw.poll(Duration.ofMillis(200)).forEach(r -> {
                if (new String(r.key(), java.nio.charset.StandardCharsets.UTF_8).equals(key)) {
                    bytes.add(r);
                }
            }), () -> !bytes.isEmpty());
            ByteBuffer buffer = ByteBuffer.wrap(bytes.get(0).value());
            int registeredId = SchemaRegistryClient.fromConfigs(config)
                    .lookupId(topic.valueSubject(), topic.valueSchema());
            assertThat(buffer.get()).isZero();
            assertThat(buffer.getInt()).isEqualTo(registeredId);
        }
    }

    private static Map<String, Object> withByteArrays(Map<String, Object> config) {
        Map<String, Object> copy = new HashMap<>(config);
        copy.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        copy.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        copy.put("group.id", "raw-" + UUID.randomUUID());
        return copy;
    }

    private static void poll(Runnable pollOnce, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("records arrive within 30 s").isLessThan(deadline);
            pollOnce.run();
        }
    }

    static IndicatorValue indicator(String key) {
        Instant to = Instant.parse("2026-11-26T10:00:00Z");
        return IndicatorValue.newBuilder()
                .setCity("sofia")
                .setIndicatorId("pt.on-time-performance")
                .setScope("route:94")
                .setWindow("PT1H")
                .setCalculationPeriodFrom(to.minus(Duration.ofHours(1)))
                .setCalculationPeriodTo(to)
                .setCalculationFrequency("live")
                .setKpiValue(87.5)
                .setNumerator(35)
                .setDenominator(40)
                .setSampleCount(40)
                .setUnit("%")
                .setCategory("quantitative")
                .setDirection(IndicatorDirection.HIGHER_IS_BETTER)
                .setUpdatedAt(to)
                .setFinal$(false)
                .setCatalogueVersion("test")
                .build();
    }
}
