package io.civicpulse.deploy.serde;

import static io.civicpulse.deploy.serde.SerdeFixtures.deadLetter;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshClient;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshTopic;
import static io.civicpulse.deploy.serde.SerdeFixtures.registryConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.registry.SchemaRegistryException;
import io.civicpulse.schemas.serde.AvroDeserializer;
import io.civicpulse.schemas.serde.AvroSerializer;
import io.civicpulse.schemas.topics.Topics;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every kind of bad input, read by a deserializer configured on the real registry, fails saying which kind. */
class BadBytesIT {

    static final String TOPIC = Topics.DEAD_LETTERS.name();

    AvroDeserializer<DeadLetter> deserializer;

    @BeforeEach
    void configureDeserializer() {
        deserializer = new AvroDeserializer<>(DeadLetter.class);
        deserializer.configure(registryConfig(), false);
    }

    @AfterEach
    void closeDeserializer() {
        deserializer.close();
    }

    /** A real record as the serializer writes it for the provisioned dead-letter subject. */
    static byte[] goodBytes() {
        try (AvroSerializer<DeadLetter> serializer = new AvroSerializer<>()) {
            serializer.configure(registryConfig(), false);
            return serializer.serialize(TOPIC, deadLetter("bad-bytes"));
        }
    }

    @Test
    void bytesWithoutTheMagicByteAreRefusedAsNotConfluentWireFormat() {
        byte[] json = "{\"source\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, json))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("no magic byte")
                .hasMessageContaining("0x7b")
                .hasMessageContaining(TOPIC);
    }

    @Test
    void bytesShorterThanTheHeaderAreRefusedAsSuch() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 1}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 bytes is shorter than the 5-byte header");
    }

    @Test
    void anIdTheRegistryDoesNotHaveIsAnUnknownSchemaIdNamingTheRegistry() {
        int unknown = Integer.MAX_VALUE - 7;
        // The premise: the real registry answers 404 for this id.
        assertThatThrownBy(() -> freshClient().schemaById(unknown))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(404));
        byte[] bytes = goodBytes();
        bytes[1] = (byte) (unknown >>> 24);
        bytes[2] = (byte) (unknown >>> 16);
        bytes[3] = (byte) (unknown >>> 8);
        bytes[4] = (byte) unknown;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown schema id " + unknown)
                .hasMessageContaining(SharedStack.get().registryUrl());
    }

    @Test
    void aTruncatedPayloadIsRefusedAsTruncated() {
        byte[] bytes = goodBytes();
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 4);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("truncated Avro payload");
    }

    @Test
    void aWriterSchemaTheReaderCannotReadIsRefusedWithAvrosReason() {
        // Same full name as the generated class, so resolution is attempted, but a field the reader needs
        // (reason, no default) is missing and source is an int.
        Schema foreign = SchemaBuilder.record("DeadLetter").namespace("io.civicpulse.schemas.deadletter").fields()
                .requiredInt("source")
                .endRecord();
        String topic = freshTopic("foreign-writer");
        GenericRecord record = new GenericData.Record(foreign);
        record.put("source", 42);
        byte[] bytes;
        try (AvroSerializer<GenericRecord> serializer = new AvroSerializer<>()) {
            serializer.configure(registryConfig(), false);
            bytes = serializer.serialize(topic, record);
        }

        assertThatThrownBy(() -> deserializer.deserialize(topic, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("reader schema io.civicpulse.schemas.deadletter.DeadLetter cannot read writer"
                        + " schema id")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("TYPE_MISMATCH");
    }
}
