package io.civicpulse.schemas.serde;

import io.civicpulse.schemas.registry.BoundedCache;
import io.civicpulse.schemas.registry.IncompatibleSchemaException;
import io.civicpulse.schemas.registry.RegisteredSchema;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro data in the Confluent wire format, registering or looking up the schema under the subject its
 * {@link SubjectNameStrategy} names. It accepts generated SpecificRecords, GenericRecords (any
 * {@link GenericContainer}) and the Avro primitives (CharSequence, Integer, Long, Float, Double, Boolean,
 * ByteBuffer, byte[]); null is written as null, so tombstones stay tombstones. Thread-safe once configured.
 *
 * @param <T> the type of data written
 */
public final class AvroSerializer<T> implements Serializer<T> {

    private static final Map<Class<?>, Schema> PRIMITIVES = Map.of(
            String.class, Schema.create(Schema.Type.STRING),
            Integer.class, Schema.create(Schema.Type.INT),
            Long.class, Schema.create(Schema.Type.LONG),
            Float.class, Schema.create(Schema.Type.FLOAT),
            Double.class, Schema.create(Schema.Type.DOUBLE),
            Boolean.class, Schema.create(Schema.Type.BOOLEAN),
            byte[].class, Schema.create(Schema.Type.BYTES));

    /**
     * Each generated class's own data model (its {@code MODEL$}, which carries its logical-type conversions).
     * Avro finds it by reflection, which is too slow to repeat for every record; ClassValue caches it without
     * pinning the class's loader.
     */
    private static final ClassValue<SpecificData> SPECIFIC_MODELS = new ClassValue<>() {
        @Override
        protected SpecificData computeValue(Class<?> type) {
            return SpecificData.getForClass(type);
        }
    };

    /** A DatumWriter is specific to both the schema and the data model (generic vs. a generated class's). */
    private record WriterKey(Schema schema, GenericData model) {
    }

    private record SubjectSchema(String subject, Schema schema) {
    }

    /**
     * Where {@code use.latest.version} sends a record: the latest id, and when the latest schema differs from the
     * record's own, the pair that re-encodes the record into the latest schema.
     */
    private record LatestTarget(int id, DatumReader<Object> translator, DatumWriter<Object> latestWriter) {
    }

    private final boolean clientGiven;
    private SchemaRegistryClient client;
    private AvroSerdeConfig config = AvroSerdeConfig.defaults();
    private boolean isKey;
    private BoundedCache<WriterKey, DatumWriter<Object>> writers = new BoundedCache<>(config.cacheCapacity());
    private BoundedCache<SubjectSchema, LatestTarget> latestTargets = new BoundedCache<>(config.cacheCapacity());

    /** For Kafka, which instantiates by class name and then calls {@link #configure(Map, boolean)}. */
    public AvroSerializer() {
        this.clientGiven = false;
    }

