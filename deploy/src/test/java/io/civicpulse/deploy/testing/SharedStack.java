package io.civicpulse.deploy.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

import io.civicpulse.deploy.local.LocalStack;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.topics.Topics;

/**
 * The real broker and registry every integration test runs against, started once per JVM: starting them is the
 * dominant cost of the suite. Where a Docker engine answers, the standard images run on Testcontainers;
 * otherwise (as on the project's CI machines) the same embedded stack as {@code civicpulse local}.
 * {@code -Dcivicpulse.test.stack=embedded|containers} forces one.
 */
public final class SharedStack {

    private static final Logger log = LoggerFactory.getLogger(SharedStack.class);

    /** What the tests need of a stack, whichever way it runs. */
    public interface Stack {
        String bootstrapServers();

        String registryUrl();

        String description();
    }

    private static Stack instance;

    private SharedStack() {
    }

    public static synchronized Stack get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    /** Settings for producers, consumers, admin clients and serdes against the shared stack. */
    public static Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", get().bootstrapServers());
        config.put("schema.registry.url", get().registryUrl());
        return config;
    }

    /**
     * A consumer of {@code civicpulse.indicators.v1} from its start, reading committed values only (what a dashboard
     * sees under exactly-once), in a group of its own.
     */
    public static KafkaConsumer<String, IndicatorValue> indicatorsConsumer(String groupPrefix) {
        Map<String, Object> config = clientConfig();
        config.put("group.id", groupPrefix + "-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        config.put("isolation.level", "read_committed");
        KafkaConsumer<String, IndicatorValue> consumer = new KafkaConsumer<>(config,
                Topics.INDICATORS.keySerde().deserializer(), Topics.INDICATORS.valueSerde(config).deserializer());
        consumer.subscribe(List.of(Topics.INDICATORS.name()));
        return consumer;
    }

    /**
     * For a failure message: the late-event dead letters of one city on the shared broker, summed up per indicator
     * (event times, the stream time they met) and per source partition.
     */
    public static String lateEventsOf(String city) {
        Map<String, Object> config = clientConfig();
        config.put("isolation.level", "read_committed");
        Map<String, int[]> perIndicator = new TreeMap<>();
        Map<String, int[]> perSource = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(config,
                Topics.DEAD_LETTERS.keySerde().deserializer(), Topics.DEAD_LETTERS.valueSerde(config).deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEAD_LETTERS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, DeadLetter> r : consumer.poll(Duration.ofMillis(200))) {
                    DeadLetter letter = r.value();
                    if (letter == null || !city.equals(letter.getCity())
                            || !letter.getReason().startsWith("event.late")) {
                        continue;
                    }
                    perIndicator.computeIfAbsent(letter.getHeaders().get("indicatorId"), k -> new int[1])[0]++;
                    perSource.computeIfAbsent(letter.getSourceTopic() + "#" + letter.getSourcePartition(),
                            k -> new int[1])[0]++;
                    if (examples.size() < 5) {
                        examples.add(letter.getMessage() + " (written " + letter.getOccurredAt() + ")");
                    }
                }
            }
        }
        StringBuilder summary = new StringBuilder("late events of " + city + ": per indicator "
                + perIndicator.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()[0]).toList()
                + ", per source partition "
                + perSource.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()[0]).toList());
        examples.forEach(example -> summary.append("\n  ").append(example));
        return summary.toString();
    }

    public static Properties clientProperties() {
        Properties properties = new Properties();
        properties.putAll(clientConfig());
        return properties;
    }

    private static Stack start() {
        String choice = System.getProperty("civicpulse.test.stack", "auto");
        boolean containers = switch (choice) {
            case "containers" -> true;
            case "embedded" -> false;
            default -> dockerAvailable();
        };
        long t0 = System.nanoTime();
        Stack stack = containers ? ContainerStack.start() : embedded();
        log.info("integration stack: {} ready in {} ms", stack.description(), (System.nanoTime() - t0) / 1_000_000);
        return stack;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static Stack embedded() {
        LocalStack local = new LocalStack(LocalStack.Settings.ephemeral(registryHome()));
        try {
            local.start(LocalStack.Progress.SILENT);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded stack: " + e.getMessage(), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(local::close, "shared-stack-stop"));
        return new Stack() {
            @Override
            public String bootstrapServers() {
                return local.bootstrapServers();
            }

            @Override
            public String registryUrl() {
                return local.registryUrl();
            }

            @Override
            public String description() {
                return "embedded KRaft broker " + local.bootstrapServers() + " + Apicurio " + local.registryUrl();
            }
        };
    }

    /** Where the build unpacked Apicurio; failsafe passes it, the fallback serves runs from an IDE. */
    public static Path registryHome() {
        return Path.of(System.getProperty("civicpulse.registry.home", "target/apicurio-registry"));
    }
}
