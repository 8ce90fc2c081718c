package io.civicpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.civicpulse.schemas.registry.MockRegistries;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link AvroDeserializer#deserialize(String, byte[], Schema)}: reading into a caller's reader schema. */
class ReaderSchemaDeserializeTest {

    static final Schema V2 = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
            .requiredString("sensor")
            .requiredDouble("value")
            .name("unit").type().stringType().stringDefault("unknown")
            .endRecord();

    final String scope = "reader-schema-test-" + UUID.randomUUID();
    final SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + scope));
    final AvroSerializer<GenericRecord> serializer = new AvroSerializer<>(client);
    final AvroDeserializer<GenericRecord> deserializer = new AvroDeserializer<>(client, GenericRecord.class);

    @AfterEach
    void dropScope() {
        MockRegistries.drop(scope);
    }

    @Test
    void aNewerReaderSchemaFillsTheFieldTheWriterLackedWithItsDefault() {
        byte[] old = serializer.serialize(Fixtures.TOPIC, Fixtures.reading("s-1", 2.5));

        GenericRecord read = (GenericRecord) deserializer.deserialize(Fixtures.TOPIC, old, V2);

        assertThat(read.getSchema()).isEqualTo(V2);
        assertThat(read.get("sensor")).hasToString("s-1");
        assertThat(read.get("unit")).hasToString("unknown");
    }

    @Test
    void anOlderReaderSchemaSkipsTheFieldItDoesNotKnow() {
        byte[] newer = serializer.serialize(Fixtures.TOPIC, Fixtures.record(V2, "s-1", 2.5, "C"));

        GenericRecord read = (GenericRecord) deserializer.deserialize(Fixtures.TOPIC, newer, Fixtures.READING);

        assertThat(read).isEqualTo(Fixtures.reading("s-1", 2.5));
    }

    @Test
    void aReaderSchemaThatCannotReadTheWritersIsASerializationExceptionSayingWhy() {
        Schema textValue = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
                .requiredString("sensor")
                .requiredString("value")
                .endRecord();
        byte[] bytes = serializer.serialize(Fixtures.TOPIC, Fixtures.reading("s-1", 2.5));

        assertThatThrownBy(() -> deserializer.deserialize(Fixtures.TOPIC, bytes, textValue))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot read writer schema id")
                .hasMessageContaining("TYPE_MISMATCH");
    }
}
