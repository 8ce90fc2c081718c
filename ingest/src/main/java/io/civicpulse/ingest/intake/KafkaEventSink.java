package io.civicpulse.ingest.intake;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.EventPublisher;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.Rejection;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/**
 * Publishes the intake's events to their topics and its rejections to the dead-letter topic through ingest's
 * {@link EventPublisher} (idempotent, {@code acks=all}). Records are Avro-encoded before {@code send}, so an
 * encoding failure (registry unreachable) fails the batch before anything is half-sent, and the producer's
 * retries never duplicate a record. Unlike the pollers, a client is waiting: the producer gives up within
 * seconds when Kafka is unreachable, so the client gets its 503 promptly.
 */
public final class KafkaEventSink implements EventSink, AutoCloseable {

    static final String SOURCE = "intake";
    private static final long DELIVERY_TIMEOUT_MS = 15_000;
    private static final Pattern CITY_FIELD = Pattern.compile("\"city\"\\s*:\\s*\"([a-z][a-z0-9-]{0,63})\"");

    private final EventPublisher publisher;
    private final IngestMetrics metrics;
    private final Clock clock;
    private final String origin;

    /**
     * @param kafkaConfig producer and serde settings ({@code bootstrap.servers}, {@code schema.registry.url}, ...)
     * @param origin      what dead letters name as where the input came from, e.g. the intake's URL
     */
    public KafkaEventSink(Map<String, Object> kafkaConfig, Clock clock, String origin) {
        Map<String, Object> config = EventPublisher.producerConfig(kafkaConfig);
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT_MS);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, kafkaConfig.getOrDefault(ProducerConfig.CLIENT_ID_CONFIG,
                "civicpulse-intake"));
        this.metrics = new IngestMetrics(SOURCE, clock);
        this.publisher = new EventPublisher(new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer()), kafkaConfig, metrics);
        this.clock = clock;
        this.origin = origin;
    }

    @Override
    public CompletableFuture<Void> publish(List<IntakeEvent.Accepted> events, List<IntakeEvent.Rejected> rejected,
                                           String apiKeyName) {
        return publish(events, rejected, apiKeyName, System.nanoTime() + DELIVERY_TIMEOUT_MS * 1_000_000L);
    }

    /**
     * Hands the batch over record by record until one fails at once (send() gave up waiting for metadata or buffer
     * space: the rest would each wait as long) or the deadline passes; either fails the whole batch, which the
     * client retries.
     */
    @Override
    public CompletableFuture<Void> publish(List<IntakeEvent.Accepted> events, List<IntakeEvent.Rejected> rejected,
                                           String apiKeyName, long deadlineNanos) {
        List<CompletableFuture<Void>> acks = new ArrayList<>(events.size() + rejected.size());
        try {
            for (IntakeEvent.Accepted event : events) {
                if (!handedOver(acks, send(event.topic(), event.key(), event.value()), deadlineNanos)) {
                    return failed(acks);
                }
            }
            for (IntakeEvent.Rejected rejection : rejected) {
                DeadLetter letter = DeadLetters.toRecord(toRejection(rejection, apiKeyName), clock);
                metrics.rejected(rejection.reason());
                if (!handedOver(acks, publisher.send(Topics.DEAD_LETTERS,
                        letter.getSource() + "/" + letter.getReason(), letter), deadlineNanos)) {
                    return failed(acks);
                }
            }
        } catch (RuntimeException e) {
            // Encoding or metadata failure before the whole batch was handed over: the client must retry it all.
            acks.add(CompletableFuture.failedFuture(e));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    private static boolean handedOver(List<CompletableFuture<Void>> acks, CompletableFuture<Void> ack,
                                      long deadlineNanos) {
        acks.add(ack);
        if (ack.isCompletedExceptionally()) {
            return false;
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            acks.add(CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException(
                    "the request's deadline passed before the whole batch was handed to Kafka")));
            return false;
        }
        return true;
    }

    /** The batch's outcome when handing over stopped early: the first failure. */
    private static CompletableFuture<Void> failed(List<CompletableFuture<Void>> acks) {
        for (CompletableFuture<Void> ack : acks) {
            if (ack.isCompletedExceptionally()) {
                return ack;
            }
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    @SuppressWarnings("unchecked")
    private <V extends SpecificRecord> CompletableFuture<Void> send(Topic<String, V> topic, String key,
                                                                   SpecificRecord value) {
        // The parser pairs each record with the topic of its type, so the cast cannot fail.
        return publisher.send(topic, key, (V) value);
    }

    private Rejection toRejection(IntakeEvent.Rejected rejection, String apiKeyName) {
        Map<String, String> detail = new HashMap<>();
        detail.put("index", String.valueOf(rejection.index()));
        if (rejection.field() != null) {
            detail.put("field", rejection.field());
        }
        if (apiKeyName != null) {
            detail.put("apiKey", apiKeyName);
        }
        return new Rejection(SOURCE, rejection.reason(), rejection.message(), cityOf(rejection.raw()), null, origin,
                rejection.raw(), "application/json", detail);
    }

    /** Best effort: a rejected event may still say which city it was for. */
    private static String cityOf(byte[] raw) {
        Matcher m = CITY_FIELD.matcher(new String(raw, StandardCharsets.UTF_8));
        return m.find() ? m.group(1) : null;
    }

    @Override
    public void close() {
        publisher.close();
        metrics.close();
    }
}
