package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

import io.civicpulse.streams.IndicatorEngine;
import io.civicpulse.streams.aggregation.EngineMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse streams}: the indicator engine alone, against any Kafka and registry. Run several with the same
 * application id to share the work; each survives being killed (exactly once, changelogged state).
 */
@Command(name = "streams", mixinStandardHelpOptions = true,
        description = {"Runs the indicator engine (Kafka Streams, exactly_once_v2) against any Kafka and schema"
                + " registry: settings from --config, KAFKA_* and CIVICPULSE_* variables, and options.",
                "Stops cleanly on Ctrl+C or SIGTERM."})
final class StreamsCommand implements Callable<Integer> {

    static final String READY_MARKER = "Indicator engine RUNNING";

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafkaOptions;

    @Option(names = "--application-id", description = "Kafka Streams application id (default civicpulse-indicators).")
    String applicationId;

    @Option(names = "--state-dir", description = "Where the engine keeps its state (default ~/.civicpulse/streams-state).")
    Path stateDir;

    @Option(names = "--status-every", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds between status lines (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> settings = kafkaOptions.settings(spec);
        if (applicationId != null) {
            settings.put("application.id", applicationId);
        }
        if (stateDir != null) {
            settings.put("state.dir", stateDir.toAbsolutePath().toString());
        }
        IndicatorEngine engine = new IndicatorEngine(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping the indicator engine...");
            out.flush();
            engine.close(Duration.ofSeconds(30));
            out.println("Stopped.");
            out.flush();
            stopped.countDown();
        }, "streams-shutdown"));
        engine.start();
        while (engine.state() != KafkaStreams.State.RUNNING && !stopped.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (engine.state() == KafkaStreams.State.ERROR || engine.state() == KafkaStreams.State.NOT_RUNNING) {
                out.println("The indicator engine stopped with state " + engine.state());
                return 1;
            }
        }
        out.println(READY_MARKER + " (application " + engine.settings().get("application.id") + ", state in "
                + engine.settings().get("state.dir") + ")");
        out.flush();
        StatusLine.every(Duration.ofSeconds(statusSeconds), out, () -> status(engine), stopped);
        return 0;
    }

    /** The engine's state and its own counters (late events, duplicates, rejections), summed per name. */
    private static String status(IndicatorEngine engine) {
        Map<String, Double> sums = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : engine.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (EngineMetrics.GROUP.equals(name.group()) && name.name().endsWith("-total")
                    && e.getValue().metricValue() instanceof Number n) {
                sums.merge(name.name().replace("-total", ""), n.doubleValue(), Double::sum);
            }
        }
        StringBuilder line = new StringBuilder("engine ").append(engine.state());
        sums.forEach((name, value) -> line.append(String.format(Locale.ROOT, ", %s %.0f", name, value)));
        return line.toString();
    }
}
