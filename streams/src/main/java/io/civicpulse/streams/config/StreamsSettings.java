package io.civicpulse.streams.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

import io.civicpulse.streams.validation.DeadLetterHandlers;

/**
 * The engine's complete configuration, from three layers, the later winning: the defaults here (one place,
 * {@code putIfAbsent}), a properties file, and environment variables. {@code KAFKA_*} variables become Kafka and
 * serde keys and {@code CIVICPULSE_*} variables become {@code civicpulse.*} keys: the rest of the name is lower-cased,
 * {@code _} becomes {@code .} and {@code __} becomes {@code -} ({@code KAFKA_BOOTSTRAP_SERVERS} is
 * {@code bootstrap.servers}, {@code KAFKA_SCHEMA_REGISTRY_URL} is {@code schema.registry.url},
 * {@code CIVICPULSE_ZONE_LA__AQUILA} is {@code civicpulse.zone.la-aquila}).
 */
public final class StreamsSettings {

    public static final String DEFAULT_APPLICATION_ID = "civicpulse-indicators";

    private StreamsSettings() {
    }

    /** Defaults, then the file (when given), then the environment. */
    public static Map<String, Object> load(Path propertiesFile, Map<String, String> environment) throws IOException {
        Map<String, Object> settings = new LinkedHashMap<>();
        if (propertiesFile != null) {
            Properties file = new Properties();
            try (Reader reader = Files.newBufferedReader(propertiesFile)) {
                file.load(reader);
            }
            file.stringPropertyNames().forEach(name -> settings.put(name, file.getProperty(name).trim()));
        }
        settings.putAll(fromEnvironment(environment));
        return withDefaults(settings);
    }

    /** How often the engine commits (and results become visible under read_committed), unless set otherwise. */
    public static final long COMMIT_INTERVAL_MS = 500;

    /** Bytes per partition per fetch of the engine's main consumer, unless set otherwise. */
    public static final int MAIN_CONSUMER_FETCH_BYTES = 64 * 1024;

    /** Adds every default that {@code settings} does not set. */
    public static Map<String, Object> withDefaults(Map<String, Object> settings) {
        Map<String, Object> merged = new LinkedHashMap<>(settings);
        merged.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID);
        // Exactly once: an indicator must not count an event twice after a crash, nor lose one.
        merged.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        merged.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0");
        // A transaction per half second, not Kafka's ten per second under exactly-once: live values go out at most
        // once a second per key (civicpulse.live.interval), so more frequent commits only add transaction overhead
        // (a fifth of the engine's time in the benchmark) while results still reach dashboards within about 1.5 s.
        merged.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, String.valueOf(COMMIT_INTERVAL_MS));
        // Not under /tmp (Kafka's default), which the OS may clean while the state is still in use.
        merged.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG,
                Path.of(System.getProperty("user.home"), ".civicpulse", "streams-state").toString());
        merged.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterHandlers.Deserialization.class.getName());
        merged.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterHandlers.Processing.class.getName());
        merged.putIfAbsent(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterHandlers.Production.class.getName());
        // Kafka 5.0's default, and silences Kafka 4.x's start-up warning. The one global table (stops) is kept as
        // bytes, so nothing there can fail to decode or process.
        merged.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // Refuses to start a topology with an unnamed store or internal topic, which an upgrade could rename.
        merged.putIfAbsent(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        merged.putIfAbsent("specific.avro.reader", "true");
        // Small per-partition fetches keep a catch-up's partitions in step. With Kafka's 1 MiB, one poll fills the
        // one stream thread with a single partition's backlog (thousands of records), so one input partition runs
        // hours of event time ahead before the others deliver anything, and a city's clock (the slowest source
        // that has reported) passes events those others have not sent yet: in the benchmark's day-long catch-up,
        // one event in nine came out late. At 64 KiB (some 400 records) every partition reports within a poll or
        // two. Left alone when any max.partition.fetch.bytes is set.
        String fetchBytes = ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG;
        if (!merged.containsKey(fetchBytes) && !merged.containsKey(StreamsConfig.consumerPrefix(fetchBytes))
                && !merged.containsKey(StreamsConfig.mainConsumerPrefix(fetchBytes))) {
            merged.put(StreamsConfig.mainConsumerPrefix(fetchBytes), String.valueOf(MAIN_CONSUMER_FETCH_BYTES));
        }
        EngineConfig.defaults().forEach(merged::putIfAbsent);
        return merged;
    }

    /** The settings that {@code KAFKA_*} and {@code CIVICPULSE_*} variables carry. */
    /** Variables of Kafka's launcher scripts, which are not client settings. */
    private static final java.util.Set<String> LAUNCHER_VARIABLES = java.util.Set.of("KAFKA_HOME", "KAFKA_OPTS",
            "KAFKA_HEAP_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "KAFKA_DEBUG",
            "KAFKA_GC_LOG_OPTS", "KAFKA_LOG_DIR", "KAFKA_VERSION");

    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> settings = new LinkedHashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > "KAFKA_".length()
                    && !LAUNCHER_VARIABLES.contains(name)) {
                settings.put(key(name.substring("KAFKA_".length())), value);
            } else if (name.startsWith("CIVICPULSE_") && name.length() > "CIVICPULSE_".length()) {
                settings.put("civicpulse." + key(name.substring("CIVICPULSE_".length())), value);
            }
        });
        return settings;
    }

    private static String key(String variable) {
        return variable.toLowerCase(Locale.ROOT).replace("__", "\u0000").replace('_', '.').replace('\u0000', '-');
    }

    public static Properties asProperties(Map<String, Object> settings) {
        Properties properties = new Properties();
        properties.putAll(settings);
        return properties;
    }
}
