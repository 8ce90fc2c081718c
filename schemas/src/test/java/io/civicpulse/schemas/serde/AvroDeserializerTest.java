package io.civicpulse.schemas.serde;

import static io.civicpulse.schemas.serde.Fixtures.READING;
import static io.civicpulse.schemas.serde.Fixtures.TOPIC;
import static io.civicpulse.schemas.serde.Fixtures.avro;
import static io.civicpulse.schemas.serde.Fixtures.client;
import static io.civicpulse.schemas.serde.Fixtures.framed;
import static io.civicpulse.schemas.serde.Fixtures.reading;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.civicpulse.schemas.registry.ScriptedRegistry;
import io.civicpulse.schemas.registry.ScriptedRegistry.Reply;
import io.civicpulse.schemas.serde.fixtures.TestReading;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AvroDeserializerTest {

    ScriptedRegistry registry;

    @BeforeEach
    void startRegistry() {
        registry = ScriptedRegistry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    AvroDeserializer<Object> generic() {
        return new AvroDeserializer<>(client(registry.url()));
    }

    @Test
    void nullBytesReadAsNullForTombstones() {
        assertThat(generic().deserialize(TOPIC, null)).isNull();
    }

    @Test
    void emptyBytesReadAsNullForTombstones() {
        assertThat(generic().deserialize(TOPIC, new byte[0])).isNull();
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void payloadWithoutTheMagicByteIsRefused() {
        assertThatThrownBy(() -> generic().deserialize(TOPIC, "{\"sensor\":1}".getBytes()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("no magic byte (found 0x7b)");
    }

    @Test
    void payloadShorterThanTheHeaderIsRefused() {
        assertThatThrownBy(() -> generic().deserialize(TOPIC, new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("payload of 3 bytes is shorter than the 5-byte header");
    }

    @Test
    void unknownSchemaIdIsReportedWithTheRegistryUrl() {
        registry.on("GET", "/schemas/ids/99", Reply.json(404, "{\"error_code\":40403,\"message\":\"Schema 99 not found\"}"));

        assertThatThrownBy(() -> generic().deserialize(TOPIC, framed(99, new byte[] {2})))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("unknown schema id 99 at " + registry.url() + "/schemas/ids/99");
    }

    @Test
    void truncatedPayloadIsReportedWithTheIdAndRecordName() {
        registry.on("GET", "/schemas/ids/5", Reply.schema(READING));
        byte[] whole = framed(5, avro(READING, reading("sensor-1", 21.5)));

        assertThatThrownBy(() -> generic().deserialize(TOPIC, Arrays.copyOf(whole, whole.length - 3)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("truncated Avro payload for schema id 5 (test.civicpulse.Reading)");
    }

    @Test
    void trailingBytesAfterTheRecordAreRefused() {
        registry.on("GET", "/schemas/ids/5", Reply.schema(READING));
        byte[] whole = framed(5, avro(READING, reading("sensor-1", 21.5)));

        assertThatThrownBy(() -> generic().deserialize(TOPIC, Arrays.copyOf(whole, whole.length + 2)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("2 trailing byte(s) after the record for schema id 5 (test.civicpulse.Reading)");
    }

    @Test
    void negativeLengthIsReportedAsMalformed() {
        registry.on("GET", "/schemas/ids/5", Reply.schema(READING));
        // Zig-zag 0x01 is -1: a string length no writer produces.
        byte[] corrupt = framed(5, new byte[] {0x01, 0, 0, 0, 0, 0, 0, 0, 0});

        assertThatThrownBy(() -> generic().deserialize(TOPIC, corrupt))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("malformed Avro payload for schema id 5 (test.civicpulse.Reading)");
    }

    @Test
    void readerSchemaThatCannotReadTheWriterSchemaIsReportedWithAvrosReason() {
        registry.on("GET", "/schemas/ids/6", Reply.schema(Fixtures.TEST_READING_STRING_VALUE));
        AvroDeserializer<TestReading> deserializer = new AvroDeserializer<>(client(registry.url()), TestReading.class);
        byte[] payload = framed(6, avro(Fixtures.TEST_READING_STRING_VALUE,
                Fixtures.record(Fixtures.TEST_READING_STRING_VALUE, "s-1", "hot")));

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, payload))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("reader schema io.civicpulse.schemas.serde.fixtures.TestReading cannot read"
                        + " writer schema id 6")
                .hasMessageContaining("TYPE_MISMATCH at /fields/1/type");
    }

    @Test
    void registryDownWhileTheIdIsNotCachedFailsNamingTheUrl() {
        String dead = Fixtures.deadUrl();
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>(client(dead));

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed(5, new byte[] {2})))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("schema id 5")
                .hasMessageContaining(dead + "/schemas/ids/5");
    }

    @Test
    void readsAGenericRecordByDefault() {
        registry.on("GET", "/schemas/ids/5", Reply.schema(READING));

        Object value = generic().deserialize(TOPIC, framed(5, avro(READING, reading("sensor-1", 21.5))));

        assertThat(value).isInstanceOfSatisfying(GenericRecord.class, record -> {
            assertThat(record.getSchema()).isEqualTo(READING);
            assertThat(record.get("sensor")).isEqualTo(new Utf8("sensor-1"));
            assertThat(record.get("value")).isEqualTo(21.5);
        });
    }

    @Test
    void fetchesEachWriterSchemaOnce() {
        registry.on("GET", "/schemas/ids/5", Reply.schema(READING));
        AvroDeserializer<Object> deserializer = generic();

        deserializer.deserialize(TOPIC, framed(5, avro(READING, reading("sensor-1", 1.0))));
        deserializer.deserialize(TOPIC, framed(5, avro(READING, reading("sensor-2", 2.0))));

        assertThat(registry.count("GET", "/schemas/ids/5")).isEqualTo(1);
    }

    @Test
    void cachedWriterSchemaKeepsWorkingAfterTheRegistryStops() {
        registry.on("GET", "/schemas/ids/5", Reply.schema(READING));
        AvroDeserializer<Object> deserializer = generic();
        deserializer.deserialize(TOPIC, framed(5, avro(READING, reading("sensor-1", 1.0))));

        registry.stop();

        assertThat(deserializer.deserialize(TOPIC, framed(5, avro(READING, reading("sensor-2", 2.0)))))
                .isEqualTo(reading("sensor-2", 2.0));
    }

    @Test
    void resolvesOlderWriterDataIntoTheTargetClassFillingDefaults() {
        registry.on("GET", "/schemas/ids/7", Reply.schema(Fixtures.TEST_READING_V1));
        AvroDeserializer<TestReading> deserializer = new AvroDeserializer<>(client(registry.url()), TestReading.class);

        TestReading reading = deserializer.deserialize(TOPIC, framed(7, avro(Fixtures.TEST_READING_V1,
                Fixtures.record(Fixtures.TEST_READING_V1, "s-1", 21.5))));

        assertThat(reading).isEqualTo(new TestReading("s-1", 21.5, "unknown"));
    }

    @Test
    void specificAvroReaderFindsTheGeneratedClassByTheWriterSchemaName() {
        registry.on("GET", "/schemas/ids/7", Reply.schema(Fixtures.TEST_READING_V1));
        AvroDeserializer<Object> deserializer = generic();
        deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true"), false);

        Object value = deserializer.deserialize(TOPIC, framed(7, avro(Fixtures.TEST_READING_V1,
                Fixtures.record(Fixtures.TEST_READING_V1, "s-1", 21.5))));

        assertThat(value).isEqualTo(new TestReading("s-1", 21.5, "unknown"));
    }

    @Test
    void specificAvroReaderWithoutAGeneratedClassFailsNamingTheRecord() {
        registry.on("GET", "/schemas/ids/5", Reply.schema(READING));
        AvroDeserializer<Object> deserializer = generic();
        deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, true), false);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed(5, avro(READING, reading("s-1", 1.0)))))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("no generated SpecificRecord class test.civicpulse.Reading");
    }

    @Test
    void genericRecordTargetIgnoresSpecificAvroReader() {
        registry.on("GET", "/schemas/ids/7", Reply.schema(Fixtures.TEST_READING_V1));
        AvroDeserializer<GenericRecord> deserializer =
                new AvroDeserializer<>(client(registry.url()), GenericRecord.class);
        deserializer.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_READER, true), false);

        GenericRecord value = deserializer.deserialize(TOPIC, framed(7, avro(Fixtures.TEST_READING_V1,
                Fixtures.record(Fixtures.TEST_READING_V1, "s-1", 21.5))));

        assertThat(value).isNotInstanceOf(TestReading.class);
        assertThat(value.getSchema()).isEqualTo(Fixtures.TEST_READING_V1);
    }

    @Test
    void keyDeserializerSaysKeyInItsMessages() {
        AvroDeserializer<Object> deserializer = generic();
        deserializer.configure(Map.of(), true);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {9}))
                .hasMessageContaining("topic 'readings' key: no magic byte (found 0x09)");
    }
}
