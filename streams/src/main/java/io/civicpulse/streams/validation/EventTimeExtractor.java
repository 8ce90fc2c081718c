package io.civicpulse.streams.validation;

import java.util.function.ToLongFunction;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time from the event's own timestamp field (occurredAt, eventTime, ...), not the producer's clock, so that
 * windows hold what happened in them even when ingest lags. An event whose timestamp is unusable (negative) keeps
 * the record's timestamp here, because Kafka Streams silently drops records with a negative timestamp; validation
 * then dead-letters it with the real reason.
 */
public final class EventTimeExtractor<V> implements TimestampExtractor {

    private final Class<V> type;
    private final ToLongFunction<V> eventTime;

    public EventTimeExtractor(Class<V> type, ToLongFunction<V> eventTime) {
        this.type = type;
        this.eventTime = eventTime;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof Received<?> received && type.isInstance(received.value())) {
            long time = eventTime.applyAsLong(type.cast(received.value()));
            if (time >= 0) {
                return time;
            }
        }
        return record.timestamp() >= 0 ? record.timestamp() : Math.max(partitionTime, 0);
    }
}
