package io.civicpulse.streams.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.config.StreamsSettings;

/** The engine's configured production handler: what happens when Kafka refuses a record the engine wrote. */
class ProductionHandlerTest {

    private static ProductionExceptionHandler configuredHandler() throws Exception {
        Map<String, Object> settings = StreamsSettings.withDefaults(Map.of());
        Object name = settings.getOrDefault(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DefaultProductionExceptionHandler.class.getName());
        ProductionExceptionHandler handler = Utils.newInstance(name.toString(), ProductionExceptionHandler.class);
        handler.configure(settings);
        return handler;
    }

    /** The input record that led to the refused output. */
    private static final ErrorHandlerContext CONTEXT = new ErrorHandlerContext() {
        @Override public String topic() { return Topics.PAYMENTS.name(); }
        @Override public int partition() { return 0; }
        @Override public long offset() { return 42; }
        @Override public Headers headers() { return new RecordHeaders(); }
        @Override public String processorNodeId() { return "validate"; }
        @Override public TaskId taskId() { return new TaskId(0, 0); }
        @Override public long timestamp() { return 0; }
        @Override public byte[] sourceRawKey() { return new byte[] {1}; }
        @Override public byte[] sourceRawValue() { return new byte[] {2}; }
    };

    private static ProducerRecord<byte[], byte[]> record(String topic) {
        return new ProducerRecord<>(topic, new byte[] {1}, new byte[] {2});
    }

    @Test
    void aDeadLetterKafkaRefusesIsCountedAndTheEngineGoesOn() throws Exception {
        long before = DeadLetterHandlers.droppedDeadLetters();
        ProductionExceptionHandler.Response response = configuredHandler().handleError(CONTEXT,
                record(Topics.DEAD_LETTERS.name()), new RecordTooLargeException("over the limit"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(DeadLetterHandlers.droppedDeadLetters()).isEqualTo(before + 1);
    }

    @Test
    void aRefusedRecordOfAnyOtherTopicStillFailsTheTaskSoNoResultIsLost() throws Exception {
        assertThat(configuredHandler().handleError(CONTEXT, record(Topics.INDICATORS.name()),
                new RecordTooLargeException("over the limit")).result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
    }

    @Test
    void aRetriableErrorIsRetriedEvenForADeadLetter() throws Exception {
        assertThat(configuredHandler().handleError(CONTEXT, record(Topics.DEAD_LETTERS.name()),
                new NotEnoughReplicasException("one broker down")).result())
                .isEqualTo(ProductionExceptionHandler.Result.RETRY);
    }
}
