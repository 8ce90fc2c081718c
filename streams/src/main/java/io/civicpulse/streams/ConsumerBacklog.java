package io.civicpulse.streams;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import io.civicpulse.streams.aggregation.SourceBacklog;

/**
 * The {@link SourceBacklog} of a running Kafka Streams client, from its consumers' {@code records-lag} metric (per
 * partition: the log end, or under read_committed the last stable offset, minus the fetch position, as of the
 * partition's last fetch). Read from the client's metrics, so it costs no request; refreshed at most once per
 * {@link #REFRESH_EVERY_NANOS}, as the window engine asks on every record. The restore consumer is left out: its
 * partitions are changelogs, not inputs.
 */
public final class ConsumerBacklog implements SourceBacklog {

    private static final String GROUP = "consumer-fetch-manager-metrics";
    private static final String LAG = "records-lag";
    private static final long REFRESH_EVERY_NANOS = 1_000_000_000L;

    private volatile Supplier<Map<MetricName, ? extends Metric>> metrics;
    /** Partitions behind at the last refresh, as {@code topic-tag#partition}. */
    private volatile Set<String> behind = Set.of();
    private volatile long refreshedAt = System.nanoTime() - REFRESH_EVERY_NANOS;

    /** Starts reading the client's metrics; until then nothing is known to be behind. */
    public void readFrom(Supplier<Map<MetricName, ? extends Metric>> clientMetrics) {
        this.metrics = Objects.requireNonNull(clientMetrics, "clientMetrics");
    }

    @Override
    public boolean behind(String topic, int partition) {
        Set<String> known = current();
        // Asked for every quiet source on every contribution: when nothing is behind (caught up, the usual case),
        // no key is built.
        if (known.isEmpty()) {
            return false;
        }
        // The consumers tag a partition's metrics with its topic's dots replaced by underscores.
        return known.contains(topic.replace('.', '_') + "#" + partition);
    }

    private Set<String> current() {
        long now = System.nanoTime();
        if (now - refreshedAt >= REFRESH_EVERY_NANOS && metrics != null) {
            refresh(now);
        }
        return behind;
    }

    private synchronized void refresh(long now) {
        if (now - refreshedAt < REFRESH_EVERY_NANOS) {
            return; // another stream thread refreshed meanwhile
        }
        Set<String> found = new HashSet<>();
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.get().entrySet()) {
            MetricName name = entry.getKey();
            if (!LAG.equals(name.name()) || !GROUP.equals(name.group())) {
                continue;
            }
            Map<String, String> tags = name.tags();
            String client = tags.getOrDefault("client-id", "");
            if (client.endsWith("-restore-consumer") || !tags.containsKey("topic") || !tags.containsKey("partition")) {
                continue;
            }
            // NaN before the partition's first fetch: nothing known.
            if (entry.getValue().metricValue() instanceof Double lag && lag > 0) {
                found.add(tags.get("topic") + "#" + tags.get("partition"));
            }
        }
        behind = Set.copyOf(found);
        refreshedAt = now;
    }
}
