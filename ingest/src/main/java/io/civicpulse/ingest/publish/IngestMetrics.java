package io.civicpulse.ingest.publish;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.utils.Time;

/**
 * What operators watch on a city's ingest: events published per topic, rejected per reason, publish failures,
 * poll latency, polls and poll failures, the age of each feed's newest data and the last successful poll per
 * feed. Built on Kafka's own {@link Metrics}, so the figures appear in JMX beside the producer's
 * ({@code civicpulse.ingest:type=civicpulse-ingest,city=...,...}) and any Kafka metrics tooling reads them;
 * {@link #snapshot()} gives them by name for printing.
 */
public final class IngestMetrics implements AutoCloseable {

    static final String GROUP = "civicpulse-ingest";
    private static final String JMX_PREFIX = "civicpulse.ingest";

    private final String city;
    private final Clock clock;
    private final Metrics metrics;
    private final Map<String, Sensor> sensors = new ConcurrentHashMap<>();
    private final Map<String, Long> lastSuccessMillis = new ConcurrentHashMap<>();
    private final Map<String, Long> feedTimestampMillis = new ConcurrentHashMap<>();

    public IngestMetrics(String city, Clock clock) {
        this.city = city;
        this.clock = clock;
        this.metrics = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext(JMX_PREFIX));
    }

    public String city() {
        return city;
    }

    /** The underlying registry, e.g. to add reporters. */
    public Metrics kafkaMetrics() {
        return metrics;
    }

    public void published(String topic, int count) {
        counter("events-published", "topic", topic, "Records acknowledged by Kafka, per topic", true).record(count);
    }

    public void publishFailed(String topic) {
        counter("publish-failed", "topic", topic, "Records Kafka did not acknowledge, per topic", false).record(1);
    }

    public void rejected(String reason) {
        counter("events-rejected", "reason", reason, "Inputs sent to the dead-letter topic, per reason", true)
                .record(1);
    }

    /** A poll that fetched and processed its feed; {@code feedTimestamp} is the newest data in it, if known. */
    public void pollSucceeded(String feed, long latencyMillis, Instant feedTimestamp) {
        pollLatency(feed).record(latencyMillis);
        counter("polls", "feed", feed, "Polls of the feed, successful or not", false).record(1);
        lastSuccessMillis.put(feed, clock.millis());
        if (feedTimestamp != null) {
            feedTimestampMillis.put(feed, feedTimestamp.toEpochMilli());
        }
        registerFeedGauges(feed);
    }

    /** A poll that got no usable feed (HTTP error, timeout, unreadable content). */
    public void pollFailed(String feed, long latencyMillis) {
        pollLatency(feed).record(latencyMillis);
        counter("polls", "feed", feed, "Polls of the feed, successful or not", false).record(1);
        counter("poll-failures", "feed", feed, "Polls that got no usable feed", false).record(1);
        registerFeedGauges(feed);
    }

    public long publishedCount(String topic) {
        return total("events-published", "topic", topic);
    }

    public long rejectedCount(String reason) {
        return total("events-rejected", "reason", reason);
    }

    public long publishFailedCount(String topic) {
        return total("publish-failed", "topic", topic);
    }

    public long polls(String feed) {
        return total("polls", "feed", feed);
    }

    public long pollFailures(String feed) {
        return total("poll-failures", "feed", feed);
    }

    public Optional<Instant> lastSuccessfulPoll(String feed) {
        return Optional.ofNullable(lastSuccessMillis.get(feed)).map(Instant::ofEpochMilli);
    }

    /** Every figure of this city, by {@code name{tag=value}}, sorted, for printing. */
    public Map<String, Number> snapshot() {
        Map<String, Number> snapshot = new TreeMap<>();
        for (Map.Entry<MetricName, KafkaMetric> e : metrics.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (!GROUP.equals(name.group())) {
                continue;
            }
            Map<String, String> tags = new TreeMap<>(name.tags());
            tags.remove("city");
            Object value = e.getValue().metricValue();
            if (value instanceof Number number) {
                snapshot.put(name.name() + (tags.isEmpty() ? "" : tags.toString()), number);
            }
        }
        return snapshot;
    }

    @Override
    public void close() {
        metrics.close();
    }

    private Sensor pollLatency(String feed) {
        return sensors.computeIfAbsent("poll-latency/" + feed, key -> {
            Sensor sensor = metrics.sensor(key);
            sensor.add(name("poll-latency-avg-ms", "feed", feed, "Average time of a poll, fetch to acks"), new Avg());
            sensor.add(name("poll-latency-max-ms", "feed", feed, "Longest poll in the sample window"), new Max());
            return sensor;
        });
    }

    private void registerFeedGauges(String feed) {
        MetricName last = name("last-successful-poll-epoch-ms", "feed", feed,
                "Wall-clock time of the last successful poll, epoch ms");
        metrics.addMetricIfAbsent(last, null, (Gauge<Long>) (config, now) -> lastSuccessMillis.getOrDefault(feed, 0L));
        MetricName age = name("feed-age-seconds", "feed", feed,
                "How old the newest data of the feed is now: wall clock minus its feed timestamp");
        metrics.addMetricIfAbsent(age, null, (Gauge<Double>) (config, now) -> {
            Long ts = feedTimestampMillis.get(feed);
            return ts == null ? Double.NaN : (clock.millis() - ts) / 1000.0;
        });
    }

    private Sensor counter(String base, String tag, String value, String description, boolean withRate) {
        return sensors.computeIfAbsent(base + "/" + tag + "/" + value, key -> {
            Sensor sensor = metrics.sensor(key);
            sensor.add(name(base + "-total", tag, value, description), new CumulativeSum());
            if (withRate) {
                sensor.add(name(base + "-rate", tag, value, description + ", per second"), new Rate());
            }
            return sensor;
        });
    }

    private long total(String base, String tag, String value) {
        KafkaMetric metric = metrics.metric(name(base + "-total", tag, value, ""));
        return metric == null ? 0 : ((Number) metric.metricValue()).longValue();
    }

    private MetricName name(String name, String tag, String value, String description) {
        return metrics.metricName(name, GROUP, description, Map.of("city", city, tag, value));
    }
}
