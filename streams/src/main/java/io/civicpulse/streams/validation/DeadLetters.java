package io.civicpulse.streams.validation;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.deadletter.DeadLetterLimits;
import io.civicpulse.streams.aggregation.EventOrigin;

/**
 * The dead letters the indicator engine writes, and their reasons: one stable reason code per way an input can be
 * unusable, so that dead letters can be counted per reason. Every dead letter points at the Kafka record it came
 * from, and its eventId is derived from reason and record coordinates, so a record rejected twice (after a restart)
 * is counted once downstream. Every dead letter is capped by {@link DeadLetterLimits}: the worst inputs are the
 * largest, and a dead letter copied whole from a near-1 MB record would itself be refused by Kafka.
 */
public final class DeadLetters {

    /** {@code DeadLetter.source} of everything the engine rejects. */
    public static final String SOURCE = "streams";

    public static final String UNDESERIALIZABLE = "event.undeserializable";
    public static final String MISSING_CITY = "event.missing-city";
    public static final String INVALID_CITY = "event.invalid-city";
    public static final String MISSING_EVENT_ID = "event.missing-event-id";
    public static final String MISSING_FIELD = "event.missing-field";
    public static final String INVALID_FIELD = "event.invalid-field";
    public static final String TIMESTAMP_TOO_OLD = "event.timestamp-before-earliest";
    public static final String FUTURE_TIMESTAMP = "event.future-timestamp";
    public static final String UNKNOWN_ENUM = "event.unknown-enum";
    public static final String LATE_BEYOND_GRACE = "event.late-beyond-grace";
    public static final String PROCESSING_FAILED = "streams.processing-failed";

    private DeadLetters() {
    }

    /** The dead-letter topic's key: {@code source/reason}. */
    public static String key(String reason) {
        return SOURCE + "/" + reason;
    }

    /**
     * A rejected Kafka record; the payload is carried inline up to {@code inlineLimit} bytes (and never above
     * {@link DeadLetterLimits#MAX_INLINE_PAYLOAD}).
     */
    public static DeadLetter rejected(String reason, String message, String city, String topic, int partition,
                                      long offset, byte[] key, byte[] payload, Map<String, String> detail,
                                      long occurredAt, int inlineLimit) {
        boolean inline = payload != null && payload.length <= Math.min(inlineLimit, DeadLetterLimits.MAX_INLINE_PAYLOAD);
        return DeadLetterLimits.cap(DeadLetter.newBuilder()
                .setSource(SOURCE)
                .setReason(reason)
                .setMessage(message)
                .setCity(city)
                .setOrigin(topic)
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setPayload(inline ? ByteBuffer.wrap(payload) : null)
                .setPayloadReference(inline || payload == null ? null : reference(topic, partition, offset))
                .setPayloadSize(payload == null ? 0 : payload.length)
                .setContentType("application/vnd.confluent.avro")
                .setOccurredAt(Instant.ofEpochMilli(occurredAt))
                .setHeaders(Map.copyOf(detail))
                .setEventId(eventId(reason, topic, partition, offset))
                .build());
    }

    /**
     * An event that arrived after the grace period of its window, for one indicator. Its bytes stay on the source
     * topic (payloadReference points at them); the engine no longer has them at this stage.
     */
    public static DeadLetter lateEvent(String city, String indicatorId, long eventTimeMs, long streamTimeMs,
                                       EventOrigin origin, long occurredAt) {
        String message = "event " + origin.eventId() + " at " + Instant.ofEpochMilli(eventTimeMs)
                + " arrived when " + city + "'s stream time was " + Instant.ofEpochMilli(streamTimeMs)
                + ": its window of " + indicatorId + " had closed after its grace period; counted as late, not in"
                + " the value";
        return DeadLetterLimits.cap(DeadLetter.newBuilder()
                .setSource(SOURCE)
                .setReason(LATE_BEYOND_GRACE)
                .setMessage(message)
                .setCity(city)
                .setOrigin(origin.sourceTopic())
                .setSourceTopic(origin.sourceTopic())
                .setSourcePartition(origin.sourcePartition())
                .setSourceOffset(origin.sourceOffset())
                .setKey(origin.sourceKey() == null ? null
                        : ByteBuffer.wrap(origin.sourceKey().getBytes(StandardCharsets.UTF_8)))
                .setPayload(null)
                .setPayloadReference(reference(origin.sourceTopic(), origin.sourcePartition(), origin.sourceOffset()))
                .setPayloadSize(origin.payloadSize())
                .setContentType("application/vnd.confluent.avro")
                .setOccurredAt(Instant.ofEpochMilli(occurredAt))
                .setHeaders(Map.of("indicatorId", indicatorId, "eventId", origin.eventId(),
                        "eventTime", Instant.ofEpochMilli(eventTimeMs).toString()))
                .setEventId(eventId(LATE_BEYOND_GRACE + "/" + indicatorId, origin.sourceTopic(),
                        origin.sourcePartition(), origin.sourceOffset()))
                .build());
    }

    /** Kafka record headers as text, for DeadLetter.headers. */
    public static Map<String, String> headersAsText(Headers headers, Map<String, String> into) {
        if (headers != null) {
            for (Header header : headers) {
                if (header.value() != null) {
                    into.putIfAbsent("header." + header.key(), new String(header.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return into;
    }

    private static String reference(String topic, int partition, long offset) {
        return "kafka:" + topic + "/" + partition + "@" + offset;
    }

    private static String eventId(String reason, String topic, int partition, long offset) {
        String identity = SOURCE + "\n" + reason + "\n" + topic + "\n" + partition + "\n" + offset;
        return UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
