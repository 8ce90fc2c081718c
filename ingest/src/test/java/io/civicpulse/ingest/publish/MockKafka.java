package io.civicpulse.ingest.publish;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.registry.MockRegistries;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/**
 * The real {@link EventPublisher} over Kafka's {@link MockProducer} and an in-memory {@code mock://} registry:
 * what ingest sends, encoded exactly as on a broker, and read back decoded. One scope per instance.
 */
public final class MockKafka implements AutoCloseable {

    /** One record as a consumer would see it. */
    public record Sent<V>(String key, V value) {
    }

    private final String scope = "ingest-" + UUID.randomUUID();
    private final Map<String, Object> serdeConfig = Map.of("schema.registry.url", "mock://" + scope);
    public final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    public final IngestMetrics metrics;
    public final EventPublisher publisher;
    public final DeadLetters deadLetters;

    public MockKafka(String city, Clock clock) {
        this.metrics = new IngestMetrics(city, clock);
        this.publisher = new EventPublisher(producer, serdeConfig, metrics);
        this.deadLetters = new DeadLetters(publisher, metrics, clock);
    }

    /** Every record sent to the topic so far, decoded, in send order; a tombstone has a null value. */
    public <V extends SpecificRecord> List<Sent<V>> records(Topic<String, V> topic) {
        try (Deserializer<V> deserializer = topic.valueSerde(
                Map.of("schema.registry.url", "mock://" + scope, "specific.avro.reader", true)).deserializer()) {
            List<Sent<V>> out = new ArrayList<>();
            for (ProducerRecord<String, byte[]> record : producer.history()) {
                if (record.topic().equals(topic.name())) {
                    out.add(new Sent<>(record.key(),
                            record.value() == null ? null : deserializer.deserialize(topic.name(), record.value())));
                }
            }
            return out;
        }
    }

    public <V extends SpecificRecord> List<V> values(Topic<String, V> topic) {
        return records(topic).stream().map(Sent::value).toList();
    }

    public List<DeadLetter> deadLetters() {
        return values(Topics.DEAD_LETTERS);
    }

    @Override
    public void close() {
        metrics.close();
        MockRegistries.drop(scope);
    }
}
