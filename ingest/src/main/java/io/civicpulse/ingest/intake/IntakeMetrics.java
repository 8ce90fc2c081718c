package io.civicpulse.ingest.intake;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * What operators watch on the intake: requests by status code, events accepted and rejected by reason, how
 * long Kafka took to acknowledge a batch, and connections cut for slowness or refused for number. Nothing here
 * is keyed by an API key or a client address. Lock-free counters, read as a snapshot.
 */
public final class IntakeMetrics {

    private final Map<Integer, LongAdder> requestsByStatus = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> rejectedByReason = new ConcurrentHashMap<>();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder publishCount = new LongAdder();
    private final LongAdder publishNanos = new LongAdder();
    private final LongAccumulator publishMaxNanos = new LongAccumulator(Math::max, 0);
    private final LongAdder readTimeouts = new LongAdder();
    private final LongAdder connectionsRefused = new LongAdder();

    void request(int status) {
        requestsByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    /** A connection closed because its request did not arrive within the read deadline. */
    void readTimedOut() {
        readTimeouts.increment();
    }

    /** A connection closed at once because maxConnections were being read. */
    void connectionRefused() {
        connectionsRefused.increment();
    }

    public long readTimeouts() {
        return readTimeouts.sum();
    }

    void accepted(int count) {
        accepted.add(count);
    }

    void rejected(String reason) {
        rejectedByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    void published(long nanos) {
        publishCount.increment();
        publishNanos.add(nanos);
        publishMaxNanos.accumulate(nanos);
    }

    public long requests(int status) {
        LongAdder adder = requestsByStatus.get(status);
        return adder == null ? 0 : adder.sum();
    }

    public long acceptedEvents() {
        return accepted.sum();
    }

    public long rejectedEvents(String reason) {
        LongAdder adder = rejectedByReason.get(reason);
        return adder == null ? 0 : adder.sum();
    }

    /** Every figure by name, for printing and for a metrics endpoint. */
    public Map<String, Number> snapshot() {
        Map<String, Number> snapshot = new TreeMap<>();
        requestsByStatus.forEach((status, n) -> snapshot.put("requests.status." + status, n.sum()));
        rejectedByReason.forEach((reason, n) -> snapshot.put("events.rejected." + reason, n.sum()));
        snapshot.put("events.accepted", accepted.sum());
        snapshot.put("connections.read-timeouts", readTimeouts.sum());
        snapshot.put("connections.refused", connectionsRefused.sum());
        long count = publishCount.sum();
        snapshot.put("publish.batches", count);
        snapshot.put("publish.latency.avg.ms", count == 0 ? 0.0 : publishNanos.sum() / 1e6 / count);
        snapshot.put("publish.latency.max.ms", publishMaxNanos.get() / 1e6);
        return snapshot;
    }
}
