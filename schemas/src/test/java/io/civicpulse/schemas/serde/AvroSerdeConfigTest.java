package io.civicpulse.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

    @Test
    void keysAreExactlyConfluentsSoExistingConfigsCarryOver() {
        assertThat(AvroSerdeConfig.SCHEMA_REGISTRY_URL).isEqualTo("schema.registry.url");
        assertThat(AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE).isEqualTo("basic.auth.credentials.source");
        assertThat(AvroSerdeConfig.BASIC_AUTH_USER_INFO).isEqualTo("basic.auth.user.info");
        assertThat(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS).isEqualTo("auto.register.schemas");
        assertThat(AvroSerdeConfig.USE_LATEST_VERSION).isEqualTo("use.latest.version");
        assertThat(AvroSerdeConfig.SPECIFIC_AVRO_READER).isEqualTo("specific.avro.reader");
        assertThat(AvroSerdeConfig.KEY_SUBJECT_NAME_STRATEGY).isEqualTo("key.subject.name.strategy");
        assertThat(AvroSerdeConfig.VALUE_SUBJECT_NAME_STRATEGY).isEqualTo("value.subject.name.strategy");
        assertThat(AvroSerdeConfig.MAX_SCHEMAS_PER_SUBJECT).isEqualTo("max.schemas.per.subject");
    }

    @Test
    void defaultsRegisterWithTopicSubjectsAndReadGeneric() {
        AvroSerdeConfig config = AvroSerdeConfig.parse(Map.of());

        assertThat(config.autoRegisterSchemas()).isTrue();
        assertThat(config.useLatestVersion()).isFalse();
        assertThat(config.specificAvroReader()).isFalse();
        assertThat(config.keySubjectNameStrategy()).isEqualTo(SubjectNameStrategy.TOPIC);
        assertThat(config.valueSubjectNameStrategy()).isEqualTo(SubjectNameStrategy.TOPIC);
        assertThat(config.cacheCapacity()).isEqualTo(1000);
    }

    @Test
    void readsAConfluentStyleConsumerConfig() {
        AvroSerdeConfig config = AvroSerdeConfig.parse(Map.of(
                "bootstrap.servers", "kafka:9092",
                "schema.registry.url", "http://registry:8081",
                "specific.avro.reader", "true",
                "auto.register.schemas", "false",
                "use.latest.version", "true",
                "key.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy",
                "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy",
                "max.schemas.per.subject", "20"));

        assertThat(config.specificAvroReader()).isTrue();
        assertThat(config.autoRegisterSchemas()).isFalse();
        assertThat(config.useLatestVersion()).isTrue();
        assertThat(config.subjectNameStrategy(true)).isEqualTo(SubjectNameStrategy.RECORD);
        assertThat(config.subjectNameStrategy(false)).isEqualTo(SubjectNameStrategy.TOPIC_RECORD);
        assertThat(config.cacheCapacity()).isEqualTo(20);
    }

    @Test
    void acceptsBooleanObjects() {
        assertThat(AvroSerdeConfig.parse(Map.of("specific.avro.reader", Boolean.TRUE)).specificAvroReader()).isTrue();
    }

    @Test
    void refusesABooleanThatIsNeitherTrueNorFalse() {
        assertThatThrownBy(() -> AvroSerdeConfig.parse(Map.of("auto.register.schemas", "yes")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("auto.register.schemas");
    }

    @Test
    void useLatestVersionNeedsAutoRegisterOff() {
        assertThatThrownBy(() -> AvroSerdeConfig.parse(Map.of("use.latest.version", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("use.latest.version")
                .hasMessageContaining("auto.register.schemas=false");
    }

    @Test
    void refusesACacheSizeBelowOne() {
        assertThatThrownBy(() -> AvroSerdeConfig.parse(Map.of("max.schemas.per.subject", 0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("max.schemas.per.subject");
    }
}
