package io.civicpulse.schemas.serde;

import static io.civicpulse.schemas.serde.Fixtures.READING;
import static io.civicpulse.schemas.serde.Fixtures.TOPIC;
import static io.civicpulse.schemas.serde.Fixtures.avro;
import static io.civicpulse.schemas.serde.Fixtures.client;
import static io.civicpulse.schemas.serde.Fixtures.reading;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.civicpulse.schemas.registry.IncompatibleSchemaException;
import io.civicpulse.schemas.registry.ScriptedRegistry;
import io.civicpulse.schemas.registry.ScriptedRegistry.Reply;
import io.civicpulse.schemas.serde.fixtures.TestReading;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AvroSerializerTest {

    static final String REGISTER = "/subjects/readings-value/versions";

    ScriptedRegistry registry;

    @BeforeEach
    void startRegistry() {
        registry = ScriptedRegistry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    <T> AvroSerializer<T> serializer(Map<String, Object> settings, boolean isKey) {
        AvroSerializer<T> serializer = new AvroSerializer<>(client(registry.url()));
        serializer.configure(settings, isKey);
        return serializer;
    }

    String registeredSchema(int request) throws IOException {
        return new ObjectMapper().readTree(registry.requests().get(request).body()).get("schema").asText();
    }

    @Test
    void writesMagicByteThenBigEndianIdThenExactlyThePlainAvroBinary() {
        registry.on("POST", REGISTER, Reply.id(0x01020304));
        GenericRecord record = reading("s-1", 21.5);

        byte[] bytes = serializer(Map.of(), false).serialize(TOPIC, record);

        assertThat(bytes[0]).as("magic byte").isEqualTo((byte) 0);
        assertThat(bytes[1]).as("id, most significant byte").isEqualTo((byte) 0x01);
        assertThat(bytes[2]).as("id, second byte").isEqualTo((byte) 0x02);
        assertThat(bytes[3]).as("id, third byte").isEqualTo((byte) 0x03);
        assertThat(bytes[4]).as("id, least significant byte").isEqualTo((byte) 0x04);
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).as("Avro body").isEqualTo(avro(READING, record));
    }

    @Test
    void idBytesAreWrittenUnsigned() {
        registry.on("POST", REGISTER, Reply.id(0x00C0FFEE));

        byte[] bytes = serializer(Map.of(), false).serialize(TOPIC, reading("s-1", 1.0));

        assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(0x00, 0x00, 0xC0, 0xFF, 0xEE);
    }

    @Test
    void nullIsWrittenAsNullForTombstones() {
        assertThat(serializer(Map.of(), false).serialize(TOPIC, null)).isNull();
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void registersTheRecordSchemaUnderTheTopicValueSubjectByDefault() throws IOException {
        registry.on("POST", REGISTER, Reply.id(1));

        serializer(Map.of(), false).serialize(TOPIC, reading("s-1", 1.0));

        assertThat(registry.count("POST", REGISTER)).isEqualTo(1);
        assertThat(new Schema.Parser().parse(registeredSchema(0))).isEqualTo(READING);
    }

    @Test
    void keySerializerRegistersUnderTheTopicKeySubject() {
        registry.on("POST", "/subjects/readings-key/versions", Reply.id(1));

        serializer(Map.of(), true).serialize(TOPIC, reading("s-1", 1.0));

        assertThat(registry.count("POST", "/subjects/readings-key/versions")).isEqualTo(1);
    }

    @Test
    void valueSubjectFollowsAConfluentStrategyClassName() {
        registry.on("POST", "/subjects/readings-test.civicpulse.Reading/versions", Reply.id(1));

        serializer(Map.of(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY,
                "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"), false)
                .serialize(TOPIC, reading("s-1", 1.0));

        assertThat(registry.count("POST", "/subjects/readings-test.civicpulse.Reading/versions")).isEqualTo(1);
    }

    @Test
    void registersOncePerSchemaNotPerRecord() {
        registry.on("POST", REGISTER, Reply.id(1));
        AvroSerializer<GenericRecord> serializer = serializer(Map.of(), false);

        serializer.serialize(TOPIC, reading("s-1", 1.0));
        serializer.serialize(TOPIC, reading("s-2", 2.0));

        assertThat(registry.count("POST", REGISTER)).isEqualTo(1);
    }

    @Test
    void withoutAutoRegisterTheSchemaIsLookedUpNotRegistered() {
        registry.on("POST", "/subjects/readings-value", Reply.ok("{\"subject\":\"readings-value\",\"id\":8,"
                + "\"version\":1,\"schema\":\"{}\"}"));

        byte[] bytes = serializer(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false)
                .serialize(TOPIC, reading("s-1", 1.0));

        assertThat(bytes[4]).isEqualTo((byte) 8);
        assertThat(registry.count("POST", REGISTER)).isZero();
    }

    @Test
    void unregisteredSchemaWithoutAutoRegisterFailsSayingSo() {
        registry.on("POST", "/subjects/readings-value",
                Reply.json(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}"));

        assertThatThrownBy(() -> serializer(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false), false)
                .serialize(TOPIC, reading("s-1", 1.0)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("record test.civicpulse.Reading is not registered under subject 'readings-value'")
                .hasMessageContaining("auto.register.schemas=false");
    }

    @Test
    void incompatibleSchemaFailsWithTheRegistryReason() {
        registry.on("POST", REGISTER, Reply.json(409, "{\"error_code\":409,\"message\":\"Schema being registered is"
                + " incompatible with an earlier schema\"}"));

        assertThatThrownBy(() -> serializer(Map.of(), false).serialize(TOPIC, reading("s-1", 1.0)))
                .isInstanceOf(SerializationException.class)
                .hasCauseInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("readings-value")
                .hasMessageContaining("incompatible with an earlier schema");
    }

    @Test
    void registryDownFailsNamingTheUrl() {
        String dead = Fixtures.deadUrl();
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(client(dead));

        assertThatThrownBy(() -> serializer.serialize(TOPIC, reading("s-1", 1.0)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining(dead + REGISTER);
    }

    @Test
    void useLatestVersionWritesWithTheLatestId() {
        registry.on("GET", "/subjects/readings-value/versions/latest", Reply.ok(new ObjectMapper().createObjectNode()
                .put("subject", "readings-value").put("id", 21).put("version", 4).put("schema", READING.toString())
                .toString()));
        GenericRecord record = reading("s-1", 1.0);

        byte[] bytes = serializer(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false,
                AvroSerdeConfig.USE_LATEST_VERSION, true), false).serialize(TOPIC, record);

        assertThat(bytes).isEqualTo(Fixtures.framed(21, avro(READING, record)));
    }

    @Test
    void useLatestVersionReencodesTheRecordIntoACompatibleLatestSchema() {
        Schema latest = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
                .requiredDouble("value")
                .requiredString("sensor")
                .name("unit").type().stringType().stringDefault("celsius")
                .endRecord();
        registry.on("GET", "/subjects/readings-value/versions/latest", Reply.ok(new ObjectMapper().createObjectNode()
                .put("subject", "readings-value").put("id", 22).put("version", 5).put("schema", latest.toString())
                .toString()));

        byte[] bytes = serializer(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false,
                AvroSerdeConfig.USE_LATEST_VERSION, true), false).serialize(TOPIC, reading("s-1", 1.0));

        assertThat(bytes).isEqualTo(Fixtures.framed(22, avro(latest, Fixtures.record(latest, 1.0, "s-1", "celsius"))));
    }

    @Test
    void useLatestVersionRefusesALatestSchemaThatCannotWriteTheRecord() {
        Schema latest = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
                .requiredString("sensor")
                .requiredDouble("value")
                .requiredString("unit")
                .endRecord();
        registry.on("GET", "/subjects/readings-value/versions/latest", Reply.ok(new ObjectMapper().createObjectNode()
                .put("subject", "readings-value").put("id", 23).put("version", 6).put("schema", latest.toString())
                .toString()));

        assertThatThrownBy(() -> serializer(Map.of(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false,
                AvroSerdeConfig.USE_LATEST_VERSION, true), false).serialize(TOPIC, reading("s-1", 1.0)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("latest schema of subject 'readings-value' (id 23, version 6) cannot write")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE");
    }

    @Test
    void specificRecordIsWrittenWithItsGeneratedSchema() throws IOException {
        registry.on("POST", "/subjects/readings-value/versions", Reply.id(3));
        TestReading reading = new TestReading("s-1", 21.5, "celsius");

        byte[] bytes = serializer(Map.of(), false).serialize(TOPIC, reading);

        assertThat(new Schema.Parser().parse(registeredSchema(0))).isEqualTo(TestReading.SCHEMA$);
        assertThat(bytes).isEqualTo(Fixtures.framed(3,
                Fixtures.encode(new SpecificDatumWriter<>(TestReading.SCHEMA$), reading)));
    }

    @Test
    void primitiveStringIsWrittenAsAnAvroString() throws IOException {
        registry.on("POST", REGISTER, Reply.id(4));

        byte[] bytes = serializer(Map.of(), false).serialize(TOPIC, "hi");

        assertThat(registeredSchema(0)).isEqualTo("\"string\"");
        // Avro strings are a zig-zag length (2 -> 4) and the UTF-8 bytes.
        assertThat(bytes).containsExactly(0, 0, 0, 0, 4, 4, 'h', 'i');
    }

    @Test
    void recordThatBreaksItsOwnSchemaFailsNamingTheTopic() {
        registry.on("POST", REGISTER, Reply.id(1));
        GenericRecord missingSensor = new GenericData.Record(READING);
        missingSensor.put("value", 1.0);

        assertThatThrownBy(() -> serializer(Map.of(), false).serialize(TOPIC, missingSensor))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("record test.civicpulse.Reading does not match its schema");
    }

    @Test
    void objectThatIsNotAvroIsRefused() {
        assertThatThrownBy(() -> serializer(Map.of(), false).serialize(TOPIC, java.util.UUID.randomUUID()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot serialize");
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void recordNameStrategyNeedsANamedType() {
        assertThatThrownBy(() -> serializer(Map.of(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY, "record"), false)
                .serialize(TOPIC, 42))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic 'readings' value")
                .hasMessageContaining("needs a named Avro type");
    }

    @Test
    void serializerBuiltByKafkaNeedsTheRegistryUrl() {
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put("bootstrap.servers", "kafka:9092");

        assertThatThrownBy(() -> new AvroSerializer<GenericRecord>().configure(producerConfig, false))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void serializerBuiltByKafkaUsesTheConfiguredRegistry() {
        registry.on("POST", REGISTER, Reply.id(6));
        AvroSerializer<GenericRecord> serializer = new AvroSerializer<>();
        serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url()), false);

        assertThat(serializer.serialize(TOPIC, reading("s-1", 1.0))[4]).isEqualTo((byte) 6);
    }
}
