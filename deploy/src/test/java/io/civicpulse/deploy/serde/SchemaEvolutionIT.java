package io.civicpulse.deploy.serde;

import static io.civicpulse.deploy.serde.SerdeFixtures.asGeneric;
import static io.civicpulse.deploy.serde.SerdeFixtures.deadLetter;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshClient;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshTopic;
import static io.civicpulse.deploy.serde.SerdeFixtures.registryConfig;
import static io.civicpulse.deploy.serde.SerdeFixtures.withField;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.registry.IncompatibleSchemaException;
import io.civicpulse.schemas.registry.RegisteredSchema;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.serde.AvroDeserializer;
import io.civicpulse.schemas.serde.AvroSerializer;
import io.civicpulse.schemas.serde.SpecificAvroSerde;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Schema changes against the real registry's BACKWARD rule: version 1 is the generated {@link DeadLetter}, version 2
 * adds a field. Each test uses a subject of its own.
 */
class SchemaEvolutionIT {

    /** BACKWARD compatible: the new field has a default, so a v2 reader can read v1 data. */
    static final Schema V2 = withField(DeadLetter.SCHEMA$,
            "{\"name\": \"attempts\", \"type\": \"int\", \"default\": 1, \"doc\": \"Delivery attempts.\"}");
    /** Not BACKWARD compatible: a v2 reader has no value for the new field in v1 data. */
    static final Schema V2_WITHOUT_DEFAULT = withField(DeadLetter.SCHEMA$,
            "{\"name\": \"attempts\", \"type\": \"int\", \"doc\": \"Delivery attempts.\"}");

    String topic;
    String subject;
    DeadLetter v1Record;
    byte[] v1Bytes;

    /** Registers version 1 under a new subject by writing a record with the generated class. */
    @BeforeEach
    void registerVersionOne() {
        topic = freshTopic("evolution");
        subject = topic + "-value";
        v1Record = deadLetter("evolution-1");
        try (SpecificAvroSerde<DeadLetter> serde = new SpecificAvroSerde<>(DeadLetter.class)) {
            serde.configure(registryConfig(), false);
            v1Bytes = serde.serializer().serialize(topic, v1Record);
        }
    }

    byte[] writeVersionTwo(int attempts) {
        GenericRecord record = asGeneric(v1Record, V2);
        record.put("attempts", attempts);
        try (AvroSerializer<GenericRecord> serializer = new AvroSerializer<>()) {
            serializer.configure(registryConfig(), false);
            return serializer.serialize(topic, record);
        }
    }

    @Test
    void theRegistryAcceptsANewFieldWithADefaultAsTheNextVersion() {
        writeVersionTwo(3);

        RegisteredSchema latest = freshClient().latest(subject);
        assertThat(latest.schema()).isEqualTo(V2);
        assertThat(latest.id()).isNotEqualTo(freshClient().lookupId(subject, DeadLetter.SCHEMA$));
    }

    @Test
    void anOldGeneratedReaderReadsNewDataIgnoringTheNewField() {
        byte[] v2Bytes = writeVersionTwo(3);

        try (SpecificAvroSerde<DeadLetter> oldReader = new SpecificAvroSerde<>(DeadLetter.class)) {
            oldReader.configure(registryConfig(), false);
            assertThat(oldReader.deserializer().deserialize(topic, v2Bytes)).isEqualTo(v1Record);
        }
    }

    @Test
    void aNewReaderReadsOldDataWithTheNewFieldsDefault() {
        writeVersionTwo(3);

        try (AvroDeserializer<GenericRecord> newReader = new AvroDeserializer<>(GenericRecord.class)) {
            newReader.configure(registryConfig(), false);
            GenericRecord read = (GenericRecord) newReader.deserialize(topic, v1Bytes, V2);

            assertThat(read.get("attempts")).isEqualTo(1);
            assertThat(read.get("eventId")).hasToString(v1Record.getEventId());
            assertThat(read.get("occurredAt")).isEqualTo(v1Record.getOccurredAt().toEpochMilli());
        }
    }

    @Test
    void anIncompatibleChangeIsRefusedWithTheRegistrys409NamingSubjectAndReason() {
        SchemaRegistryClient client = freshClient();

        assertThatThrownBy(() -> client.register(subject, V2_WITHOUT_DEFAULT))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class, e -> {
                    assertThat(e.subject()).isEqualTo(subject);
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.registryMessage()).isNotBlank();
                    assertThat(e).hasMessageContaining(subject).hasMessageContaining(e.registryMessage());
                });
        assertThat(freshClient().latest(subject).schema()).isEqualTo(DeadLetter.SCHEMA$);
    }

    @Test
    void aSerializerWritingAnIncompatibleChangeFailsWithTheRegistrysReason() {
        GenericRecord record = asGeneric(v1Record, V2_WITHOUT_DEFAULT);
        record.put("attempts", 2);
        try (AvroSerializer<GenericRecord> serializer = new AvroSerializer<>()) {
            serializer.configure(registryConfig(), false);

            assertThatThrownBy(() -> serializer.serialize(topic, record))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining(subject)
                    .hasCauseInstanceOf(IncompatibleSchemaException.class)
                    .satisfies(e -> assertThat(e.getMessage())
                            .contains(((IncompatibleSchemaException) e.getCause()).registryMessage()));
        }
    }
}
