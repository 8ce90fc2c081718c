package io.civicpulse.ingest.publish;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.civicpulse.schemas.topics.Topic;

/**
 * Publishes ingest's records to Kafka through one producer shared by every poller of the process: idempotent
 * with {@code acks=all}, so the producer's own retries never duplicate or reorder a record within a key, and
 * compressed, since consecutive positions and predictions compress well. Values are Avro in the Confluent wire
 * format through each topic's serde; they are encoded before {@code send}, so a registry failure surfaces to the
 * poller (which then keeps its state and retries the poll) instead of as a half-sent batch.
 */
public final class EventPublisher implements Publisher, AutoCloseable {

    private final Producer<String, byte[]> producer;
    private final Map<String, ?> serdeConfig;
    private final IngestMetrics metrics;
    private final Map<String, Serializer<SpecificRecord>> serializers = new ConcurrentHashMap<>();

    /** Publishes through the given producer (a {@code MockProducer} in unit tests). */
    public EventPublisher(Producer<String, byte[]> producer, Map<String, ?> serdeConfig, IngestMetrics metrics) {
        this.producer = producer;
        this.serdeConfig = Map.copyOf(serdeConfig);
        this.metrics = metrics;
    }

    /**
     * A publisher with its own {@link KafkaProducer}.
     *
     * @param kafkaConfig producer and serde settings ({@code bootstrap.servers}, {@code schema.registry.url}, ...);
     *                    durability settings are enforced, throughput settings are defaults
     */
    public static EventPublisher create(Map<String, Object> kafkaConfig, IngestMetrics metrics) {
        return new EventPublisher(new KafkaProducer<>(producerConfig(kafkaConfig), new StringSerializer(),
                new ByteArraySerializer()), kafkaConfig, metrics);
    }

    /** The producer settings ingest runs with: the caller's, with durability enforced and throughput defaulted. */
    public static Map<String, Object> producerConfig(Map<String, Object> kafkaConfig) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        // A poll hands over hundreds of records at once; a few ms of linger batches them per partition.
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "civicpulse-ingest");
        // A ScheduledTrip of a long route is tens of KB; reference loads are bursts of 30,000 of them.
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        return config;
    }

    @Override
    public <V extends SpecificRecord> CompletableFuture<Void> send(Topic<String, V> topic, String key, V value) {
        byte[] bytes = value == null ? null : serializer(topic).serialize(topic.name(), value);
        CompletableFuture<Void> ack = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic.name(), key, bytes), (metadata, error) -> {
            if (error == null) {
                metrics.published(topic.name(), 1);
                ack.complete(null);
            } else {
                metrics.publishFailed(topic.name());
                ack.completeExceptionally(error);
            }
        });
        return ack;
    }

    /** Sends everything buffered now instead of after linger.ms. */
    public void flush() {
        producer.flush();
    }

    @SuppressWarnings("unchecked")
    private Serializer<SpecificRecord> serializer(Topic<String, ? extends SpecificRecord> topic) {
        return serializers.computeIfAbsent(topic.name(),
                name -> (Serializer<SpecificRecord>) topic.valueSerde(serdeConfig).serializer());
    }

    @Override
    public void close() {
        producer.close();
    }
}
