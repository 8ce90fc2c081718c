package io.civicpulse.deploy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

import io.civicpulse.streams.ConsumerBacklog;

/**
 * One timed run of a topology over input already on Kafka: a fresh application id reads the input topics from the
 * beginning, and the run is over once the application has committed offsets at the end of every input partition
 * (under exactly_once_v2: the results of all of it are committed) and its own repartition topics are drained. The
 * clock runs from the first input record taken for processing to that point, so start-up (group join, internal
 * topic creation, every task created while processing is paused) is reported apart and does not blur the per-event
 * cost.
 */
public final class ThroughputRun {

    /**
     * What one run measured; {@code outputs} are the records written per output topic (not counting its own
     * internal topics), so that a run which, say, dead-lettered its input instead of counting it shows it.
     */
    public record Result(String name, long events, Duration elapsed, Duration startup, Map<String, Long> outputs) {
        public double eventsPerSecond() {
            return events / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    private static final String TOPIC_METRICS = "stream-topic-metrics";
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PAUSED_AT_MOST = Duration.ofSeconds(60);
    private static final Duration TOPIC_METRICS_REFRESH = Duration.ofSeconds(1);

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
     * @param backlog  the view of the consumers' lag the topology was built with, read from this run's client;
     *                 null for none (the one-count topology)
     * @param progress called about every two seconds with a line about how far the run is
     */
    public Result run(String name, Topology topology, ConsumerBacklog backlog, Map<String, Object> settings,
                      Consumer<String> progress) throws InterruptedException, ExecutionException, TimeoutException {
        String applicationId = (String) settings.get(StreamsConfig.APPLICATION_ID_CONFIG);
        Map<TopicPartition, Long> ends = endOffsets();
        Properties properties = new Properties();
        properties.putAll(settings);
        KafkaStreams streams = new KafkaStreams(topology, properties);
        if (backlog != null) {
            backlog.readFrom(streams::metrics);
        }
        long t0 = System.nanoTime();
        long firstRecord = -1;
        long lastProgress = t0;
        try {
            // Started paused, resumed once every task is created: tasks that open their stores one after the other
            // would otherwise start processing seconds apart, and the engine would find the partitions heard last
            // hours behind their city's clock (late, dead-lettered) instead of counting them. That is an artifact
            // of replaying a day in seconds on a fresh application, not the engine's work on a live feed.
            streams.pause();
            streams.start();
            int tasks = -1;
            boolean paused = true;
            Map<MetricName, Metric> topicMetrics = Map.of();
            long topicMetricsFound = t0;
            while (true) {
                Thread.sleep(POLL.toMillis());
                long now = System.nanoTime();
                if (paused && tasks < 0 && streams.state() == KafkaStreams.State.REBALANCING) {
                    tasks = taskCount(topology, applicationId);
                }
                if (paused && tasks > 0 && pausedTasks(streams.metrics()) >= tasks) {
                    streams.resume();
                    paused = false;
                } else if (paused && now - t0 > PAUSED_AT_MOST.toNanos()) {
                    // Should a Kafka version count its tasks otherwise, run unsynchronized rather than not at all.
                    progress.accept(name + ": not every task reported in " + PAUSED_AT_MOST.toSeconds()
                            + " s; processing starts anyway");
                    streams.resume();
                    paused = false;
                }
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(name + ": Kafka Streams stopped with state " + streams.state()
                            + "; see the log");
                }
                if (now - t0 > timeout.toNanos()) {
                    throw new TimeoutException(name + " did not process its input within " + timeout);
                }
                if (topicMetrics.isEmpty() || now - topicMetricsFound >= TOPIC_METRICS_REFRESH.toNanos()) {
                    // Copying every metric of the application (thousands: per task, store and topic) 20 times a
                    // second took a tenth of a core from the run being measured; the topic metrics are few, and
                    // new ones (a topic first written) appear within the refresh.
                    topicMetrics = topicMetrics(streams.metrics());
                    topicMetricsFound = now;
                }
                Counts counts = counts(topicMetrics, applicationId);
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
                            Duration.ofNanos(firstRecord - t0), counts.outputs);
                }
            }
        } finally {
            streams.close(Duration.ofSeconds(30));
            streams.cleanUp();
            removeInternalTopics(applicationId);
        }
    }

    /**
     * How many tasks the application runs: per sub-topology, the most partitions of its source topics, its own
     * repartition topics included (they exist once the group has formed); -1 while one of them does not exist yet.
     */
    private int taskCount(Topology topology, String applicationId) throws InterruptedException, ExecutionException {
        Set<String> names = new HashSet<>(admin.listTopics().names().get());
        int tasks = 0;
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            Set<String> sources = new HashSet<>();
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    source.topicSet().forEach(topic -> sources.add(
                            names.contains(topic) ? topic : applicationId + "-" + topic));
                }
            }
            if (!names.containsAll(sources)) {
                return -1;
            }
            int partitions = 0;
            for (TopicDescription description : admin.describeTopics(sources).allTopicNames().get().values()) {
                partitions = Math.max(partitions, description.partitions().size());
            }
            tasks += partitions;
        }
        return tasks;
    }

    /** Active tasks created and held paused by the state updater, over all stream threads. */
    private static long pausedTasks(Map<MetricName, ? extends Metric> metrics) {
        long paused = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            if (e.getKey().group().equals("stream-state-updater-metrics")
                    && e.getKey().name().equals("active-paused-tasks")
                    && e.getValue().metricValue() instanceof Number n) {
                paused += n.longValue();
            }
        }
        return paused;
    }

    /**
     * Records taken from the input topics, produced to and consumed from the application's own topics, and produced
     * to each output topic.
     */
    private record Counts(long inputConsumed, long internalProduced, long internalConsumed,
                          Map<String, Long> outputs) {
        boolean internalDrained() {
            return internalConsumed >= internalProduced;
        }
    }

    private static Map<MetricName, Metric> topicMetrics(Map<MetricName, ? extends Metric> metrics) {
        Map<MetricName, Metric> topic = new HashMap<>();
        metrics.forEach((name, metric) -> {
            if (TOPIC_METRICS.equals(name.group()) && name.tags().containsKey("topic")) {
                topic.put(name, metric);
            }
        });
        return topic;
    }

    private Counts counts(Map<MetricName, ? extends Metric> metrics, String applicationId) {
        long input = 0;
        long internalProduced = 0;
        long internalConsumed = 0;
        Map<String, Long> outputs = new TreeMap<>();
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
            } else if (metric.name().equals("records-produced-total") && !topic.startsWith(applicationId + "-")) {
                outputs.merge(topic, n.longValue(), Long::sum);
            }
        }
        return new Counts(input, internalProduced, internalConsumed, outputs);
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
