package io.civicpulse.deploy.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.ConsumerBacklog;
import io.civicpulse.streams.IndicatorTopology;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.config.StreamsSettings;

/**
 * The engine's throughput beside a one-count Kafka Streams topology over the same input, in the same JVM, both
 * under exactly_once_v2 with the engine's settings: the ratio says what the indicators cost per event over the
 * least any stateful exactly-once application pays, independent of the machine. The runs alternate in order from
 * round to round, since whichever runs second finds the JIT and the page cache warm; round one runs the indicator
 * topology first (cold), so a single round errs against it.
 */
public final class Benchmark {

    /** The target of issue 5: the indicator topology at 60% of the one-count topology's events per second. */
    public static final double TARGET_RATIO = 0.6;

    /** What to run: how many events over how much simulated time, how many rounds, and how long a run may take. */
    public record Settings(long events, Duration span, int rounds, Duration runTimeout) {
        public Settings {
            if (events <= 0 || rounds <= 0 || span.isNegative() || span.isZero()) {
                throw new IllegalArgumentException("events, rounds and span must be positive");
            }
        }
    }

    /** Every run's result, and the best of each topology. */
    public record Report(BenchInput.Produced input, List<ThroughputRun.Result> indicators,
                         List<ThroughputRun.Result> counts) {
        public ThroughputRun.Result bestIndicators() {
            return indicators.stream().max(Comparator.comparingDouble(ThroughputRun.Result::eventsPerSecond))
                    .orElseThrow();
        }

        public ThroughputRun.Result bestCount() {
            return counts.stream().max(Comparator.comparingDouble(ThroughputRun.Result::eventsPerSecond)).orElseThrow();
        }

        public double ratio() {
            return bestIndicators().eventsPerSecond() / bestCount().eventsPerSecond();
        }
    }

    private final Map<String, Object> clientSettings;
    private final PrintWriter out;

    /**
     * @param clientSettings Kafka, serde and {@code civicpulse.*} settings (the engine's defaults fill the rest)
     */
    public Benchmark(Map<String, Object> clientSettings, PrintWriter out) {
        this.clientSettings = Map.copyOf(clientSettings);
        this.out = out;
    }

    public Report run(Settings settings) throws IOException, InterruptedException, ExecutionException,
            TimeoutException {
        String city = "bench" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        Path stateRoot = Files.createTempDirectory("civicpulse-bench");
        try (Admin admin = Admin.create(adminConfig())) {
            Map<String, Object> engine = engineSettings(city);
            Set<String> inputs = inputTopics(IndicatorTopology.build(EngineConfig.from(engine), engine));
            out.printf(Locale.ROOT, "Producing %,d events of city %s (%s of simulated e-service use) to %s%n",
                    settings.events(), city, settings.span(), String.join(", ", inputs));
            out.flush();
            Instant end = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MINUTES);
            long[] shown = {0};
            BenchInput.Produced input = new BenchInput(engine, inputs).produce(city, settings.events(),
                    settings.span(), end, produced -> {
                        if (produced - shown[0] >= Math.max(1, settings.events() / 10)) {
                            shown[0] = produced;
                            out.printf(Locale.ROOT, "  produced %,d%n", produced);
                            out.flush();
                        }
                    });
            out.printf(Locale.ROOT, "  ok  %,d events %s in %.1f s (event time %s to %s)%n", input.events(),
                    input.perTopic(), input.took().toMillis() / 1000.0, input.from(), input.to());
            out.flush();

            ThroughputRun runner = new ThroughputRun(admin, inputs, settings.runTimeout());
            List<ThroughputRun.Result> indicators = new ArrayList<>();
            List<ThroughputRun.Result> counts = new ArrayList<>();
            for (int round = 1; round <= settings.rounds(); round++) {
                boolean indicatorsFirst = round % 2 == 1;
                for (int i = 0; i < 2; i++) {
                    boolean runIndicators = (i == 0) == indicatorsFirst;
                    String name = runIndicators ? "indicators" : "one-count";
                    Map<String, Object> streams = new HashMap<>(engine);
                    streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "civicpulse-bench-" + name + "-" + city + "-"
                            + round);
                    streams.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(name + "-" + round).toString());
                    // The engine's topology as IndicatorEngine runs it, with the client's view of its backlog.
                    ConsumerBacklog backlog = runIndicators ? new ConsumerBacklog() : null;
                    Topology topology = runIndicators
                            ? IndicatorTopology.build(EngineConfig.from(streams), streams, backlog)
                            : CountTopology.build(inputs);
                    out.printf(Locale.ROOT, "Round %d: %s topology%n", round, name);
                    out.flush();
                    ThroughputRun.Result result = runner.run(name, topology, backlog, streams, line -> {
                        out.println("  " + line);
                        out.flush();
                    });
                    out.println("  ok  " + describe(result));
                    out.flush();
                    (runIndicators ? indicators : counts).add(result);
                }
            }
            Report report = new Report(input, indicators, counts);
            out.println();
            out.println("indicator topology  " + describe(report.bestIndicators()));
            out.println("one-count topology  " + describe(report.bestCount()));
            out.printf(Locale.ROOT, "ratio indicator/one-count: %.1f%% (target >= %.0f%%)%n", 100 * report.ratio(),
                    100 * TARGET_RATIO);
            out.flush();
            return report;
        } finally {
            deleteRecursively(stateRoot);
        }
    }

    /**
     * The engine's settings for the benchmark: those given, over the engine's defaults. The startup grace that
     * holds a city's clock while partitions report in is cut to two seconds: at the production default of 30 s a
     * short run would never close a window, skipping the work that closing costs. Two seconds are enough because the
     * runs start every task before any processes ({@link ThroughputRun}) and the engine's consumer fetches small
     * chunks per partition ({@link StreamsSettings#MAIN_CONSUMER_FETCH_BYTES}), so every partition of this one-day
     * catch-up reports within the grace: no event is late. Each run prints what it wrote, dead letters included,
     * so a run that measured rejecting instead of counting shows it.
     */
    private Map<String, Object> engineSettings(String city) {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.putIfAbsent(EngineConfig.SOURCE_STARTUP_GRACE, "PT2S");
        settings.putIfAbsent(EngineConfig.CITY_ZONE_PREFIX + city, "Europe/Sofia");
        return StreamsSettings.withDefaults(settings);
    }

    /** The indicator topology's input topics: its sources that are pipeline topics, not its own repartition topics. */
    static Set<String> inputTopics(Topology topology) {
        Set<String> pipeline = new TreeSet<>();
        for (Topic<?, ?> topic : Topics.ALL) {
            pipeline.add(topic.name());
        }
        Set<String> inputs = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    source.topicSet().stream().filter(pipeline::contains).forEach(inputs::add);
                }
            }
        }
        return inputs;
    }

    private static String describe(ThroughputRun.Result result) {
        String line = String.format(Locale.ROOT, "%,d events in %.1f s: %,.0f events/s (start-up %.1f s)",
                result.events(), result.elapsed().toMillis() / 1000.0, result.eventsPerSecond(),
                result.startup().toMillis() / 1000.0);
        if (!result.outputs().isEmpty()) {
            StringBuilder outputs = new StringBuilder();
            result.outputs().forEach((topic, records) -> outputs.append(outputs.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s %,d", topic, records)));
            line += "; wrote " + outputs;
        }
        return line;
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> config = new HashMap<>(clientSettings);
        config.keySet().retainAll(AdminClientConfig.configNames());
        return config;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
