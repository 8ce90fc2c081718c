package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.services.SessionPhase;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.IndicatorEngine;

/**
 * A record on a session topic that is not Avro at all, on the real broker under exactly_once_v2: the engine's
 * deserialization handler writes a DeadLetter with its reason and raw bytes in the same transaction as the input's
 * offset, and the good event beside it still counts. The TopologyTestDriver has no transactions, so it could not
 * show that the dead letter is committed rather than aborted with the task.
 */
class DeadLetterUnderExactlyOnceIT {

    @Test
    void undeserializableSessionBecomesADeadLetterAndTheGoodEventBesideItCounts() throws Exception {
        String city = "dlq" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        Map<String, Object> kafka = SharedStack.clientConfig();
        Map<String, Object> engineSettings = new HashMap<>(kafka);
        engineSettings.put("application.id", "civicpulse-dlq-" + city);
        engineSettings.put("state.dir", Files.createTempDirectory("dlq-state").toString());
        // Both records go to one partition: no other partition's task can still be on its way with older events.
        engineSettings.put("civicpulse.source.startup.grace", "PT1S");
        byte[] garbage = ("{\"not\":\"avro\",\"city\":\"" + city + "\"}").getBytes(StandardCharsets.UTF_8);
        String garbageKey = city + "/garbled-session";
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ServiceSessionEvent good = ServiceSessionEvent.newBuilder().setCity(city).setSessionId("s-1")
                .setServiceId("parking-permit").setPhase(SessionPhase.COMPLETED).setChannel(ServiceChannel.WEB)
                .setOccurredAt(now.minusSeconds(30)).setIngestedAt(now).setEventId(city + "-s-1-completed")
                .build();

        try (IndicatorEngine engine = new IndicatorEngine(engineSettings);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka, new StringSerializer(),
                     new ByteArraySerializer());
             KafkaConsumer<String, DeadLetter> deadLetters = consumer(Topics.DEAD_LETTERS.name(),
                     Topics.DEAD_LETTERS.valueSerde(kafka).deserializer());
             KafkaConsumer<String, IndicatorValue> values = consumer(Topics.INDICATORS.name(),
                     Topics.INDICATORS.valueSerde(kafka).deserializer())) {
            assertThat(engine.settings()).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                    StreamsConfig.EXACTLY_ONCE_V2);
            engine.start();
            String sessions = Topics.SERVICE_SESSIONS.name();
            // One partition for both, so the good event is the garbage's direct neighbour in the same task.
            producer.send(new ProducerRecord<>(sessions, 0, garbageKey, garbage)).get();
            producer.send(new ProducerRecord<>(sessions, 0, city + "/s-1",
                    Topics.SERVICE_SESSIONS.valueSerde(kafka).serializer().serialize(sessions, good))).get();

            AtomicReference<DeadLetter> letter = new AtomicReference<>();
            await("the dead letter of the garbled record").atMost(Duration.ofSeconds(90))
                    .until(() -> {
                        deadLetters.poll(Duration.ofMillis(300)).forEach(r -> {
                            DeadLetter d = r.value();
                            if (d.getKey() != null && StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString()
                                    .equals(garbageKey)) {
                                letter.set(d);
                            }
                        });
                        return letter.get() != null;
                    });
            DeadLetter d = letter.get();
            assertThat(d.getSource()).isEqualTo("streams");
            assertThat(d.getReason()).isEqualTo("event.undeserializable");
            assertThat(d.getMessage()).isNotBlank();
            assertThat(d.getSourceTopic()).isEqualTo(sessions);
            assertThat(d.getSourcePartition()).isZero();
            assertThat(d.getPayload()).isNotNull();
            byte[] payload = new byte[d.getPayload().remaining()];
            d.getPayload().duplicate().get(payload);
            assertThat(payload).isEqualTo(garbage);

            AtomicReference<IndicatorValue> live = new AtomicReference<>();
            await("a value counting the good session beside it").atMost(Duration.ofSeconds(60))
                    .until(() -> {
                        values.poll(Duration.ofMillis(300)).forEach(r -> {
                            IndicatorValue v = r.value();
                            if (v.getCity().equals(city) && v.getIndicatorId().equals("gov.e-service-success")
                                    && v.getScope().equals("city") && v.getWindow().equals("PT15M")) {
                                live.set(v);
                            }
                        });
                        return live.get() != null;
                    });
            assertThat(live.get().getNumerator()).isEqualTo(1);
            assertThat(live.get().getDenominator()).isEqualTo(1);
        }
    }

    private static <V> KafkaConsumer<String, V> consumer(String topic,
                                                         Deserializer<V> values) {
        Map<String, Object> config = new HashMap<>(SharedStack.clientConfig());
        config.put("group.id", "dlq-it-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        // Only what committed transactions wrote: a dead letter of an aborted transaction must not count.
        config.put("isolation.level", "read_committed");
        KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values);
        consumer.subscribe(List.of(topic));
        return consumer;
    }
}
