package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.civicpulse.deploy.local.LocalStack;
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

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path home = resolveRegistryHome();
        boolean keep = dataDir != null;
        Path dir = keep ? dataDir.toAbsolutePath() : Files.createTempDirectory("civicpulse-local");
        LocalStack.Settings settings = new LocalStack.Settings("127.0.0.1", kafkaPort, controllerPort, registryPort,
                dir, keep, home, Duration.ofSeconds(90));

        out.println("Starting Civic Pulse locally...");
        out.flush();
        long t0 = System.nanoTime();
        LocalStack stack = new LocalStack(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println("Stopping Civic Pulse...");
            out.flush();
            stack.close();
            out.println("Stopped.");
            out.flush();
            stopped.countDown();
        }, "civicpulse-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stack.start((what, took) -> {
                out.printf(Locale.ROOT, "  ok  %-58s %5.1f s%n", what, took.toMillis() / 1000.0);
                out.flush();
            });
        } catch (Exception e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            stack.close();
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        out.printf(Locale.ROOT, "%s in %.1f s%n", READY_MARKER, took.toMillis() / 1000.0);
        out.printf("  bootstrap.servers   = %s%n", stack.bootstrapServers());
        out.printf("  schema.registry.url = %s%n", stack.registryUrl());
        out.printf("  data                = %s%s%n", dir, keep ? "" : " (deleted on stop; keep it with --data-dir)");
        out.printf("Stop with Ctrl+C, or: kill %d%n", ProcessHandle.current().pid());
        out.flush();
        stopped.await();
        return 0;
    }

    private Path resolveRegistryHome() {
        if (registryHome != null) {
            return registryHome;
        }
        String fromEnv = System.getenv("CIVICPULSE_REGISTRY_HOME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        String fromProperty = System.getProperty("civicpulse.registry.home");
        if (fromProperty != null) {
            return Path.of(fromProperty);
        }
        return jarDirectory().map(d -> d.resolve("apicurio-registry"))
                .filter(Files::isDirectory)
                .orElse(Path.of("deploy", "target", "apicurio-registry"));
    }

    private static Optional<Path> jarDirectory() {
        try {
            Path location = Path.of(LocalCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Optional.ofNullable(Files.isRegularFile(location) ? location.getParent() : null);
        } catch (URISyntaxException | SecurityException e) {
            return Optional.empty();
        }
    }
}
