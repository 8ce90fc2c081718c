package io.civicpulse.schemas.serde;

import static io.civicpulse.schemas.serde.Fixtures.TOPIC;
import static io.civicpulse.schemas.serde.Fixtures.client;
import static io.civicpulse.schemas.serde.Fixtures.reading;
import static org.assertj.core.api.Assertions.assertThat;

import io.civicpulse.schemas.registry.ScriptedRegistry;
import io.civicpulse.schemas.registry.ScriptedRegistry.Reply;
import io.civicpulse.schemas.serde.fixtures.TestReading;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Serde wiring: what one serde writes, the same serde reads back, and the deserializer finds the schema in the
 * cache the serializer filled. Round trips through a real registry are the deploy module's integration tests.
 */
class SerdeRoundTripTest {

    static final String REGISTER = "/subjects/readings-value/versions";

    ScriptedRegistry registry;

    @BeforeEach
    void startRegistry() {
        registry = ScriptedRegistry.start();
        registry.on("POST", REGISTER, Reply.id(31));
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void genericSerdeReadsBackWhatItWroteWithoutFetchingTheSchema() {
        try (GenericAvroSerde serde = new GenericAvroSerde(client(registry.url()))) {
            GenericRecord record = reading("s-1", 21.5);

            byte[] bytes = serde.serializer().serialize(TOPIC, record);

            assertThat(serde.deserializer().deserialize(TOPIC, bytes)).isEqualTo(record);
            assertThat(registry.requests()).hasSize(1);
        }
    }

    @Test
    void specificSerdeReadsBackWhatItWrote() {
        try (SpecificAvroSerde<TestReading> serde =
                     new SpecificAvroSerde<>(client(registry.url()), TestReading.class)) {
            TestReading reading = new TestReading("s-1", 21.5, "celsius");

            assertThat(serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, reading)))
                    .isEqualTo(reading);
        }
    }

    @Test
    void serdeConfiguredFromAMapSharesOneClientBetweenItsHalves() {
        try (SpecificAvroSerde<TestReading> serde = new SpecificAvroSerde<>(TestReading.class)) {
            serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url(),
                    "bootstrap.servers", "kafka:9092"), false);
            TestReading reading = new TestReading("s-1", 21.5, "celsius");

            byte[] bytes = serde.serializer().serialize(TOPIC, reading);
            TestReading read = serde.deserializer().deserialize(TOPIC, bytes);

            assertThat(read).isEqualTo(reading);
            assertThat(registry.count("GET", "/schemas/ids/31")).isZero();
        }
    }

    @Test
    void specificSerdeWithoutAClassReadsTheClassNamedByTheWriterSchema() {
        try (SpecificAvroSerde<TestReading> serde = new SpecificAvroSerde<>()) {
            serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url()), false);
            TestReading reading = new TestReading("s-1", 21.5, "celsius");

            assertThat(serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, reading)))
                    .isEqualTo(reading);
        }
    }

    @Test
    void keySerdeRegistersUnderTheKeySubject() {
        registry.on("POST", "/subjects/readings-key/versions", Reply.id(32));
        try (GenericAvroSerde serde = new GenericAvroSerde(client(registry.url()))) {
            serde.configure(Map.of(), true);

            byte[] bytes = serde.serializer().serialize(TOPIC, reading("s-1", 1.0));

            assertThat(bytes[4]).isEqualTo((byte) 32);
        }
    }
}
