package io.civicpulse.streams.validation;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.config.EngineConfig;

/**
 * Kafka Streams' exception handlers (KIP-1033/1034), pointed at our dead-letter topic: a record that cannot be
 * deserialized, or whose processing throws, becomes a {@link DeadLetter} with its raw bytes and the processing
 * continues with the next record. The handlers hand the dead letter to Kafka Streams as a dead-letter-queue record,
 * so it is written in the same transaction as the input's offset (exactly once). Kafka's own
 * {@code errors.dead.letter.queue.topic.name} is deliberately not used: it would write the raw bytes, not the
 * DeadLetter Avro record our dead-letter topic holds. If the dead letter itself cannot be serialized (the registry
 * is unreachable), the handler fails the task rather than lose the record silently.
 */
public final class DeadLetterHandlers {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandlers.class);

    private DeadLetterHandlers() {
    }

    /** Common part: serde and payload limit from the Streams configuration. */
    abstract static class Base {
        private Serde<DeadLetter> serde;
        private int inlineLimit;

        public void configure(Map<String, ?> configs) {
            serde = Topics.DEAD_LETTERS.valueSerde(configs);
            inlineLimit = EngineConfig.from(configs).inlinePayloadLimit();
        }

        ProducerRecord<byte[], byte[]> record(ErrorHandlerContext context, String reason, Exception exception) {
            Map<String, String> detail = DeadLetters.headersAsText(context.headers(), new LinkedHashMap<>());
            detail.put("exception", exception.getClass().getName());
            if (context.processorNodeId() != null) {
                detail.put("processorNodeId", context.processorNodeId());
            }
            DeadLetter deadLetter = DeadLetters.rejected(reason, String.valueOf(exception.getMessage()), null,
                    context.topic(), context.partition(), context.offset(), context.sourceRawKey(),
                    context.sourceRawValue(), detail, System.currentTimeMillis(), inlineLimit);
            String topic = Topics.DEAD_LETTERS.name();
            return new ProducerRecord<>(topic, null, DeadLetters.key(reason).getBytes(StandardCharsets.UTF_8),
                    serde.serializer().serialize(topic, deadLetter));
        }
    }

    /** Undeserializable input (truncated, not Avro, unknown schema id, incompatible schema). */
    public static final class Deserialization extends Base implements DeserializationExceptionHandler {

        @Override
        public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                    Exception exception) {
            LOG.warn("dead-lettering undeserializable record {}-{}@{}: {}", context.topic(), context.partition(),
                    context.offset(), exception.getMessage());
            try {
                return Response.resume(List.of(record(context, DeadLetters.UNDESERIALIZABLE, exception)));
            } catch (RuntimeException e) {
                LOG.error("cannot write the dead letter for {}-{}@{}; failing the task so nothing is lost",
                        context.topic(), context.partition(), context.offset(), e);
                return Response.fail();
            }
        }
    }

    /** A processor threw on a record: a bug or an input no check foresaw; that record is set aside. */
    public static final class Processing extends Base implements ProcessingExceptionHandler {

        @Override
        public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            LOG.error("dead-lettering record {}-{}@{} that failed in {}", context.topic(), context.partition(),
                    context.offset(), context.processorNodeId(), exception);
            try {
                return Response.resume(List.of(record(context, DeadLetters.PROCESSING_FAILED, exception)));
            } catch (RuntimeException e) {
                LOG.error("cannot write the dead letter for {}-{}@{}; failing the task so nothing is lost",
                        context.topic(), context.partition(), context.offset(), e);
                return Response.fail();
            }
        }
    }
}
