package io.civicpulse.deploy.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options every command that talks to Kafka and the registry shares, and how they combine with the rest. */
final class KafkaOptions {

    @Option(names = "--config", description = "Properties file with Kafka, serde and civicpulse.* settings.")
    Path config;

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers (else --config or KAFKA_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", description = "Schema registry URL(s) (else --config or KAFKA_SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    /** Every setting, in order of precedence; fails as a usage error when Kafka or the registry is not named. */
    Map<String, Object> settings(CommandSpec spec) throws IOException {
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("bootstrap.servers", bootstrapServers);
        overrides.put("schema.registry.url", schemaRegistryUrl);
        Map<String, Object> settings = ClientSettings.load(Map.of(), config, System.getenv(), overrides);
        for (String required : new String[] {"bootstrap.servers", "schema.registry.url"}) {
            if (!settings.containsKey(required)) {
                throw new ParameterException(spec.commandLine(), required + " is not set: pass --"
                        + required.replace('.', '-') + ", set it in --config, or set KAFKA_"
                        + required.toUpperCase(Locale.ROOT).replace('.', '_'));
            }
        }
        return settings;
    }
}
