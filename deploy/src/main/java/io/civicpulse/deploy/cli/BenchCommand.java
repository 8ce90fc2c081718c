package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.civicpulse.deploy.bench.Benchmark;
import io.civicpulse.deploy.local.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse bench}: the indicator topology's throughput beside a one-count topology over the same input,
 * printed as events per second and a ratio. A measurement to read, not a test: it never fails on the figures.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the indicator engine's throughput (events/s, exactly_once_v2) beside a one-count"
                + " Kafka Streams topology over the same input, in this JVM, and prints the ratio.",
                "Without --bootstrap-servers (or --config / KAFKA_BOOTSTRAP_SERVERS) it starts its own broker and"
                        + " registry on free ports and removes them afterwards; on a given cluster it adds a fresh"
                        + " city's events to the input topics and removes its applications' internal topics."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafkaOptions;

    @Option(names = "--events", defaultValue = "300000", description = "Events to generate (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--simulated-hours", defaultValue = "24",
            description = "Event-time span the events cover, ending 30 minutes ago (default ${DEFAULT-VALUE}).")
    int simulatedHours;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Runs of each topology, alternating which goes first; the best of each counts, so that"
                    + " neither is measured on a JVM that has not compiled its code yet (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--run-timeout-minutes", defaultValue = "20",
            description = "Longest a single run may take (default ${DEFAULT-VALUE}).")
    int runTimeoutMinutes;

    @Option(names = "--registry-home", description = "An unpacked Apicurio Registry distribution for the embedded"
            + " stack (default: $CIVICPULSE_REGISTRY_HOME, else apicurio-registry/ next to civicpulse.jar).")
    Path registryHome;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("bootstrap.servers", kafkaOptions.bootstrapServers);
        overrides.put("schema.registry.url", kafkaOptions.schemaRegistryUrl);
        Map<String, Object> settings = ClientSettings.load(Map.of(), kafkaOptions.config, System.getenv(), overrides);
        Benchmark.Settings bench = new Benchmark.Settings(events, Duration.ofHours(simulatedHours), rounds,
                Duration.ofMinutes(runTimeoutMinutes));
        if (settings.containsKey("bootstrap.servers")) {
            if (!settings.containsKey("schema.registry.url")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "schema.registry.url is not set:"
                        + " pass --schema-registry-url, set it in --config, or set KAFKA_SCHEMA_REGISTRY_URL");
            }
            out.println("Benchmark on " + settings.get("bootstrap.servers"));
            new Benchmark(settings, out).run(bench);
            return 0;
        }
        out.println("Starting a broker and a schema registry for the benchmark...");
        out.flush();
        try (LocalStack stack = new LocalStack(LocalStack.Settings.ephemeral(RegistryHome.resolve(registryHome)))) {
            stack.start((what, took) -> {
                out.printf(Locale.ROOT, "  ok  %-60s %5.1f s%n", what, took.toMillis() / 1000.0);
                out.flush();
            });
            settings.putAll(stack.clientConfig());
            new Benchmark(settings, out).run(bench);
        }
        return 0;
    }
}
