package io.civicpulse.ingest.open311;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;

import io.civicpulse.ingest.publish.Publisher;
import io.civicpulse.schemas.topics.Topic;

/** Records what the poller hands to Kafka, acknowledging at once or failing when told to. */
final class RecordingPublisher implements Publisher {

    record Sent(String topic, String key, SpecificRecord value) {
    }

    final List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
    volatile RuntimeException failWith;

    @Override
    public <V extends SpecificRecord> CompletableFuture<Void> send(Topic<String, V> topic, String key, V value) {
        if (failWith != null) {
            return CompletableFuture.failedFuture(failWith);
        }
        sent.add(new Sent(topic.name(), key, value));
        return CompletableFuture.completedFuture(null);
    }

    @SuppressWarnings("unchecked")
    <V> List<V> values(Topic<String, ?> topic) {
        synchronized (sent) {
            return sent.stream().filter(s -> s.topic().equals(topic.name())).map(s -> (V) s.value()).toList();
        }
    }
}
