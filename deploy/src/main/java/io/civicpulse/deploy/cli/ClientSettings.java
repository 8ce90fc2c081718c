package io.civicpulse.deploy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import io.civicpulse.streams.config.StreamsSettings;

/**
 * Kafka, serde and Civic Pulse settings for every command, from one place and in one order of precedence:
 * built-in defaults, then a properties file ({@code --config}), then environment variables, then command-line
 * options. {@code KAFKA_BOOTSTRAP_SERVERS=...} becomes {@code bootstrap.servers}, {@code KAFKA_SCHEMA_REGISTRY_URL}
 * becomes {@code schema.registry.url}; {@code CIVICPULSE_X_Y} becomes {@code civicpulse.x.y}. The same
 * containers and scripts that configure Kafka's own tools configure Civic Pulse.
 */
public final class ClientSettings {

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

    /** The same convention as the engine's own settings, from the one place that defines it. */
    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        return StreamsSettings.fromEnvironment(environment);
    }

    /** The client and serde entries only: what producers, consumers and serdes are configured with. */
    public static Map<String, Object> clientOnly(Map<String, Object> settings) {
        Map<String, Object> client = new TreeMap<>(settings);
        client.keySet().removeIf(key -> key.startsWith("civicpulse."));
        return client;
    }
}
