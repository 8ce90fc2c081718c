package io.civicpulse.schemas.serde;

import io.civicpulse.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Serde for one generated Avro class in the Confluent wire format: what a topic declaration pairs with its
 * record type. It reads into the class's own {@code SCHEMA$}, resolving whatever compatible schema the data was
 * written with, so a consumer built against version N reads producers on N-1 or N+1. Serializer and deserializer
 * share one registry client and so one cache. Not final, so that a topic's serde can be named by class in a
 * Streams config ({@code class VehiclePositionSerde extends SpecificAvroSerde<VehiclePosition>}).
 *
 * @param <T> the generated record type
 */
public class SpecificAvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final SchemaRegistryClient givenClient;
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    /** Reads into the generated class named like each writer schema; for Streams' default serde settings. */
    @SuppressWarnings("unchecked")
    public SpecificAvroSerde() {
        this((Class<T>) SpecificRecord.class, null);
    }

    /** Reads and writes {@code type}; needs {@link #configure}. */
    public SpecificAvroSerde(Class<T> type) {
        this(type, null);
    }

    /** Reads and writes {@code type} through a ready client; usable at once with the default settings. */
    public SpecificAvroSerde(SchemaRegistryClient client, Class<T> type) {
        this(type, Objects.requireNonNull(client, "client"));
    }

    private SpecificAvroSerde(Class<T> type, SchemaRegistryClient client) {
        Objects.requireNonNull(type, "type");
        this.givenClient = client;
        this.serializer = client == null ? new AvroSerializer<>() : new AvroSerializer<>(client);
        this.deserializer = client == null ? new AvroDeserializer<>(type) : new AvroDeserializer<>(client, type);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        SchemaRegistryClient client = givenClient != null ? givenClient : SchemaRegistryClient.fromConfigs(configs);
        serializer.configure(configs, isKey, client);
        deserializer.configure(configs, isKey, client);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
