package io.civicpulse.streams.aggregation;

import java.time.Duration;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Lets each event through once: an event whose id was seen within the horizon (by event time) is dropped and
 * counted as a duplicate. The ids live in a window store ({@value #STORE}) that forgets them after the horizon, so
 * the state is bounded by the event rate times the horizon. Duplicates share their input key (the id is derived
 * from the same input), so they reach the same partition and task, and this check needs no repartitioning.
 */
public final class DeduplicationProcessor
        implements Processor<String, EventContributions, String, EventContributions> {

    public static final String STORE = "event-ids-seen";

    private final long horizonMs;
    private ProcessorContext<String, EventContributions> context;
    private WindowStore<String, Long> seen;
    private EngineMetrics metrics;

    public DeduplicationProcessor(Duration horizon) {
        this.horizonMs = horizon.toMillis();
    }

    @Override
    public void init(ProcessorContext<String, EventContributions> context) {
        this.context = context;
        this.seen = context.getStateStore(STORE);
        this.metrics = new EngineMetrics(context.metrics());
    }

    @Override
    public void process(Record<String, EventContributions> record) {
        EventContributions event = record.value();
        long time = event.eventTimeMs();
        try (WindowStoreIterator<Long> earlier = seen.fetch(event.dedupId(), time - horizonMs, time + horizonMs)) {
            if (earlier.hasNext()) {
                metrics.record(EngineMetrics.DUPLICATES, event.dedupId().substring(0, event.dedupId().indexOf(':')));
                return;
            }
        }
        seen.put(event.dedupId(), time, time);
        context.forward(record);
    }
}
