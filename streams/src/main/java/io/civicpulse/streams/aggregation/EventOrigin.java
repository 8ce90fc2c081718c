package io.civicpulse.streams.aggregation;

import java.util.Objects;

/**
 * Where an event came from: its id and the Kafka record that carried it. Enough to dead-letter it later with a
 * pointer to the raw input (the source topic keeps it for a week) without carrying its bytes through the engine.
 */
public record EventOrigin(String eventId, String sourceTopic, int sourcePartition, long sourceOffset,
                          String sourceKey, long payloadSize) {

    public EventOrigin {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(sourceTopic, "sourceTopic");
    }
}
