package io.civicpulse.streams.validation;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Stamps each record with the wall-clock time it is written, for the dead letters. A rejected record may carry any
 * event time: one far ahead of the broker's clock (a feed whose clock is off, a simulator running ahead) would be
 * refused by the broker (message.timestamp.after.max.ms, an hour by default), and Kafka Streams would fail the task on
 * the very record it is rejecting, again after every restart; one far behind (a backfill's) would fall out of the
 * dead-letter topic's retention at once. A dead letter is about when it was rejected.
 */
public final class StampedWhenWritten<V> implements FixedKeyProcessor<String, V, V> {

    private FixedKeyProcessorContext<String, V> context;

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
        context.forward(record.withTimestamp(context.currentSystemTimeMs()));
    }
}
