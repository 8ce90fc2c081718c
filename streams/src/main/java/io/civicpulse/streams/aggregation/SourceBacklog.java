package io.civicpulse.streams.aggregation;

/**
 * What the engine's consumers know of input partitions that still hold records they have not fetched. The window
 * engine lets a source that went quiet stop holding its city's clock, since a quiet source will deliver new events
 * next; a source that is quiet only because the stream thread has not got round to it (a catch-up after a restart,
 * a broker full of other cities' backlog) must go on holding it, or its events come out late.
 */
@FunctionalInterface
public interface SourceBacklog {

    /** Nothing known: sources are judged by their silence alone (the topology test driver, tools). */
    SourceBacklog UNKNOWN = (topic, partition) -> false;

    /** True while the partition is known to hold records beyond what its consumer has fetched. */
    boolean behind(String topic, int partition);
}
