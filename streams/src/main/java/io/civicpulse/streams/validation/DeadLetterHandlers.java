package io.civicpulse.streams.validation;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
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
 *
 * <p>Dead letters are capped ({@link io.civicpulse.schemas.deadletter.DeadLetterLimits}) so Kafka takes them; should
 * the broker still refuse one (a topic configured with a smaller {@code max.message.bytes}), the {@link Production}
 * handler counts it, logs it once and goes on: failing the task would replay the same input into the same refusal,
 * a crash loop that stops every indicator for one bad record.
 */
public final class DeadLetterHandlers {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandlers.class);

    private static final LongAdder DROPPED_DEAD_LETTERS = new LongAdder();

    private DeadLetterHandlers() {
    }

    /** Dead letters Kafka refused and the engine went on without, since start. */
    public static long droppedDeadLetters() {
        return DROPPED_DEAD_LETTERS.sum();
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

    /**
     * Kafka refused a record the engine wrote. A retriable error is retried, as Kafka's default handler does. A
     * dead letter refused for good is dropped (counted here and in Kafka Streams' dropped-records metric, logged once
     * with the coordinates of its input, which stays on its topic); any other record fails the task, so that no
     * indicator value is ever lost silently.
     */
    public static final class Production implements ProductionExceptionHandler {

        @Override
        public void configure(Map<String, ?> configs) {
        }

        @Override
        public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                    Exception exception) {
            if (exception instanceof RetriableException) {
                return Response.retry();
            }
            if (!Topics.DEAD_LETTERS.name().equals(record.topic())) {
                return Response.fail();
            }
            DROPPED_DEAD_LETTERS.increment();
            LOG.error("dropping a dead letter Kafka refused ({} bytes) for input {}-{}@{}: {}; the input stays on its"
                            + " topic", record.value() == null ? 0 : record.value().length,
                    context == null ? "?" : context.topic(), context == null ? -1 : context.partition(),
                    context == null ? -1 : context.offset(), exception.toString());
            return Response.resume();
        }
    }
}
