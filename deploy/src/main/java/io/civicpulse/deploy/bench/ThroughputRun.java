package io.civicpulse.deploy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * One timed run of a topology over input already on Kafka: a fresh application id reads the input topics from the
 * beginning, and the run is over once the application has committed offsets at the end of every input partition
 * (under exactly_once_v2: the results of all of it are committed) and its own repartition topics are drained. The
 * clock runs from the first input record taken for processing to that point, so start-up (group join, internal
 * topic creation) is reported apart and does not blur the per-event cost.
 */
public final class ThroughputRun {

    /** What one run measured. */
    public record Result(String name, long events, Duration elapsed, Duration startup) {
        public double eventsPerSecond() {
            return events / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    private static final String TOPIC_METRICS = "stream-topic-metrics";
    private static final Duration POLL = Duration.ofMillis(50);

    private final Admin admin;
    private final Set<String> inputTopics;
    private final Duration timeout;

    public ThroughputRun(Admin admin, Set<String> inputTopics, Duration timeout) {
        this.admin = admin;
        this.inputTopics = Set.copyOf(inputTopics);
        this.timeout = timeout;
    }

    /**
     * Runs {@code topology} with {@code settings} (which name a fresh application id and state directory) until it
     * has processed all input present now, then closes it and removes its local state.
     *
     * @param progress called about every two seconds with a line about how far the run is
     */
    public Result run(String name, Topology topology, Map<String, Object> settings, Consumer<String> progress)
            throws InterruptedException, ExecutionException, TimeoutException {
        String applicationId = (String) settings.get(StreamsConfig.APPLICATION_ID_CONFIG);
        Map<TopicPartition, Long> ends = endOffsets();
        Properties properties = new Properties();
        properties.putAll(settings);
        KafkaStreams streams = new KafkaStreams(topology, properties);
        long t0 = System.nanoTime();
        long firstRecord = -1;
        long lastProgress = t0;
        try {
            streams.start();
            while (true) {
                Thread.sleep(POLL.toMillis());
                long now = System.nanoTime();
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(name + ": Kafka Streams stopped with state " + streams.state()
                            + "; see the log");
                }
                if (now - t0 > timeout.toNanos()) {
                    throw new TimeoutException(name + " did not process its input within " + timeout);
                }
                Counts counts = counts(streams.metrics(), applicationId);
                if (firstRecord < 0 && counts.inputConsumed > 0) {
                    firstRecord = now;
                }
                if (now - lastProgress >= Duration.ofSeconds(2).toNanos()) {
                    lastProgress = now;
                    double seconds = firstRecord < 0 ? 0 : (now - firstRecord) / 1e9;
                    String line = String.format(Locale.ROOT, "%-12s %,12d events  %,10.0f events/s", name,
                            counts.inputConsumed, seconds == 0 ? 0 : counts.inputConsumed / seconds);
                    if (counts.internalProduced > 0) {
                        line += String.format(Locale.ROOT, "  (repartitioned: %,d of %,d read back)",
                                counts.internalConsumed, counts.internalProduced);
                    }
                    progress.accept(line);
                }
                if (firstRecord >= 0 && counts.internalDrained() && committedAtEnd(applicationId, ends)) {
                    return new Result(name, counts.inputConsumed, Duration.ofNanos(now - firstRecord),
                            Duration.ofNanos(firstRecord - t0));
                }
            }
        } finally {
            streams.close(Duration.ofSeconds(30));
            streams.cleanUp();
            removeInternalTopics(applicationId);
        }
    }

    /** Records taken from the input topics, and produced to and consumed from the application's own topics. */
    private record Counts(long inputConsumed, long internalProduced, long internalConsumed) {
        boolean internalDrained() {
            return internalConsumed >= internalProduced;
        }
    }

    private Counts counts(Map<MetricName, ? extends Metric> metrics, String applicationId) {
        long input = 0;
        long internalProduced = 0;
        long internalConsumed = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName metric = e.getKey();
            String topic = metric.tags().get("topic");
            if (!TOPIC_METRICS.equals(metric.group()) || topic == null
                    || !(e.getValue().metricValue() instanceof Number n)) {
                continue;
            }
            // Changelogs are written, never read while running; only repartition topics are read back.
            boolean repartition = topic.startsWith(applicationId + "-") && topic.endsWith("-repartition");
            if (metric.name().equals("records-consumed-total")) {
                if (inputTopics.contains(topic)) {
                    input += n.longValue();
                } else if (repartition) {
                    internalConsumed += n.longValue();
                }
            } else if (metric.name().equals("records-produced-total") && repartition) {
                internalProduced += n.longValue();
            }
        }
        return new Counts(input, internalProduced, internalConsumed);
    }

    private Map<TopicPartition, Long> endOffsets() throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(inputTopics).allTopicNames().get().forEach((topic, description) ->
                description.partitions().forEach(p -> request.put(new TopicPartition(topic, p.partition()),
                        OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(request).all().get().entrySet()) {
            if (e.getValue().offset() > 0) {
                ends.put(e.getKey(), e.getValue().offset());
            }
        }
        return ends;
    }

    /**
     * Whether the application committed offsets at (or past) the end of every non-empty input partition. Kafka
     * Streams commits the consumer's position once a partition's queue is empty, so transaction markers at the end
     * of an input partition do not keep it one short.
     */
    private boolean committedAtEnd(String applicationId, Map<TopicPartition, Long> ends)
            throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                .partitionsToOffsetAndMetadata().get();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            if (offset == null || offset.offset() < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** A benchmark on a shared cluster must not leave its repartition topics and changelogs behind. */
    private void removeInternalTopics(String applicationId) {
        try {
            List<String> internal = new ArrayList<>();
            for (String topic : admin.listTopics().names().get()) {
                if (topic.startsWith(applicationId + "-")) {
                    internal.add(topic);
                }
            }
            admin.deleteTopics(internal).all().get();
            admin.deleteConsumerGroups(List.of(applicationId)).all().get();
        } catch (ExecutionException e) {
            // Leftovers of a finished benchmark are untidy, not wrong; the figures stand.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
