package io.civicpulse.ingest.intake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/**
 * Publishes the intake's events to their topics and its rejections to the dead-letter topic through one
 * idempotent producer with {@code acks=all}. Records are Avro-encoded before {@code send}, so an encoding
 * failure (registry unreachable) fails the batch before anything is half-sent, and the producer's retries never
 * duplicate a record.
 */
public final class KafkaEventSink implements EventSink, AutoCloseable {

    /** Larger raw events are referenced by hash in their dead letter rather than carried whole. */
    static final int MAX_INLINE_PAYLOAD = 64 * 1024;
    private static final Pattern CITY_FIELD = Pattern.compile("\"city\"\\s*:\\s*\"([a-z][a-z0-9-]{0,63})\"");

    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, ?> serdeConfig;
    private final Map<String, Serializer<SpecificRecord>> serializers = new ConcurrentHashMap<>();
    private final Clock clock;
    private final String origin;

    /**
     * @param kafkaConfig producer and serde settings ({@code bootstrap.servers}, {@code schema.registry.url}, ...)
     * @param origin      what dead letters name as where the input came from, e.g. the intake's URL
     */
    public KafkaEventSink(Map<String, Object> kafkaConfig, Clock clock, String origin) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 2);
        // While Kafka is unreachable a client should get a 503 within seconds, not hang for the 60 s default.
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "civicpulse-intake");
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.serdeConfig = Map.copyOf(kafkaConfig);
        this.clock = clock;
        this.origin = origin;
    }

    @Override
    public CompletableFuture<Void> publish(List<IntakeEvent.Accepted> events, List<IntakeEvent.Rejected> rejected,
                                           String apiKeyName) {
        List<CompletableFuture<Void>> acks = new ArrayList<>(events.size() + rejected.size());
        try {
            for (IntakeEvent.Accepted event : events) {
                acks.add(send(event.topic(), event.key(), event.value()));
            }
            for (IntakeEvent.Rejected rejection : rejected) {
                DeadLetter letter = deadLetter(rejection, apiKeyName);
                acks.add(send(Topics.DEAD_LETTERS, letter.getSource() + "/" + letter.getReason(), letter));
            }
        } catch (RuntimeException e) {
            // Encoding or metadata failure before the whole batch was handed over: the client must retry it all.
            acks.add(CompletableFuture.failedFuture(e));
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> send(Topic<String, ? extends SpecificRecord> topic, String key,
                                         SpecificRecord value) {
        byte[] bytes = serializer(topic).serialize(topic.name(), value);
        CompletableFuture<Void> ack = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic.name(), key, bytes), (metadata, error) -> {
            if (error == null) {
                ack.complete(null);
            } else {
                ack.completeExceptionally(error);
            }
        });
        return ack;
    }

    @SuppressWarnings("unchecked")
    private Serializer<SpecificRecord> serializer(Topic<String, ? extends SpecificRecord> topic) {
        return serializers.computeIfAbsent(topic.name(),
                name -> (Serializer<SpecificRecord>) topic.valueSerde(serdeConfig).serializer());
    }

    private DeadLetter deadLetter(IntakeEvent.Rejected rejection, String apiKeyName) {
        byte[] raw = rejection.raw();
        String digest = sha256(raw);
        Map<String, String> headers = new HashMap<>();
        headers.put("index", String.valueOf(rejection.index()));
        if (rejection.field() != null) {
            headers.put("field", rejection.field());
        }
        if (apiKeyName != null) {
            headers.put("apiKey", apiKeyName);
        }
        boolean inline = raw.length <= MAX_INLINE_PAYLOAD;
        return DeadLetter.newBuilder()
                .setSource("intake")
                .setReason(rejection.reason())
                .setMessage(rejection.message())
                .setCity(cityOf(raw))
                .setOrigin(origin)
                .setPayload(inline ? ByteBuffer.wrap(raw) : null)
                .setPayloadReference(inline ? null : "sha256:" + digest + " (not kept: over "
                        + MAX_INLINE_PAYLOAD + " bytes)")
                .setPayloadSize(raw.length)
                .setContentType("application/json")
                .setOccurredAt(clock.instant())
                .setHeaders(headers)
                .setEventId(sha256(("intake/" + rejection.reason() + "/" + digest).getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    /** Best effort: a rejected event may still say which city it was for. */
    private static String cityOf(byte[] raw) {
        Matcher m = CITY_FIELD.matcher(new String(raw, StandardCharsets.UTF_8));
        return m.find() ? m.group(1) : null;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
