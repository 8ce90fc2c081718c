package io.civicpulse.ingest.intake;

import org.apache.avro.specific.SpecificRecord;

import io.civicpulse.schemas.topics.Topic;

/**
 * The outcome of validating one event of a posted batch: either a record ready for its topic, or a rejection
 * that says which field was wrong and why. {@code index} is the event's position in the batch (0-based), so a
 * client can match rejections to what it sent.
 */
public sealed interface IntakeEvent {

    int index();

    /** A valid event and where it goes. */
    record Accepted(int index, Topic<String, ? extends SpecificRecord> topic, String key, SpecificRecord value,
                    String eventId) implements IntakeEvent {
    }

    /**
     * An invalid event.
     *
     * @param field  the JSON field at fault, or null when the event as a whole is (not an object, not JSON)
     * @param reason a stable code for metrics and dead letters, e.g. {@code field.missing}
     * @param message what a person reads: what was wrong and what is expected
     * @param raw    the event's bytes as received, for the dead letter
     */
    record Rejected(int index, String field, String reason, String message, byte[] raw) implements IntakeEvent {
    }
}
