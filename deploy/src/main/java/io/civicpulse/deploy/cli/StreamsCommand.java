package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.serving.api.ApiServer;
import io.civicpulse.serving.api.ServingSettings;
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
    /** Kafka Streams' per-topic counters (records consumed from and produced to each topic). */
    private static final String TOPIC_METRICS = "stream-topic-metrics";

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafkaOptions;

    @Option(names = "--application-id", description = "Kafka Streams application id (default civicpulse-indicators).")
    String applicationId;

    @Option(names = "--state-dir", description = "Where the engine keeps its state (default ~/.civicpulse/streams-state).")
    Path stateDir;

    @Option(names = "--http-host", description = "Address the dashboard and query API bind (default 127.0.0.1;"
            + " 0.0.0.0 for every interface, with civicpulse.http.advertised.host for the other instances).")
    String httpHost;

    @Option(names = "--http-port", description = "The dashboard and query API's port (default 8070; 0 picks one).")
    Integer httpPort;

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
        if (httpHost != null) {
            settings.put(ServingSettings.HOST, httpHost);
        }
        if (httpPort != null) {
            settings.put(ServingSettings.PORT, String.valueOf(httpPort));
        }
        // The API is bound first: its address is the engine's application.server, through which the other
        // instances fetch the keys this one owns.
        ApiServer api = ApiServer.start(ServingSettings.from(settings), settings);
        settings.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, api.bound().applicationServer());
        IndicatorEngine engine;
        try {
            engine = new IndicatorEngine(settings);
        } catch (RuntimeException e) {
            api.close();
            throw e;
        }
        api.attach(engine);
        out.println("Dashboard and query API on http://" + api.bound().host() + ":" + api.port() + "/");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping the indicator engine...");
            out.flush();
            api.close();
            engine.close(Duration.ofSeconds(30));
            out.println("Stopped.");
            out.flush();
            stopped.countDown();
        }, "streams-shutdown"));
        engine.start();
        while (engine.state() != KafkaStreams.State.RUNNING && !stopped.await(100, TimeUnit.MILLISECONDS)) {
            if (engine.state() == KafkaStreams.State.ERROR || engine.state() == KafkaStreams.State.NOT_RUNNING) {
                out.println("The indicator engine stopped with state " + engine.state());
                return 1;
            }
        }
        out.println(READY_MARKER + " (application " + engine.settings().get("application.id") + ", state in "
                + engine.settings().get("state.dir") + ")");
        out.flush();
        String appId = String.valueOf(engine.settings().get("application.id"));
        String last = null;
        while (!stopped.await(statusSeconds, TimeUnit.SECONDS)) {
            KafkaStreams.State state = engine.state();
            String now = status(state, engine.metrics(), appId);
            if (!now.equals(last)) {
                out.println(now);
                out.flush();
                last = now;
            }
            if (state == KafkaStreams.State.ERROR) {
                // Every stream thread died (a replaced thread failing again and again, or a fatal error): running on
                // would only look alive. Exit non-zero so a supervisor restarts the process.
                out.println("The indicator engine failed (state ERROR); see the log above. Exiting.");
                out.flush();
                return 1;
            }
        }
        return 0;
    }

    /**
     * The engine's state and what it did since this process started, from its metrics: events read from the input
     * topics, indicator values and dead letters written, late events (beyond and within grace), duplicates dropped,
     * and any other counter of the engine's own.
     */
    private static String status(KafkaStreams.State state, Map<MetricName, ? extends Metric> metrics, String applicationId) {
        double eventsIn = 0;
        double valuesOut = 0;
        double deadLetters = 0;
        Map<String, Double> engine = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName name = e.getKey();
            if (!(e.getValue().metricValue() instanceof Number n)) {
                continue;
            }
            String topic = name.tags().get("topic");
            if (TOPIC_METRICS.equals(name.group()) && topic != null) {
                // Internal topics (repartition, changelogs) carry the application id; they are not the city's events.
                if (name.name().equals("records-consumed-total") && !topic.startsWith(applicationId + "-")) {
                    eventsIn += n.doubleValue();
                } else if (name.name().equals("records-produced-total") && topic.equals(Topics.INDICATORS.name())) {
                    valuesOut += n.doubleValue();
                } else if (name.name().equals("records-produced-total") && topic.equals(Topics.DEAD_LETTERS.name())) {
                    deadLetters += n.doubleValue();
                }
            } else if (EngineMetrics.GROUP.equals(name.group()) && name.name().endsWith("-total")) {
                engine.merge(name.name().substring(0, name.name().length() - "-total".length()), n.doubleValue(),
                        Double::sum);
            }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "engine %s: %.0f events in, %.0f indicator values out, %.0f dead letters, late %.0f beyond grace"
                        + " and %.0f within, %.0f duplicates", state, eventsIn, valuesOut, deadLetters,
                total(engine, EngineMetrics.LATE_BEYOND_GRACE), total(engine, EngineMetrics.LATE_WITHIN_GRACE),
                total(engine, EngineMetrics.DUPLICATES)));
        engine.forEach((name, value) -> line.append(String.format(Locale.ROOT, ", %s %.0f", name, value)));
        return line.toString();
    }

    /** Removes and returns one of the engine's counters, so that the rest can be listed after the named ones. */
    private static double total(Map<String, Double> engine, String name) {
        Double value = engine.remove(name);
        return value == null ? 0 : value;
    }
}
