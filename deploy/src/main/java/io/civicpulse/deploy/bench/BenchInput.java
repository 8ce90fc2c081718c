package io.civicpulse.deploy.bench;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.civicpulse.ingest.intake.IntakeEvent;
import io.civicpulse.ingest.intake.IntakeEventParser;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.schemas.topics.Topic;

/**
 * The benchmark's input: exactly {@code events} records of one fresh city's e-service usage
 * ({@link ServiceUsageModel}, scaled up so they span the requested simulated time), turned into Avro records by the
 * intake's own parser, so the engine sees the same records, keys and value mix as in production. Only events bound
 * for the given topics are produced (and counted): the ones the indicator topology reads.
 */
public final class BenchInput {

    /** What was produced: the count per topic, the event-time span and how long producing took. */
    public record Produced(long events, Map<String, Long> perTopic, Instant from, Instant to, Duration took) {
    }

    private static final ZoneId ZONE = ZoneId.of("Europe/Sofia");
    private static final double[] SOFIA_BOUNDS = {42.62, 23.20, 42.77, 23.45};
    private static final Duration CHUNK = Duration.ofMinutes(15);

    private final ObjectMapper json = JsonMapper.builder().build();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private final Map<String, Object> clientConfig;
    private final Set<String> topics;

    /**
     * @param clientConfig producer and serde settings ({@code bootstrap.servers}, {@code schema.registry.url})
     * @param topics       the topics to fill; events of other types are not generated into the count
     */
    public BenchInput(Map<String, Object> clientConfig, Set<String> topics) {
        this.clientConfig = Map.copyOf(clientConfig);
        this.topics = Set.copyOf(topics);
    }

    /**
     * Produces {@code events} records for {@code city} with event times in [end - span, end), in time order, and
     * waits until Kafka acknowledged every one of them.
     *
     * @param progress called with the number produced so far, every chunk of simulated time
     */
    public Produced produce(String city, long events, Duration span, Instant end, LongConsumer progress) {
        long t0 = System.nanoTime();
        Instant from = end.minus(span);
        // ingestedAt is the parse time: "now", after every generated event, as for a city pushing its backlog.
        IntakeEventParser parser = new IntakeEventParser(Clock.systemUTC(), Duration.ofMinutes(5));
        double scale = scaleFor(city, events, from, end, parser);
        ServiceUsageModel model = new ServiceUsageModel(city, 23, ZONE, from.minus(Duration.ofDays(30)), scale,
                SOFIA_BOUNDS);
        Map<String, Long> perTopic = new TreeMap<>();
        Map<String, Serializer<SpecificRecord>> serializers = new HashMap<>();
        long produced = 0;
        Instant last = from;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                new ByteArraySerializer())) {
            List<ServiceUsageModel.Event> catalogue = model.catalogueChanges(null, from);
            produced += send(producer, parser, catalogue, events - produced, perTopic, serializers);
            for (Instant chunk = from; produced < events; chunk = chunk.plus(CHUNK)) {
                if (!chunk.isBefore(end)) {
                    throw new IllegalStateException("the model generated only " + produced + " of " + events
                            + " events in " + span + "; the scale estimate was off");
                }
                produced += send(producer, parser, model.events(chunk, chunk.plus(CHUNK)), events - produced,
                        perTopic, serializers);
                last = chunk.plus(CHUNK);
                progress.accept(produced);
            }
            producer.flush();
        }
        if (sendFailure.get() != null) {
            // acks=all with idempotence retries until delivery.timeout.ms: past that the input is short.
            throw new IllegalStateException("Kafka did not take every benchmark record: " + sendFailure.get(),
                    sendFailure.get());
        }
        return new Produced(produced, perTopic, from, last.isAfter(end) ? end : last,
                Duration.ofNanos(System.nanoTime() - t0));
    }

    /**
     * The model's scale that yields a little more than {@code events} in the span: the same span at scale 1, counted,
     * gives the rate; 10% headroom absorbs the randomness of a larger draw.
     */
    private double scaleFor(String city, long events, Instant from, Instant end, IntakeEventParser parser) {
        ServiceUsageModel pilot = new ServiceUsageModel(city, 23, ZONE, from.minus(Duration.ofDays(30)), 1.0,
                SOFIA_BOUNDS);
        long count = 0;
        for (IntakeEvent event : parse(parser, pilot.events(from, end))) {
            if (event instanceof IntakeEvent.Accepted accepted && topics.contains(accepted.topic().name())) {
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("the service-usage model generates nothing for the topics " + topics);
        }
        // Half as much again: the scaled model draws its own random events, and for a few thousand events at night
        // the count varies by more than a tenth; production stops at the number asked for, so a surplus costs nothing.
        return Math.max(0.01, 1.5 * events / count);
    }

    private long send(KafkaProducer<String, byte[]> producer, IntakeEventParser parser,
                      List<ServiceUsageModel.Event> batch, long wanted, Map<String, Long> perTopic,
                      Map<String, Serializer<SpecificRecord>> serializers) {
        long sent = 0;
        for (IntakeEvent event : parse(parser, batch)) {
            if (sent == wanted) {
                break;
            }
            if (event instanceof IntakeEvent.Rejected rejected) {
                // The model and the parser are one project's: a rejection is a bug in one of them, not bad luck.
                throw new IllegalStateException("the intake rejects a generated event (" + rejected.reason() + "): "
                        + rejected.message());
            }
            IntakeEvent.Accepted accepted = (IntakeEvent.Accepted) event;
            String topic = accepted.topic().name();
            if (!topics.contains(topic)) {
                continue;
            }
            byte[] value = serializers.computeIfAbsent(topic, t -> serializer(accepted.topic()))
                    .serialize(topic, accepted.value());
            producer.send(new ProducerRecord<>(topic, accepted.key(), value), (metadata, exception) -> {
                if (exception != null) {
                    sendFailure.compareAndSet(null, exception);
                }
            });
            perTopic.merge(topic, 1L, Long::sum);
            sent++;
        }
        return sent;
    }

    @SuppressWarnings("unchecked")
    private Serializer<SpecificRecord> serializer(Topic<String, ? extends SpecificRecord> topic) {
        // The parser pairs each value with the topic of its type, so the serializer takes the value it is given.
        return (Serializer<SpecificRecord>) topic.valueSerde(clientConfig).serializer();
    }

    private List<IntakeEvent> parse(IntakeEventParser parser, List<ServiceUsageModel.Event> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        List<Map<String, Object>> fields = new ArrayList<>(batch.size());
        batch.forEach(e -> fields.add(e.fields()));
        try {
            return parser.parse(json.writeValueAsBytes(fields), false);
        } catch (JsonProcessingException | IntakeEventParser.UnparseableBodyException e) {
            throw new IllegalStateException("cannot encode generated events as the intake reads them", e);
        }
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.keySet().retainAll(ProducerConfig.configNames());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "civicpulse-bench-input");
        return config;
    }
}
