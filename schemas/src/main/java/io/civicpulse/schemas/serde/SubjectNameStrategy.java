package io.civicpulse.schemas.serde;

import java.util.Arrays;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * How a topic and a record's schema map to the registry subject whose compatibility rule governs the record.
 * The names and behaviour match Confluent's strategies, whose class names are accepted in configs so that existing
 * configurations carry over.
 */
public enum SubjectNameStrategy {

    /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic (the default). */
    TOPIC("topic", "io.confluent.kafka.serializers.subject.TopicNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return requireTopic(topic) + (isKey ? "-key" : "-value");
        }
    },

    /** {@code <record full name>}: one lineage per record type, whatever topic carries it. */
    RECORD("record", "io.confluent.kafka.serializers.subject.RecordNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return fullName(this, schema);
        }
    },

    /** {@code <topic>-<record full name>}: one lineage per record type per topic, for topics of several types. */
    TOPIC_RECORD("topic-record", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy") {
        @Override
        public String subject(String topic, boolean isKey, Schema schema) {
            return requireTopic(topic) + "-" + fullName(this, schema);
        }
    };

    private final String shortName;
    private final String confluentClassName;

    SubjectNameStrategy(String shortName, String confluentClassName) {
        this.shortName = shortName;
        this.confluentClassName = confluentClassName;
    }

    /** The subject for a record with this schema on this topic, as key or value. */
    public abstract String subject(String topic, boolean isKey, Schema schema);

    /** The name used in our configs: {@code topic}, {@code record} or {@code topic-record}. */
    public String shortName() {
        return shortName;
    }

    /** The Confluent class name that selects the same strategy. */
    public String confluentClassName() {
        return confluentClassName;
    }

    /**
     * The strategy a config value names: one of our short names, a Confluent class name, or a strategy itself;
     * null means {@link #TOPIC}.
     */
    public static SubjectNameStrategy fromConfig(String key, Object value) {
        if (value == null) {
            return TOPIC;
        }
        if (value instanceof SubjectNameStrategy strategy) {
            return strategy;
        }
        String name = value instanceof Class<?> c ? c.getName() : value.toString().trim();
        for (SubjectNameStrategy strategy : values()) {
            if (strategy.shortName.equalsIgnoreCase(name) || strategy.confluentClassName.equals(name)
                    || strategy.name().equalsIgnoreCase(name)) {
                return strategy;
            }
        }
        throw new ConfigException(key, value, "unknown subject name strategy; expected one of "
                + Arrays.stream(values()).map(s -> s.shortName + " / " + s.confluentClassName).toList());
    }

    private static String requireTopic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new SerializationException("a topic name is needed to derive the subject, but none was given");
        }
        return topic;
    }

    private static String fullName(SubjectNameStrategy strategy, Schema schema) {
        switch (schema.getType()) {
            case RECORD, ENUM, FIXED:
                return schema.getFullName();
            default:
                throw new SerializationException("subject name strategy " + strategy.shortName
                        + " needs a named Avro type (record, enum, fixed), not " + schema.getType()
                        .toString().toLowerCase(Locale.ROOT));
        }
    }
}
