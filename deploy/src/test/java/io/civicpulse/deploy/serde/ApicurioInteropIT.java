package io.civicpulse.deploy.serde;

import static io.civicpulse.deploy.serde.SerdeFixtures.apicurioNativeUrl;
import static io.civicpulse.deploy.serde.SerdeFixtures.createTopic;
import static io.civicpulse.deploy.serde.SerdeFixtures.deadLetter;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshClient;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshTopic;
import static io.civicpulse.deploy.serde.SerdeFixtures.registryConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.serde.Legacy4ByteIdHandler;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.serde.SpecificAvroSerde;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Our serde and Apicurio's own Avro serde, an independent implementation of the Confluent wire format, read each
 * other's records through the same registry.
 *
 * <p>Apicurio 2.6 serves the ccompat API with {@code registry.ccompat.legacy-id-mode.enabled=false} (its default,
 * which the stack keeps): the id a Confluent client sees, in answers and on the wire, is Apicurio's contentId, not
 * its globalId. Apicurio's serde is therefore configured as its documentation prescribes for Confluent
 * compatibility: the 4-byte id handler ({@link Legacy4ByteIdHandler}, what {@code apicurio.registry.as-confluent}
 * selects), ids = contentId, no Kafka headers, and Apicurio's native API on the same server.
 *
 * <p>Measured on Apicurio 2.6.13's in-memory storage: every registration advances the globalId and contentId
 * sequences together, so new content gets a contentId equal to the globalId of the version that created it. The
 * two ids part only when a version re-uses content, e.g. the same schema under a second subject. The tests
 * therefore write the generated DeadLetter, whose content the provisioned dead-letter subject already holds, under
 * fresh subjects, where the new version's globalId differs from the content's id: one test checks that the id on our
 * wire is the contentId, and a record written by Apicurio's serializer reads back on our side only if Apicurio,
 * too, wrote the contentId (with {@code use-id=globalId} that test fails).
 */
class ApicurioInteropIT {

    static final ObjectMapper JSON = new ObjectMapper();

    static Map<String, Object> apicurioConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(SerdeConfig.REGISTRY_URL, apicurioNativeUrl());
        config.put(SerdeConfig.ID_HANDLER, Legacy4ByteIdHandler.class.getName());
        config.put(SerdeConfig.USE_ID, "contentId");
        config.put(SerdeConfig.ENABLE_HEADERS, false);
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
        config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
        return config;
    }

    /** Apicurio's own metadata of the artifact a ccompat subject maps to (group {@code default}). */
    static JsonNode artifactMetadata(String subject) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        apicurioNativeUrl() + "/groups/default/artifacts/"
                                + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/meta")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("artifact metadata of %s: %s", subject, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    static int wireId(byte[] bytes) {
        assertThat(bytes[0]).as("magic byte").isZero();
        return ByteBuffer.wrap(bytes, 1, 4).getInt();
    }

    @Test
    void theIdOnOurWireIsTheContentIdApicuriosSerdeResolves() throws Exception {
        String topic = freshTopic("apicurio-ids");
        byte[] bytes;
        try (SpecificAvroSerde<DeadLetter> ours = new SpecificAvroSerde<>(DeadLetter.class)) {
            ours.configure(registryConfig(), false);
            bytes = ours.serializer().serialize(topic, deadLetter("ids"));
        }

        JsonNode metadata = artifactMetadata(topic + "-value");
        // The same DeadLetter content is already registered under the provisioned subject, so this new artifact
        // version's globalId cannot coincide with the content's id: the check below tells the two apart.
        assertThat(metadata.get("globalId").asInt()).isNotEqualTo(metadata.get("contentId").asInt());
        assertThat(wireId(bytes)).isEqualTo(metadata.get("contentId").asInt());
    }

    @Test
    void aRecordWrittenByOurSerializerIsDecodedByApicuriosDeserializerThroughTheBroker() throws Exception {
        String topic = freshTopic("to-apicurio");
        createTopic(topic);
        Map<String, Object> config = registryConfig();
        DeadLetter written = deadLetter("ours-" + UUID.randomUUID());
        SpecificAvroSerde<DeadLetter> ours = new SpecificAvroSerde<>(DeadLetter.class);
        ours.configure(config, false);
        try (KafkaProducer<String, DeadLetter> producer = new KafkaProducer<>(config, new StringSerializer(),
                ours.serializer())) {
            producer.send(new ProducerRecord<>(topic, written.getEventId(), written)).get(30, TimeUnit.SECONDS);
        }

        AvroKafkaDeserializer<DeadLetter> theirs = new AvroKafkaDeserializer<>();
        theirs.configure(apicurioConfig(), false);
        Map<String, Object> consumerConfig = new HashMap<>(config);
        consumerConfig.put("group.id", "apicurio-interop-" + UUID.randomUUID());
        consumerConfig.put("auto.offset.reset", "earliest");
        List<DeadLetter> received = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<String, DeadLetter> consumer = new KafkaConsumer<>(consumerConfig,
                new StringDeserializer(), theirs)) {
            consumer.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
                return !received.isEmpty();
            });
        }
        assertThat(received).containsExactly(written);
    }

    @Test
    void aRecordWrittenByApicuriosSerializerIsDecodedByOurDeserializer() {
        String topic = freshTopic("from-apicurio");
        DeadLetter written = deadLetter("theirs-" + UUID.randomUUID());
        byte[] bytes;
        // Apicurio's serializer registers the schema itself, through its native API: our side has never seen it.
        try (AvroKafkaSerializer<DeadLetter> theirs = new AvroKafkaSerializer<>()) {
            theirs.configure(apicurioConfig(), false);
            bytes = theirs.serialize(topic, written);
        }

        try (SpecificAvroSerde<DeadLetter> ours = new SpecificAvroSerde<>(DeadLetter.class)) {
            ours.configure(registryConfig(), false);
            assertThat(ours.deserializer().deserialize(topic, bytes)).isEqualTo(written);
        }
        assertThat(wireId(bytes)).isEqualTo(freshClient().lookupId(topic + "-value", DeadLetter.SCHEMA$));
    }
}
