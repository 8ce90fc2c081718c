package io.civicpulse.schemas.topics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.serde.SpecificAvroSerde;

/**
 * One Kafka topic of the pipeline with everything that must agree between its producers, its consumers and
 * the cluster: the name, how keys and values are encoded, and how the broker keeps the data. Keys are UTF-8
 * strings so that dashboards in any language can read and compact them; values are Avro in the Confluent wire
 * format under the subject {@code <topic>-value}.
 *
 * @param retention how long records are kept; null keeps them forever (reference data, latest values)
 */
public record Topic<K, V extends SpecificRecord>(String name, String description, int partitions,
                                                 Cleanup cleanup, Duration retention, String keyFormat,
                                                 Class<K> keyType, Class<V> valueType) {

    /** How the broker discards old records. */
    public enum Cleanup {
        /** Time-based retention: an event stream. */
        DELETE,
        /** The latest record per key is kept forever: reference data and latest values. */
        COMPACT
    }

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cleanup, "cleanup");
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + " needs at least one partition");
        }
    }

    /** An event stream keyed by a UTF-8 string, values of the given Avro type. */
    public static <V extends SpecificRecord> Topic<String, V> events(String name, String description,
                                                                      String keyFormat, int partitions,
                                                                      Duration retention, Class<V> valueType) {
        return new Topic<>(name, description, partitions, Cleanup.DELETE, retention, keyFormat, String.class, valueType);
    }

    /** A compacted topic: the latest value per key, kept forever. */
    public static <V extends SpecificRecord> Topic<String, V> compacted(String name, String description,
                                                                         String keyFormat, int partitions,
                                                                         Class<V> valueType) {
        return new Topic<>(name, description, partitions, Cleanup.COMPACT, null, keyFormat, String.class, valueType);
    }

    /** Broker-side topic configuration. */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", cleanup == Cleanup.COMPACT ? "compact" : "delete");
        configs.put("retention.ms", retention == null ? "-1" : String.valueOf(retention.toMillis()));
        return configs;
    }

    public String valueSubject() {
        return name + "-value";
    }

    /** The Avro schema of the values, from the generated class. */
    public Schema valueSchema() {
        return SpecificData.get().getSchema(valueType);
    }

    public Serde<String> keySerde() {
        return Serdes.String();
    }

    /**
     * A value serde configured with the given client settings ({@code schema.registry.url} and the rest of the
     * Confluent-compatible keys). Serdes built from equal registry settings share one registry client and so one
     * schema cache ({@link SchemaRegistryClient#shared}): a process with twenty topics fetches each schema once.
     */
    public Serde<V> valueSerde(Map<String, ?> serdeConfig) {
        SpecificAvroSerde<V> serde = new SpecificAvroSerde<>(SchemaRegistryClient.shared(serdeConfig), valueType);
        serde.configure(serdeConfig, false);
        return serde;
    }
}
