package io.civicpulse.schemas.serde;

import io.civicpulse.schemas.registry.RegistryClientConfig;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * The one place that names and reads the serde's configuration keys. The keys are exactly Confluent's, so a
 * producer or consumer config written for Confluent's serde carries over unchanged; keys this class does not know
 * are ignored, because Kafka hands a serde its whole client config. Registry client keys are re-exported here
 * from {@link RegistryClientConfig}, which reads them.
 */
public final class AvroSerdeConfig {

    public static final String SCHEMA_REGISTRY_URL = RegistryClientConfig.URL;
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE;
    public static final String BASIC_AUTH_USER_INFO = RegistryClientConfig.BASIC_AUTH_USER_INFO;
    public static final String MAX_SCHEMAS_PER_SUBJECT = RegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT;
    public static final String MAX_RETRIES = RegistryClientConfig.MAX_RETRIES;
    public static final String RETRIES_WAIT_MS = RegistryClientConfig.RETRIES_WAIT_MS;
    public static final String RETRIES_MAX_WAIT_MS = RegistryClientConfig.RETRIES_MAX_WAIT_MS;
    public static final String HTTP_CONNECT_TIMEOUT_MS = RegistryClientConfig.CONNECT_TIMEOUT_MS;
    public static final String HTTP_READ_TIMEOUT_MS = RegistryClientConfig.REQUEST_TIMEOUT_MS;
    public static final String SSL_TRUSTSTORE_LOCATION = RegistryClientConfig.SSL_TRUSTSTORE_LOCATION;
    public static final String SSL_TRUSTSTORE_PASSWORD = RegistryClientConfig.SSL_TRUSTSTORE_PASSWORD;
    public static final String SSL_TRUSTSTORE_TYPE = RegistryClientConfig.SSL_TRUSTSTORE_TYPE;

    /** Register the record's schema under its subject before writing (default true). */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /**
     * Write with the subject's latest registered schema rather than the record's own (default false). Needs
     * {@code auto.register.schemas=false}; the latest schema must be able to read the record's schema.
     */
    public static final String USE_LATEST_VERSION = "use.latest.version";
    /** Deserialize into the generated SpecificRecord class named like the writer's schema (default false). */
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    /** Subject name strategy for keys: {@code topic} (default), {@code record}, {@code topic-record} or Confluent's class name. */
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    /** Subject name strategy for values: {@code topic} (default), {@code record}, {@code topic-record} or Confluent's class name. */
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";

    static final int DEFAULT_CACHE_CAPACITY = 1000;

    private final boolean autoRegisterSchemas;
    private final boolean useLatestVersion;
    private final boolean specificAvroReader;
    private final SubjectNameStrategy keySubjectNameStrategy;
    private final SubjectNameStrategy valueSubjectNameStrategy;
    private final int cacheCapacity;

    private AvroSerdeConfig(boolean autoRegisterSchemas, boolean useLatestVersion, boolean specificAvroReader,
            SubjectNameStrategy keySubjectNameStrategy, SubjectNameStrategy valueSubjectNameStrategy,
            int cacheCapacity) {
        this.autoRegisterSchemas = autoRegisterSchemas;
        this.useLatestVersion = useLatestVersion;
        this.specificAvroReader = specificAvroReader;
        this.keySubjectNameStrategy = keySubjectNameStrategy;
        this.valueSubjectNameStrategy = valueSubjectNameStrategy;
        this.cacheCapacity = cacheCapacity;
    }

    /** The settings used when a serde built around a ready client is never configured. */
    public static AvroSerdeConfig defaults() {
        return parse(Map.of());
    }

    /**
     * Reads and validates the serde keys; throws {@link ConfigException} naming the key for a bad value. Registry
     * client keys are not read here: they are only needed when the serde builds its own client.
     */
    public static AvroSerdeConfig parse(Map<String, ?> configs) {
        boolean autoRegister = bool(configs, AUTO_REGISTER_SCHEMAS, true);
        boolean useLatest = bool(configs, USE_LATEST_VERSION, false);
        if (useLatest && autoRegister) {
            // Confluent silently ignores use.latest.version in this case; failing here saves someone an afternoon
            // of wondering why the producer keeps registering new versions.
            throw new ConfigException(USE_LATEST_VERSION, true,
                    "needs " + AUTO_REGISTER_SCHEMAS + "=false (it is true, the default)");
        }
        return new AvroSerdeConfig(autoRegister, useLatest, bool(configs, SPECIFIC_AVRO_READER, false),
                SubjectNameStrategy.fromConfig(KEY_SUBJECT_NAME_STRATEGY, configs.get(KEY_SUBJECT_NAME_STRATEGY)),
                SubjectNameStrategy.fromConfig(VALUE_SUBJECT_NAME_STRATEGY, configs.get(VALUE_SUBJECT_NAME_STRATEGY)),
                positiveInt(configs, MAX_SCHEMAS_PER_SUBJECT, DEFAULT_CACHE_CAPACITY));
    }

    public boolean autoRegisterSchemas() {
        return autoRegisterSchemas;
    }

    public boolean useLatestVersion() {
        return useLatestVersion;
    }

    public boolean specificAvroReader() {
        return specificAvroReader;
    }

    public SubjectNameStrategy keySubjectNameStrategy() {
        return keySubjectNameStrategy;
    }

    public SubjectNameStrategy valueSubjectNameStrategy() {
        return valueSubjectNameStrategy;
    }

    public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
        return isKey ? keySubjectNameStrategy : valueSubjectNameStrategy;
    }

    /** Bound of the serde's own caches (writers, readers, latest versions); {@value #MAX_SCHEMAS_PER_SUBJECT}. */
    public int cacheCapacity() {
        return cacheCapacity;
    }

    private static int positiveInt(Map<String, ?> configs, String key, int defaultValue) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "must be an integer");
        }
        if (parsed < 1) {
            throw new ConfigException(key, value, "must be at least 1");
        }
        return parsed;
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean defaultValue) {
        Object value = configs.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new ConfigException(key, value, "must be true or false");
    }
}
