package io.civicpulse.schemas.serde;

import static io.civicpulse.schemas.serde.Fixtures.READING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubjectNameStrategyTest {

    @Test
    void topicStrategyNamesTheTopicValueSubject() {
        assertThat(SubjectNameStrategy.TOPIC.subject("readings", false, READING)).isEqualTo("readings-value");
    }

    @Test
    void topicStrategyNamesTheTopicKeySubject() {
        assertThat(SubjectNameStrategy.TOPIC.subject("readings", true, READING)).isEqualTo("readings-key");
    }

    @Test
    void recordStrategyNamesTheRecordFullNameForKeysAndValues() {
        assertThat(SubjectNameStrategy.RECORD.subject("readings", false, READING)).isEqualTo("test.civicpulse.Reading");
        assertThat(SubjectNameStrategy.RECORD.subject("readings", true, READING)).isEqualTo("test.civicpulse.Reading");
    }

    @Test
    void topicRecordStrategyNamesTopicAndRecordFullName() {
        assertThat(SubjectNameStrategy.TOPIC_RECORD.subject("readings", false, READING))
                .isEqualTo("readings-test.civicpulse.Reading");
    }

    @Test
    void recordStrategyRefusesAnUnnamedType() {
        assertThatThrownBy(() -> SubjectNameStrategy.RECORD.subject("readings", false,
                Schema.create(Schema.Type.STRING)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("needs a named Avro type");
    }

    @ParameterizedTest
    @CsvSource({
        "topic, TOPIC",
        "record, RECORD",
        "topic-record, TOPIC_RECORD",
        "io.confluent.kafka.serializers.subject.TopicNameStrategy, TOPIC",
        "io.confluent.kafka.serializers.subject.RecordNameStrategy, RECORD",
        "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy, TOPIC_RECORD",
    })
    void acceptsOurShortNamesAndConfluentClassNames(String configured, SubjectNameStrategy expected) {
        assertThat(SubjectNameStrategy.fromConfig("value.subject.name.strategy", configured)).isEqualTo(expected);
    }

    @Test
    void absentStrategyMeansTopic() {
        assertThat(SubjectNameStrategy.fromConfig("value.subject.name.strategy", null))
                .isEqualTo(SubjectNameStrategy.TOPIC);
    }

    @Test
    void unknownStrategyIsAConfigErrorListingTheChoices() {
        assertThatThrownBy(() -> SubjectNameStrategy.fromConfig("value.subject.name.strategy",
                "com.example.MyStrategy"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("value.subject.name.strategy")
                .hasMessageContaining("com.example.MyStrategy")
                .hasMessageContaining("topic-record");
    }
}
