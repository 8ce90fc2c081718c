package io.civicpulse.streams.aggregation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Lets each event through once: an event whose id (input, city, event id) arrived within the horizon before is
 * dropped and counted as a duplicate. Duplicates are a feed polled twice or a retried push, so the horizon runs on
 * arrival (wall-clock) time: judged by event time instead, a backfill of last night beside a live city would see
 * its ids expire the moment they were stored and count every retry twice. The ids live in a key-value store
 * (one per input family: {@value #STORE}, {@value #MOBILITY_STORE}) purged of ids older than the horizon every few minutes, so the state is bounded by the
 * arrival rate times the horizon. Duplicates share their input key (the id is derived from the same input), so
 * they reach the same partition and task, and this check needs no repartitioning.
 */
public final class DeduplicationProcessor
        implements Processor<String, EventContributions, String, EventContributions> {

    /** The ids of the service-usage family (sessions, payments, requests, open data, catalogue, population). */
    public static final String STORE = "event-ids-seen";
    /** The ids of the mobility family (stop observations, transit decisions, positions, shared vehicles, alerts). */
    public static final String MOBILITY_STORE = "mobility-event-ids-seen";
    /** How often ids past the horizon are deleted; they stay a little longer, which only widens the horizon. */
    private static final Duration PURGE_EVERY = Duration.ofMinutes(5);

    private final long horizonMs;
    private final String storeName;
    private ProcessorContext<String, EventContributions> context;
    private KeyValueStore<String, Long> seen;
    private EngineMetrics metrics;

    public DeduplicationProcessor(Duration horizon, String storeName) {
        this.horizonMs = horizon.toMillis();
        this.storeName = storeName;
    }

    @Override
    public void init(ProcessorContext<String, EventContributions> context) {
        this.context = context;
        this.seen = context.getStateStore(storeName);
        this.metrics = new EngineMetrics(context.metrics());
        context.schedule(PURGE_EVERY, PunctuationType.WALL_CLOCK_TIME, this::purge);
    }

    @Override
    public void process(Record<String, EventContributions> record) {
        EventContributions event = record.value();
        long now = context.currentSystemTimeMs();
        Long firstSeen = seen.get(event.dedupId());
        if (firstSeen != null && now - firstSeen <= horizonMs) {
            metrics.record(EngineMetrics.DUPLICATES, event.dedupId().substring(0, event.dedupId().indexOf(':')));
            return;
        }
        seen.put(event.dedupId(), now);
        context.forward(record);
    }

    private void purge(long wallClockMs) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = seen.all()) {
            all.forEachRemaining(entry -> {
                if (wallClockMs - entry.value > horizonMs) {
                    expired.add(entry.key);
                }
            });
        }
        // Deleted after the scan: stores are not to be modified under an open iterator.
        expired.forEach(seen::delete);
    }
}
