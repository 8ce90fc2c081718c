package io.civicpulse.deploy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kafka, serde and Civic Pulse settings for every command, from one place and in one order of precedence:
 * built-in defaults, then a properties file ({@code --config}), then environment variables, then command-line
 * options. {@code KAFKA_BOOTSTRAP_SERVERS=...} becomes {@code bootstrap.servers}, {@code KAFKA_SCHEMA_REGISTRY_URL}
 * becomes {@code schema.registry.url}; {@code CIVICPULSE_X_Y} becomes {@code civicpulse.x.y}. The same
 * containers and scripts that configure Kafka's own tools configure Civic Pulse.
 */
public final class ClientSettings {

    /** Variables of Kafka's launcher scripts, which are not client settings. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("KAFKA_HOME", "KAFKA_OPTS", "KAFKA_HEAP_OPTS",
            "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_JMX_OPTS", "KAFKA_DEBUG", "KAFKA_GC_LOG_OPTS",
            "KAFKA_LOG_DIR", "KAFKA_VERSION");

    private ClientSettings() {
    }

    public static Map<String, Object> load(Map<String, ?> defaults, Path propertiesFile, Map<String, String> environment,
                                           Map<String, ?> overrides) throws IOException {
        Map<String, Object> settings = new TreeMap<>(defaults);
        if (propertiesFile != null) {
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(propertiesFile)) {
                file.load(in);
            }
            file.stringPropertyNames().forEach(name -> settings.put(name, file.getProperty(name).trim()));
        }
        settings.putAll(fromEnvironment(environment));
        overrides.forEach((key, value) -> {
            if (value != null) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> settings = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && !LAUNCHER_VARIABLES.contains(name)) {
                settings.put(toKey(name.substring("KAFKA_".length())), value);
            } else if (name.startsWith("CIVICPULSE_")) {
                settings.put("civicpulse." + toKey(name.substring("CIVICPULSE_".length())), value);
            }
        });
        return settings;
    }

    private static String toKey(String variable) {
        return variable.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The client and serde entries only: what producers, consumers and serdes are configured with. */
    public static Map<String, Object> clientOnly(Map<String, Object> settings) {
        Map<String, Object> client = new TreeMap<>(settings);
        client.keySet().removeIf(key -> key.startsWith("civicpulse."));
        return client;
    }
}
