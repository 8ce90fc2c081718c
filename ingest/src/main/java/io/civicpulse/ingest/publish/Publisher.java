package io.civicpulse.ingest.publish;

import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;

import io.civicpulse.schemas.topics.Topic;

/**
 * Where pollers hand their records: the boundary between reading feeds and Kafka. {@link EventPublisher} is the
 * Kafka implementation; keeping the boundary this small lets pollers be tested on what they publish.
 */
public interface Publisher {

    /**
     * Sends one record. The future completes when the broker acknowledged it (or fails with the reason it did
     * not); a failure to encode the record (registry unreachable) throws before anything is sent.
     *
     * @param value the record, or null for a tombstone on a compacted topic
     */
    <V extends SpecificRecord> CompletableFuture<Void> send(Topic<String, V> topic, String key, V value);
}
