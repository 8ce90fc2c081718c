package io.civicpulse.deploy.serde;

import static io.civicpulse.deploy.serde.SerdeFixtures.avroBinary;
import static io.civicpulse.deploy.serde.SerdeFixtures.createTopic;
import static io.civicpulse.deploy.serde.SerdeFixtures.deadLetter;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshClient;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshTopic;
import static io.civicpulse.deploy.serde.SerdeFixtures.registryConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.serde.GenericAvroSerde;
import io.civicpulse.schemas.serde.SpecificAvroSerde;
import io.civicpulse.schemas.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Our serde against the real registry (and broker): what goes in comes out, and the bytes are Confluent's. */
class SerdeRoundTripIT {

    static final Schema STATION = SchemaBuilder.record("StationStatus").namespace("test.civicpulse.serde").fields()
            .requiredString("stationId")
            .requiredInt("bikesAvailable")
            .name("lastReported").type().longType().longDefault(0L)
            .endRecord();

    static GenericRecord station(String id, int bikes) {
        GenericRecord record = new GenericData.Record(STATION);
        record.put("stationId", id);
        record.put("bikesAvailable", bikes);
        record.put("lastReported", 1_764_000_000_000L);
        return record;
    }

    @Test
    void aSpecificRecordRoundTripsThroughTheRegistry() {
        String topic = Topics.DEAD_LETTERS.name();
        DeadLetter written = deadLetter("round-trip-" + UUID.randomUUID());
        try (SpecificAvroSerde<DeadLetter> producer = new SpecificAvroSerde<>(DeadLetter.class);
             SpecificAvroSerde<DeadLetter> consumer = new SpecificAvroSerde<>(DeadLetter.class)) {
            producer.configure(registryConfig(), false);
            consumer.configure(registryConfig(), false);

            byte[] bytes = producer.serializer().serialize(topic, written);

            assertThat(consumer.deserializer().deserialize(topic, bytes)).isEqualTo(written);
        }
    }

    @Test
    void aGenericRecordRoundTripsThroughTheRegistryUnderItsOwnNewSubject() {
        String topic = freshTopic("generic");
        try (GenericAvroSerde producer = new GenericAvroSerde(); GenericAvroSerde consumer = new GenericAvroSerde()) {
            producer.configure(registryConfig(), false);
            consumer.configure(registryConfig(), false);

            byte[] bytes = producer.serializer().serialize(topic, station("sofia-0042", 7));

            assertThat(consumer.deserializer().deserialize(topic, bytes)).isEqualTo(station("sofia-0042", 7));
            assertThat(freshClient().latest(topic + "-value").schema()).isEqualTo(STATION);
        }
    }

    @Test
    void theWireBytesAreMagicZeroTheRegistrysIdForTheSubjectAndPlainAvroBinary() {
        DeadLetter record = deadLetter("wire-" + UUID.randomUUID());
        byte[] bytes;
        try (SpecificAvroSerde<DeadLetter> serde = new SpecificAvroSerde<>(DeadLetter.class)) {
            serde.configure(registryConfig(), false);
            bytes = serde.serializer().serialize(Topics.DEAD_LETTERS.name(), record);
        }

        int id = freshClient().lookupId(Topics.DEAD_LETTERS.valueSubject(), DeadLetter.SCHEMA$);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(0);
        expected.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        expected.writeBytes(avroBinary(record));
        assertThat(bytes).containsExactly(expected.toByteArray());
    }

    @Test
    void genericRecordsTravelThroughTheBrokerAndComeBackEqual() throws Exception {
        String topic = freshTopic("broker");
        Map<String, Object> config = registryConfig();
        createTopic(topic);
        GenericAvroSerde serde = new GenericAvroSerde();
        serde.configure(config, false);
        try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(config, new StringSerializer(),
                serde.serializer())) {
            producer.send(new ProducerRecord<>(topic, "sofia-0042", station("sofia-0042", 7))).get(30,
                    TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(topic, "sofia-0043", station("sofia-0043", 0))).get(30,
                    TimeUnit.SECONDS);
        }

        Map<String, Object> consumerConfig = new HashMap<>(config);
        consumerConfig.put("group.id", "serde-it-" + UUID.randomUUID());
        consumerConfig.put("auto.offset.reset", "earliest");
        GenericAvroSerde consumerSerde = new GenericAvroSerde();
        consumerSerde.configure(config, false);
        List<GenericRecord> received = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, GenericRecord> consumer = new KafkaConsumer<>(consumerConfig,
                new StringDeserializer(), consumerSerde.deserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
                return received.size() >= 2;
            });
        }
        assertThat(received).containsExactly(station("sofia-0042", 7), station("sofia-0043", 0));
    }
}
