package io.civicpulse.deploy.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.civicpulse.deploy.topics.SchemaProvisioner;
import io.civicpulse.deploy.topics.TopicProvisioner;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.topics.Topics;

/**
 * The whole Civic Pulse infrastructure on one machine without Docker: a real KRaft broker in this JVM, a real
 * Confluent-API schema registry as a child process, every pipeline topic created and every value schema
 * registered. Used by {@code civicpulse local} and, with ephemeral ports, by the integration tests.
 */
public final class LocalStack implements AutoCloseable {

    /** How the stack is laid out; {@link #ephemeral} picks free ports and a temporary directory. */
    public record Settings(String host, int kafkaPort, int controllerPort, int registryPort, Path dataDir,
                           boolean keepData, Path registryHome, Duration registryStartTimeout) {

        public static Settings ephemeral(Path registryHome) {
            try {
                return new Settings("127.0.0.1", freePort(), freePort(), freePort(),
                        Files.createTempDirectory("civicpulse-stack"), false, registryHome, Duration.ofSeconds(90));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Milestones of start-up, for progress output. */
    public interface Progress {
        void step(String what, Duration took);

        Progress SILENT = (what, took) -> { };
    }

    private final Settings settings;
    private final EmbeddedKafkaBroker broker;
    private final EmbeddedSchemaRegistry registry;
    private final List<TopicProvisioner.Outcome> topicOutcomes = new ArrayList<>();
    private boolean closed;

    public LocalStack(Settings settings) {
        this.settings = settings;
        this.broker = new EmbeddedKafkaBroker(settings.host(), settings.kafkaPort(), settings.controllerPort(),
                settings.dataDir().resolve("kafka"));
        this.registry = new EmbeddedSchemaRegistry(settings.registryHome(), settings.host(), settings.registryPort(),
                settings.dataDir().resolve("registry"), settings.keepData(), settings.registryStartTimeout());
    }

    /**
     * Starts the registry (a child JVM) and the broker side by side, since together they dominate start-up, then
     * provisions topics and schemas.
     */
    public LocalStack start(Progress progress) throws IOException, InterruptedException {
        ensurePortFree(settings.kafkaPort(), "Kafka broker", "--kafka-port");
        ensurePortFree(settings.controllerPort(), "Kafka controller", "--controller-port");
        ensurePortFree(settings.registryPort(), "schema registry", "--registry-port");
        EmbeddedSchemaRegistry.runnerJar(settings.registryHome());
        try {
            long t0 = System.nanoTime();
            Thread registryStarter = new Thread(() -> {
                try {
                    registry.start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "registry-start");
            Throwable[] registryFailure = new Throwable[1];
            registryStarter.setUncaughtExceptionHandler((t, e) -> registryFailure[0] = e);
            registryStarter.start();
            broker.start();
            progress.step("Kafka broker     " + broker.bootstrapServers(), since(t0));
            registryStarter.join();
            if (registryFailure[0] != null) {
                Throwable cause = registryFailure[0] instanceof UncheckedIOException u ? u.getCause() : registryFailure[0];
                throw new IOException("schema registry failed to start: " + cause.getMessage(), cause);
            }
            progress.step("Schema registry  " + registry.url(), since(t0));

            long t1 = System.nanoTime();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
                topicOutcomes.addAll(new TopicProvisioner(admin).provision(Topics.ALL, 1));
            }
            progress.step(Topics.ALL.size() + " topics provisioned", since(t1));

            long t2 = System.nanoTime();
            int subjects = new SchemaProvisioner(SchemaRegistryClient.fromConfigs(registryClientConfig())).provision(Topics.ALL);
            progress.step(subjects + " value schemas registered", since(t2));
            return this;
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public Settings settings() {
        return settings;
    }

    public List<TopicProvisioner.Outcome> topicOutcomes() {
        return List.copyOf(topicOutcomes);
    }

    /** Client settings that reach this stack: what a producer, consumer or Streams app adds to its config. */
    public Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", bootstrapServers(), "schema.registry.url", registryUrl());
    }

    public Map<String, Object> registryClientConfig() {
        return Map.of("schema.registry.url", registryUrl());
    }

    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(clientConfig());
        return p;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Stop the broker first: clients of the pipeline may still be flushing records whose schemas are cached.
        try {
            broker.close();
        } finally {
            registry.close();
            if (!settings.keepData()) {
                deleteRecursively(settings.dataDir());
            }
        }
    }

    private static void ensurePortFree(int port, String what, String option) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new IOException("port " + port + " for the " + what + " is already in use; stop what holds it or"
                    + " choose another with " + option, e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Leaving a temporary directory behind is harmless; failing the shutdown over it is not.
        }
    }
}