    /**
     * Uses a ready client (to share its caches, or in tests); usable at once with the default settings, and
     * {@link #configure(Map, boolean)} then reads every setting except the registry connection.
     */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.clientGiven = true;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        configure(configs, isKey, clientGiven ? client : SchemaRegistryClient.fromConfigs(configs));
    }

    /** Lets a serde hand the same client to its serializer and deserializer, so they share one cache. */
    void configure(Map<String, ?> configs, boolean isKey, SchemaRegistryClient sharedClient) {
        this.config = AvroSerdeConfig.parse(configs);
        this.isKey = isKey;
        this.client = clientGiven ? client : Objects.requireNonNull(sharedClient, "client");
        this.writers = new BoundedCache<>(config.cacheCapacity());
        this.latestTargets = new BoundedCache<>(config.cacheCapacity());
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (client == null) {
            throw new SerializationException(where(topic) + ": serializer not configured: call configure() or"
                    + " construct it with a SchemaRegistryClient");
        }
        Object datum = data instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : data;
        Schema schema = schemaOf(topic, data);
        String subject;
        try {
            subject = config.subjectNameStrategy(isKey).subject(topic, isKey, schema);
        } catch (SerializationException e) {
            throw new SerializationException(where(topic) + ": " + e.getMessage(), e);
        }
        DatumWriter<Object> ownWriter = writer(schema, datum);
        if (config.useLatestVersion()) {
            LatestTarget target = latestTarget(topic, subject, schema);
            if (target.translator() == null) {
                return frame(topic, target.id(), ownWriter, datum, schema);
            }
            return frame(topic, target.id(), target.latestWriter(), translate(topic, ownWriter, datum, schema,
                    target.translator()), schema);
        }
        return frame(topic, schemaId(topic, subject, schema), ownWriter, datum, schema);
    }

    private int schemaId(String topic, String subject, Schema schema) {
        boolean register = config.autoRegisterSchemas();
        try {
            return register ? client.register(subject, schema) : client.lookupId(subject, schema);
        } catch (IncompatibleSchemaException e) {
            throw new SerializationException(where(topic) + ": cannot register " + describe(schema) + ": "
                    + e.getMessage(), e);
        } catch (SchemaRegistryException e) {
            if (!register && e.status() == 404) {
                throw new SerializationException(where(topic) + ": " + describe(schema)
                        + " is not registered under subject '" + subject + "' and "
                        + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS + "=false: " + e.getMessage(), e);
            }
            throw new SerializationException(where(topic) + ": could not " + (register ? "register " : "look up ")
                    + describe(schema) + " under subject '" + subject + "': " + e.getMessage(), e);
        }
    }

    private LatestTarget latestTarget(String topic, String subject, Schema schema) {
        // Cached for the serializer's life, as Confluent does by default: a new latest version is picked up on
        // restart, not in the middle of a batch.
        SubjectSchema key = new SubjectSchema(subject, schema);
        LatestTarget cached = latestTargets.get(key);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema latest;
        try {
            latest = client.latest(subject);
        } catch (SchemaRegistryException e) {
            throw new SerializationException(where(topic) + ": could not fetch the latest schema of subject '"
                    + subject + "' (" + AvroSerdeConfig.USE_LATEST_VERSION + "=true): " + e.getMessage(), e);
        }
        LatestTarget target;
        if (latest.schema().equals(schema)) {
            target = new LatestTarget(latest.id(), null, null);
        } else {
            // The record must be re-encoded in the latest schema, which works exactly when the latest schema can
            // read data written with the record's schema (missing fields have defaults, types promote, ...).
            SchemaCompatibility.SchemaPairCompatibility compatibility =
                    SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), schema);
            if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                throw new SerializationException(where(topic) + ": the latest schema of subject '" + subject
                        + "' (id " + latest.id() + ", version " + latest.version() + ") cannot write "
                        + describe(schema) + ": " + WireFormat.incompatibilities(compatibility));
            }
            target = new LatestTarget(latest.id(),
                    new GenericDatumReader<>(schema, latest.schema(), GenericData.get()),
                    new GenericDatumWriter<>(latest.schema(), GenericData.get()));
        }
        latestTargets.put(key, target);
        return target;
    }

    private Object translate(String topic, DatumWriter<Object> ownWriter, Object datum, Schema schema,
            DatumReader<Object> translator) {
        byte[] own = encode(topic, ownWriter, datum, schema, 0);
        try {
            return translator.read(null, DecoderFactory.get().binaryDecoder(own, null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(where(topic) + ": could not convert " + describe(schema)
                    + " to the subject's latest schema: " + e, e);
        }
    }

    private DatumWriter<Object> writer(Schema schema, Object datum) {
        GenericData model = datum instanceof SpecificRecord ? SPECIFIC_MODELS.get(datum.getClass())
                : GenericData.get();
        WriterKey key = new WriterKey(schema, model);
        DatumWriter<Object> writer = writers.get(key);
        if (writer == null) {
            writer = model instanceof SpecificData specific ? new SpecificDatumWriter<>(schema, specific)
                    : new GenericDatumWriter<>(schema, model);
            writers.put(key, writer);
        }
        return writer;
    }

    private byte[] frame(String topic, int id, DatumWriter<Object> writer, Object datum, Schema schema) {
        byte[] payload = encode(topic, writer, datum, schema, WireFormat.HEADER_SIZE);
        WireFormat.writeHeader(payload, id);
        return payload;
    }

    /** The Avro binary encoding of the datum, after {@code headerRoom} zero bytes for the caller to fill. */
    private byte[] encode(String topic, DatumWriter<Object> writer, Object datum, Schema schema, int headerRoom) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(new byte[headerRoom], 0, headerRoom);
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writer.write(datum, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            // Avro reports a record that breaks its own schema (a null in a non-null field, a wrong type) with
            // NullPointerException, ClassCastException or AvroRuntimeException; all mean the same to the caller.
            throw new SerializationException(where(topic) + ": " + describe(schema)
                    + " does not match its schema: " + e, e);
        }
        return out.toByteArray();
    }

    private Schema schemaOf(String topic, Object data) {
        if (data instanceof GenericContainer container) {
            return container.getSchema();
        }
        if (data instanceof CharSequence) {
            return PRIMITIVES.get(String.class);
        }
        if (data instanceof ByteBuffer) {
            return PRIMITIVES.get(byte[].class);
        }
        Schema primitive = PRIMITIVES.get(data.getClass());
        if (primitive == null) {
            throw new SerializationException(where(topic) + ": cannot serialize " + data.getClass().getName()
                    + ": expected an Avro record (GenericContainer) or an Avro primitive");
        }
        return primitive;
    }

    private String where(String topic) {
        return "topic '" + topic + "' " + (isKey ? "key" : "value");
    }

    private static String describe(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getType().getName() + " " + schema.getFullName();
            default -> schema.getType().getName() + " value";
        };
    }
}
