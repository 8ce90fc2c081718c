package io.civicpulse.schemas.serde;

import io.civicpulse.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Serde for GenericRecords in the Confluent wire format, for code that handles records by schema rather than by
 * generated class (tools, dead-letter handling). It always reads generic data, whatever
 * {@code specific.avro.reader} says. Serializer and deserializer share one registry client and so one cache.
 */
public class GenericAvroSerde implements Serde<GenericRecord> {

    private final SchemaRegistryClient givenClient;
    private final AvroSerializer<GenericRecord> serializer;
    private final AvroDeserializer<GenericRecord> deserializer;

    /** For Kafka Streams' {@code default.key.serde}/{@code default.value.serde}; needs {@link #configure}. */
    public GenericAvroSerde() {
        this.givenClient = null;
        this.serializer = new AvroSerializer<>();
        this.deserializer = new AvroDeserializer<>(GenericRecord.class);
    }

    /** Uses a ready client; usable at once with the default settings. */
    public GenericAvroSerde(SchemaRegistryClient client) {
        this.givenClient = Objects.requireNonNull(client, "client");
        this.serializer = new AvroSerializer<>(client);
        this.deserializer = new AvroDeserializer<>(client, GenericRecord.class);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        SchemaRegistryClient client = givenClient != null ? givenClient : SchemaRegistryClient.fromConfigs(configs);
        serializer.configure(configs, isKey, client);
        deserializer.configure(configs, isKey, client);
    }

    @Override
    public Serializer<GenericRecord> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<GenericRecord> deserializer() {
        return deserializer;
    }
}
