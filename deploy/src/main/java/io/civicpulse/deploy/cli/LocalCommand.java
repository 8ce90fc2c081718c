package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.civicpulse.deploy.local.LocalPipeline;
import io.civicpulse.deploy.local.LocalStack;
import io.civicpulse.schemas.topics.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse local}: the whole pipeline on this machine, with no Docker and nothing to install but Java.
 * Runs until SIGINT or SIGTERM, then stops every part it started.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"Starts a real Kafka broker (KRaft, in this JVM) and a Confluent-API schema registry"
                + " (Apicurio, as a child process) on 127.0.0.1, creates every topic and registers every schema.",
                "Stops cleanly on Ctrl+C or SIGTERM."})
final class LocalCommand implements Callable<Integer> {

    static final String READY_MARKER = "Civic Pulse is up";

    @Spec
    CommandSpec spec;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka listener port (default ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--controller-port", defaultValue = "9093",
            description = "KRaft controller port (default ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--registry-port", defaultValue = "8081",
            description = "Schema registry port (default ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--data-dir", description = "Keep broker data and schemas here across restarts"
            + " (default: a temporary directory deleted on stop).")
    Path dataDir;

    @Option(names = "--registry-home", description = "An unpacked Apicurio Registry distribution"
            + " (default: $CIVICPULSE_REGISTRY_HOME, else apicurio-registry/ next to civicpulse.jar).")
    Path registryHome;

    @Option(names = "--stack-only", description = "Start only the broker and the registry, without the simulated"
            + " city, the intake and the indicator engine.")
    boolean stackOnly;

    @Option(names = "--city", defaultValue = "sofia", description = "The simulated city: sofia or granada (default ${DEFAULT-VALUE}).")
    String city;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulation (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "full", description = "Simulated network: full (Sofia's scale),"
            + " small (a tenth) or a number of routes (default ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--speed", defaultValue = "1", description = "Simulated seconds per real second (default ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--simulator-port", defaultValue = "8090", description = "Simulated city's feeds (default ${DEFAULT-VALUE}).")
    int simulatorPort;

    @Option(names = "--intake-port", defaultValue = "8088", description = "The intake's port (default ${DEFAULT-VALUE}).")
    int intakePort;

    @Option(names = "--http-port", defaultValue = "8070",
            description = "The dashboard and query API's port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--status-every", defaultValue = "5", paramLabel = "SECONDS",
            description = "Seconds between status lines (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path home = RegistryHome.resolve(registryHome);
        boolean keep = dataDir != null;
        // Not under /tmp even when temporary: systems clean /tmp under running processes, and Kafka Streams
        // refuses to trust a state directory there.
        Path scratch = Path.of(System.getProperty("user.home"), ".civicpulse", "local");
        Path dir = keep ? dataDir.toAbsolutePath() : Files.createTempDirectory(Files.createDirectories(scratch), "run-");
        LocalStack.Settings settings = new LocalStack.Settings("127.0.0.1", kafkaPort, controllerPort, registryPort,
                dir, keep, home, Duration.ofSeconds(90));

        out.println("Starting Civic Pulse locally...");
        out.flush();
        long t0 = System.nanoTime();
        LocalStack stack = new LocalStack(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        LocalPipeline[] pipeline = new LocalPipeline[1];
        Thread hook = new Thread(() -> {
            out.println("Stopping Civic Pulse...");
            out.flush();
            if (pipeline[0] != null) {
                pipeline[0].close();
            }
            stack.close();
            out.println("Stopped.");
            out.flush();
            stopped.countDown();
        }, "civicpulse-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LocalStack.Progress progress = (what, took) -> {
            out.printf(Locale.ROOT, "  ok  %-66s %5.1f s%n", what, took.toMillis() / 1000.0);
            out.flush();
        };
        try {
            stack.start(progress);
            if (!stackOnly) {
                pipeline[0] = LocalPipeline.start(stack, new LocalPipeline.Options(city, seed, size, speed,
                        simulatorPort, intakePort, true, dir.resolve("streams"), httpPort), progress);
            }
        } catch (Exception e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            if (pipeline[0] != null) {
                pipeline[0].close();
            }
            stack.close();
            if (e instanceof java.net.BindException || e.getCause() instanceof java.net.BindException) {
                // A port in use is the operator's to fix, and the message says how: no stack trace for it.
                spec.commandLine().getErr().println("Cannot start: " + e.getMessage());
                return 1;
            }
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        out.printf(Locale.ROOT, "%s in %.1f s%n", READY_MARKER, took.toMillis() / 1000.0);
        if (pipeline[0] != null) {
            out.printf("  dashboard           = %s  (query API under /api/v1/, docs/api.md)%n",
                    pipeline[0].dashboardUrl());
        }
        out.printf("  bootstrap.servers   = %s%n", stack.bootstrapServers());
        out.printf("  schema.registry.url = %s%n", stack.registryUrl());
        if (pipeline[0] != null) {
            LocalPipeline p = pipeline[0];
            out.printf("  city feeds          = %s%n", p.simulator().baseUri());
            out.printf("  intake              = %s/v1/events  (API key %s)%n", p.intakeUrl(), p.apiKey());
            out.printf("  indicators          = topic %s (latest per key: %s)%n", Topics.INDICATORS.name(),
                    Topics.INDICATORS_LATEST.name());
        }
        out.printf("  data                = %s%s%n", dir, keep ? "" : " (deleted on stop; keep it with --data-dir)");
        out.printf("Stop with Ctrl+C, or: kill %d%n", ProcessHandle.current().pid());
        out.flush();
        if (pipeline[0] == null) {
            stopped.await();
        } else {
            LocalPipeline p = pipeline[0];
            List<String> shownIndicators = new ArrayList<>();
            StatusLine.every(Duration.ofSeconds(statusSeconds), out, () -> {
                List<String> lines = new ArrayList<>();
                lines.add(p.status());
                // Indicator values are repeated only when one of them changed, so changes stand out.
                List<String> indicators = p.indicatorLines();
                if (!indicators.equals(shownIndicators)) {
                    lines.addAll(indicators);
                    shownIndicators.clear();
                    shownIndicators.addAll(indicators);
                }
                return String.join(System.lineSeparator(), lines);
            }, stopped);
        }
        return 0;
    }
}
