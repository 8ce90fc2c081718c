package io.civicpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.civicpulse.schemas.registry.MockRegistries;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.serde.fixtures.TestReading;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The serdes configured by class name with {@code mock://}, as a Kafka Streams test configures them. */
class MockRegistrySerdeTest {

    final String scope = "mock-registry-serde-test-" + UUID.randomUUID();
    final Map<String, Object> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope);

    @AfterEach
    void dropScope() {
        MockRegistries.drop(scope);
    }

    @Test
    void aSerializerAndADeserializerConfiguredSeparatelyShareTheScopesIds() {
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>();
        serializer.configure(config, false);
        AvroDeserializer<GenericRecord> deserializer = new AvroDeserializer<>();
        deserializer.configure(config, false);

        byte[] bytes = serializer.serialize(Fixtures.TOPIC, Fixtures.reading("s-1", 21.5));

        assertThat(deserializer.deserialize(Fixtures.TOPIC, bytes)).isEqualTo(Fixtures.reading("s-1", 21.5));
    }

    @Test
    void theWireIdIsTheOneTheScopeAssignedToTheSubject() {
        try (SpecificAvroSerde<TestReading> serde = new SpecificAvroSerde<>(TestReading.class)) {
            serde.configure(config, false);

            byte[] bytes = serde.serializer().serialize(Fixtures.TOPIC,
                    new TestReading("s-1", 1.0, "C"));

            int id = SchemaRegistryClient.fromConfigs(config).lookupId(Fixtures.TOPIC + "-value", TestReading.SCHEMA$);
            assertThat(bytes[0]).isZero();
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        }
    }

    @Test
    void anIncompatibleChangeIsRefusedThroughTheSerializer() {
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>();
        serializer.configure(config, false);
        serializer.serialize(Fixtures.TOPIC, Fixtures.record(Fixtures.TEST_READING_V1, "s-1", 1.0));

        assertThatThrownBy(() -> serializer.serialize(Fixtures.TOPIC,
                Fixtures.record(Fixtures.TEST_READING_STRING_VALUE, "s-1", "1.0")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(Fixtures.TOPIC + "-value")
                .hasMessageContaining("TYPE_MISMATCH");
    }

    @Test
    void anIdFromAnotherScopeIsAnUnknownSchemaId() {
        String otherScope = scope + "-other";
        try {
            AvroSerializer<GenericRecord> serializer = new AvroSerializer<>();
            serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + otherScope), false);
            byte[] bytes = serializer.serialize(Fixtures.TOPIC, Fixtures.reading("s-1", 1.0));
            AvroDeserializer<GenericRecord> deserializer = new AvroDeserializer<>();
            deserializer.configure(config, false);

            assertThatThrownBy(() -> deserializer.deserialize(Fixtures.TOPIC, bytes))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("unknown schema id")
                    .hasMessageContaining("mock://" + scope);
        } finally {
            MockRegistries.drop(otherScope);
        }
    }
}
