package io.civicpulse.deploy.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apicurio Registry started as a child JVM on loopback, speaking the Confluent schema-registry REST API under
 * {@code /apis/ccompat/v7}. Confluent's own registry is not available from Maven Central; Apicurio is, and its
 * Confluent-compatible API lets the pipeline run against exactly the protocol it uses in production.
 *
 * <p>Guarantees: {@link #start()} returns only once the API answers and the global compatibility is BACKWARD
 * (Apicurio's default is NONE, which would let a breaking schema change through); {@link #close()} leaves no
 * process behind, and a watchdog ends the registry if this JVM dies without running its shutdown hooks.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
    private static final String REGISTRY_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final Path registryHome;
    private final String host;
    private final int port;
    private final Path workDir;
    private final boolean persistent;
    private final Duration startTimeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private Process watchdog;

    /**
     * @param registryHome the unpacked {@code apicurio-registry-app-*-all.tar.gz}
     * @param workDir      where the registry's log (and, when persistent, its H2 database) live
     * @param persistent   keep schemas in a file database under workDir instead of memory, so that records
     *                     written before a restart can still be decoded after it
     */
    public EmbeddedSchemaRegistry(Path registryHome, String host, int port, Path workDir, boolean persistent,
                                  Duration startTimeout) {
        this.registryHome = registryHome;
        this.host = host;
        this.port = port;
        this.workDir = workDir;
        this.persistent = persistent;
        this.startTimeout = startTimeout;
    }

    /** The base URL that Confluent-API clients take as {@code schema.registry.url}. */
    public String url() {
        return "http://" + host + ":" + port + CCOMPAT_PATH;
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return workDir.resolve("registry.log");
    }

    public Optional<Long> pid() {
        return Optional.ofNullable(process).map(Process::pid);
    }

    /** Finds the Apicurio runner jar in an unpacked distribution. */
    public static Path runnerJar(Path registryHome) {
        try (Stream<Path> files = Files.list(registryHome)) {
            return files.filter(f -> f.getFileName().toString().matches("apicurio-registry-app-.*-runner\\.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no apicurio-registry-app-*-runner.jar in "
                            + registryHome + "; build with `mvn package` (it unpacks the registry into "
                            + "deploy/target/apicurio-registry) or pass --registry-home"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Apicurio Registry home " + registryHome
                    + "; build with `mvn package` or pass --registry-home", e);
        }
    }

    public synchronized void start() throws IOException, InterruptedException {
        if (process != null) {
            return;
        }
        Path jar = runnerJar(registryHome);
        Files.createDirectories(workDir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // C1 only and the serial collector: the registry serves a few dozen schema look-ups that clients cache,
        // so start-up time and footprint matter more than peak throughput.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xmx384m");
        command.add("-Dquarkus.http.host=" + host);
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.log.level=WARN");
        command.add("-Dquarkus.log.category.\"io.quarkus.bootstrap.runner.Timing\".level=INFO");
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        if (persistent) {
            builder.environment().put("REGISTRY_DATASOURCE_URL",
                    "jdbc:h2:file:" + workDir.resolve("registry-db").toAbsolutePath());
        }
        process = builder.start();
        watchdog = ParentDeathWatchdog.guard(process.pid());
        try {
            awaitReady();
            setGlobalCompatibility("BACKWARD");
        } catch (IOException | RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        log.info("Schema registry (Apicurio) listening on {}, pid {}", url(), process.pid());
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        URI config = URI.create(url() + "/config");
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("Apicurio Registry exited with code " + process.exitValue()
                        + " before answering on " + url() + "; its log " + logFile() + " ends with:\n" + logTail());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(config)
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // expected while the registry boots
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Apicurio Registry did not answer on " + url() + " within " + startTimeout
                        + "; its log " + logFile() + " ends with:\n" + logTail());
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private void setGlobalCompatibility(String level) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url() + "/config"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", REGISTRY_CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("setting compatibility " + level + " on " + url() + " failed: HTTP "
                    + response.statusCode() + " " + response.body());
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            stop(process);
            log.info("Schema registry on {} stopped", url());
            process = null;
        }
        if (watchdog != null) {
            // Its `sleep` would otherwise outlive it by up to a second.
            watchdog.descendants().forEach(ProcessHandle::destroyForcibly);
            watchdog.destroyForcibly();
            watchdog = null;
        }
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

}
