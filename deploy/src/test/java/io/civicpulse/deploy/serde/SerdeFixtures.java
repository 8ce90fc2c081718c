package io.civicpulse.deploy.serde;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.registry.RegistryClientConfig;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/** Records, topic names and schema edits shared by the serde integration tests. */
final class SerdeFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SerdeFixtures() {
    }

    /**
     * A topic name nobody else uses, so that its subject {@code <topic>-value} starts empty and nothing a test
     * registers collides with the provisioned subjects or with another test.
     */
    static String freshTopic(String purpose) {
        return "serde-it." + purpose + "." + UUID.randomUUID();
    }

    static DeadLetter deadLetter(String eventId) {
        return DeadLetter.newBuilder()
                .setSource("ingest.gtfs-rt")
                .setReason("gtfsrt.truncated-protobuf")
                .setMessage("feed ends in the middle of entity 17")
                .setCity("sofia")
                .setPayloadSize(4096)
                .setOccurredAt(Instant.parse("2026-11-26T10:15:30.123Z"))
                .setHeaders(Map.of("feed", "vehicle-positions"))
                .setEventId(eventId)
                .build();
    }

    /** Creates a one-partition topic on the shared broker. */
    static void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedStack.get().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** The registry client settings of the shared stack. */
    static Map<String, Object> registryConfig() {
        return SharedStack.clientConfig();
    }

    /** A client with empty caches: what it answers came from the registry, not from anything this JVM did. */
    static SchemaRegistryClient freshClient() {
        return new SchemaRegistryClient(RegistryClientConfig.fromConfigs(registryConfig()));
    }

    /** Apicurio's own (v2) API on the same server as the ccompat URL the stack hands out. */
    static String apicurioNativeUrl() {
        String ccompat = SharedStack.get().registryUrl();
        if (!ccompat.endsWith("/apis/ccompat/v7")) {
            throw new IllegalStateException("not an Apicurio ccompat URL: " + ccompat);
        }
        return ccompat.substring(0, ccompat.length() - "/apis/ccompat/v7".length()) + "/apis/registry/v2";
    }

    /** Exactly what a plain SpecificDatumWriter writes for the record, with nothing in front. */
    static byte[] avroBinary(SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema with one more field, given as Avro JSON, appended. */
    static Schema withField(Schema schema, String fieldJson) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schema.toString());
            ((ArrayNode) root.get("fields")).add(JSON.readTree(fieldJson));
            return new Schema.Parser().parse(root.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The dead letter as a generic record of {@code schema} (its fields, plus the defaults of fields the schema adds; the caller sets the others), the way a
     * producer holding only a schema would build it. Generic data carries timestamps as epoch millis.
     */
    static GenericRecord asGeneric(DeadLetter deadLetter, Schema schema) {
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field field : DeadLetter.SCHEMA$.getFields()) {
            Object value = deadLetter.get(field.pos());
            record.put(field.name(), value instanceof Instant instant ? instant.toEpochMilli() : value);
        }
        for (Schema.Field field : schema.getFields()) {
            if (DeadLetter.SCHEMA$.getField(field.name()) == null && field.hasDefaultValue()) {
                record.put(field.name(), GenericData.get().getDefaultValue(field));
            }
        }
        return record;
    }
}
