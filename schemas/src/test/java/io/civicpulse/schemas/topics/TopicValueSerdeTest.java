package io.civicpulse.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.registry.MockRegistries;
import io.civicpulse.schemas.registry.ScriptedRegistry;
import io.civicpulse.schemas.registry.ScriptedRegistry.Reply;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class TopicValueSerdeTest {

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setSource("ingest.gtfs-rt")
                .setReason("gtfsrt.truncated-protobuf")
                .setMessage("feed ends in the middle of an entity")
                .setPayloadSize(12)
                .setOccurredAt(Instant.parse("2025-03-01T08:00:00Z"))
                .setEventId("e-1")
                .build();
    }

    @Test
    void serdesBuiltFromEqualRegistrySettingsShareOneSchemaCache() {
        try (ScriptedRegistry registry = ScriptedRegistry.start()) {
            registry.on("POST", "/subjects/" + Topics.DEAD_LETTERS.valueSubject() + "/versions", Reply.id(7));
            Map<String, Object> producerConfig = Map.of("schema.registry.url", registry.url(),
                    "bootstrap.servers", "127.0.0.1:9092");
            Map<String, Object> consumerConfig = Map.of("schema.registry.url", registry.url(),
                    "group.id", "dashboards");
            Serde<DeadLetter> producerSerde = Topics.DEAD_LETTERS.valueSerde(producerConfig);
            Serde<DeadLetter> consumerSerde = Topics.DEAD_LETTERS.valueSerde(consumerConfig);

            byte[] bytes = producerSerde.serializer().serialize(Topics.DEAD_LETTERS.name(), deadLetter());
            DeadLetter read = consumerSerde.deserializer().deserialize(Topics.DEAD_LETTERS.name(), bytes);

            assertThat(read).isEqualTo(deadLetter());
            // The consumer's serde knew id 7 from the producer's registration: no fetch reached the registry.
            assertThat(registry.count("GET", "/schemas/ids/7")).isZero();
        }
    }

    @Test
    void aMockRegistryScopeServesATopicsSerdeWithoutAnyRegistryRunning() {
        String scope = "topic-value-serde-test-" + UUID.randomUUID();
        try {
            Map<String, Object> config = Map.of("schema.registry.url", "mock://" + scope);

            byte[] bytes = Topics.DEAD_LETTERS.valueSerde(config).serializer()
                    .serialize(Topics.DEAD_LETTERS.name(), deadLetter());

            assertThat(Topics.DEAD_LETTERS.valueSerde(config).deserializer()
                    .deserialize(Topics.DEAD_LETTERS.name(), bytes)).isEqualTo(deadLetter());
        } finally {
            MockRegistries.drop(scope);
        }
    }
}
