package io.civicpulse.schemas.serde;

import io.civicpulse.schemas.registry.BoundedCache;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.registry.SchemaRegistryException;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format: fetches the writer's schema by the id in the header (cached) and resolves the
 * data into the reader's schema with Avro's schema resolution. The reader's schema is the writer's own
 * (GenericRecord, the default), a generated class's {@code SCHEMA$} when the deserializer is built for that class,
 * or the generated class named like the writer's schema when {@code specific.avro.reader=true}. Null or empty
 * bytes read as null (tombstones). Every malformed payload raises a SerializationException that says what is wrong
 * with it and on which topic. Thread-safe once configured.
 *
 * @param <T> the type of data read
 */
public final class AvroDeserializer<T> implements Deserializer<T> {

    /** How to read one writer schema id: the writer's schema, for messages, and the resolving reader. */
    private record Reading(Schema writer, DatumReader<Object> reader) {
    }

    /** A writer id read into a caller's reader schema. */
    private record ReaderKey(int id, Schema readerSchema) {
    }

    private final Class<T> targetType;
    private final boolean clientGiven;
    private SchemaRegistryClient client;
    private AvroSerdeConfig config = AvroSerdeConfig.defaults();
    private boolean isKey;
    // Keyed by writer id alone: a deserializer's reader schema is a function of the writer schema (its own, the
    // target class's, or the class named like it), so (writer id, reader schema) pairs never differ within one
    // instance. Building a resolving reader is the expensive part of a read, so it must not happen per record.
    private BoundedCache<Integer, Reading> readings = new BoundedCache<>(config.cacheCapacity());
    private BoundedCache<ReaderKey, Reading> readingsBySchema = new BoundedCache<>(config.cacheCapacity());

    /** For Kafka, which instantiates by class name and then calls {@link #configure(Map, boolean)}. */
    public AvroDeserializer() {
        this(null, null, false);
    }

    /**
     * Reads into {@code targetType}: a generated SpecificRecord class (its {@code SCHEMA$} is the reader
     * schema), {@link SpecificRecord} itself (the generated class named like each writer schema) or
     * {@link org.apache.avro.generic.GenericRecord} (always generic, whatever {@code specific.avro.reader} says).
     */
    public AvroDeserializer(Class<T> targetType) {
        this(null, Objects.requireNonNull(targetType, "targetType"), false);
    }

    /** Uses a ready client (to share its caches, or in tests); usable at once with the default settings. */
    public AvroDeserializer(SchemaRegistryClient client) {
        this(Objects.requireNonNull(client, "client"), null, true);
    }

    /** A ready client and a target type, as in {@link #AvroDeserializer(Class)}. */
    public AvroDeserializer(SchemaRegistryClient client, Class<T> targetType) {
        this(Objects.requireNonNull(client, "client"), Objects.requireNonNull(targetType, "targetType"), true);
    }

    private AvroDeserializer(SchemaRegistryClient client, Class<T> targetType, boolean clientGiven) {
        this.client = client;
        this.targetType = targetType;
        this.clientGiven = clientGiven;
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
        this.readings = new BoundedCache<>(config.cacheCapacity());
        this.readingsBySchema = new BoundedCache<>(config.cacheCapacity());
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null || data.length == 0) {
            return null;
        }
        int id = checkHeader(topic, data);
        return cast(topic, decode(topic, data, id, reading(topic, id)));
    }

    /**
     * Reads into the given reader schema as generic data (a {@link org.apache.avro.generic.GenericRecord} for a
     * record), resolving the writer's schema into it: fields the writer lacks take the reader's defaults, fields the
     * reader lacks are skipped. For consumers that hold a reader schema rather than a generated class, as with
     * Confluent's {@code deserialize(topic, headers, bytes, readerSchema)}; the deserializer's target type is not
     * used. Null or empty bytes read as null.
     *
     * @throws SerializationException as {@link #deserialize(String, byte[])}, and when the reader schema cannot
     *         read the writer's
     */
    public Object deserialize(String topic, byte[] data, Schema readerSchema) {
        Objects.requireNonNull(readerSchema, "readerSchema");
        if (data == null || data.length == 0) {
            return null;
        }
        int id = checkHeader(topic, data);
        ReaderKey key = new ReaderKey(id, readerSchema);
        Reading reading = readingsBySchema.get(key);
        if (reading == null) {
            Schema writer = writerSchema(topic, id);
            reading = new Reading(writer, resolvingReader(topic, id, writer, readerSchema, GenericData.get()));
            readingsBySchema.put(key, reading);
        }
        return decode(topic, data, id, reading);
    }

    /** Checks magic byte, length and configuration; returns the writer's schema id. */
    private int checkHeader(String topic, byte[] data) {
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw new SerializationException(String.format("%s: no magic byte (found 0x%02x): not Avro in the"
                    + " Confluent wire format", where(topic), data[0] & 0xff));
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new SerializationException(where(topic) + ": payload of " + data.length
                    + " bytes is shorter than the " + WireFormat.HEADER_SIZE + "-byte header");
        }
        if (client == null) {
            throw new SerializationException(where(topic) + ": deserializer not configured: call configure() or"
                    + " construct it with a SchemaRegistryClient");
        }
        return WireFormat.readSchemaId(data);
    }

    private Object decode(String topic, byte[] data, int id, Reading reading) {
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
        Object value;
        try {
            value = reading.reader().read(null, decoder);
        } catch (EOFException e) {
            throw new SerializationException(where(topic) + ": truncated Avro payload for schema id " + id + " ("
                    + reading.writer().getFullName() + "): " + (data.length - WireFormat.HEADER_SIZE)
                    + " bytes after the header end in the middle of the record", e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(where(topic) + ": malformed Avro payload for schema id " + id + " ("
                    + reading.writer().getFullName() + "): " + e, e);
        }
        int trailing = remaining(decoder);
        if (trailing > 0) {
            // Bytes the writer's schema does not account for mean the id does not describe this payload (or
            // two payloads were glued together); decoding "successfully" would hide that.
            throw new SerializationException(where(topic) + ": " + trailing + " trailing byte(s) after the record"
                    + " for schema id " + id + " (" + reading.writer().getFullName() + ")");
        }
        return value;
    }

    private Reading reading(String topic, int id) {
        Reading cached = readings.get(id);
        if (cached != null) {
            return cached;
        }
        Schema writer = writerSchema(topic, id);
        Class<?> specificClass = specificClass(topic, id, writer);
        DatumReader<Object> reader;
        if (specificClass == null) {
            reader = new GenericDatumReader<>(writer, writer, GenericData.get());
        } else {
            SpecificData model = SpecificData.getForClass(specificClass);
            reader = resolvingReader(topic, id, writer, model.getSchema(specificClass), model);
        }
        Reading reading = new Reading(writer, reader);
        readings.put(id, reading);
        return reading;
    }

    private Schema writerSchema(String topic, int id) {
        try {
            return client.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.status() == 404) {
                throw new SerializationException(where(topic) + ": unknown schema id " + id + " at " + e.url()
                        + (e.registryMessage() == null ? "" : " (" + e.registryMessage() + ")"), e);
            }
            throw new SerializationException(where(topic) + ": cannot fetch writer schema id " + id + ": "
                    + e.getMessage(), e);
        }
    }

    /** A reader from writer to reader schema, after checking up front that Avro can resolve one into the other. */
    private DatumReader<Object> resolvingReader(String topic, int id, Schema writer, Schema readerSchema,
            GenericData model) {
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException(where(topic) + ": reader schema " + readerSchema.getFullName()
                    + " cannot read writer schema id " + id + " (" + writer.getFullName() + "): "
                    + WireFormat.incompatibilities(compatibility));
        }
        return model instanceof SpecificData specific ? new SpecificDatumReader<>(writer, readerSchema, specific)
                : new GenericDatumReader<>(writer, readerSchema, model);
    }

    /** The generated class to read into, or null for generic data. */
    private Class<?> specificClass(String topic, int id, Schema writer) {
        boolean byWriterName = targetType == SpecificRecord.class
                || targetType == null && config.specificAvroReader();
        if (!byWriterName) {
            return targetType != null && SpecificRecord.class.isAssignableFrom(targetType) ? targetType : null;
        }
        if (writer.getType() != Schema.Type.RECORD) {
            return null;
        }
        Class<?> generated = SpecificData.get().getClass(writer);
        if (generated == null || !SpecificRecord.class.isAssignableFrom(generated)) {
            throw new SerializationException(where(topic) + ": no generated SpecificRecord class "
                    + writer.getFullName() + " on the classpath to read schema id " + id + " into ("
                    + AvroSerdeConfig.SPECIFIC_AVRO_READER + "=true)");
        }
        return generated;
    }

    @SuppressWarnings("unchecked")
    private T cast(String topic, Object value) {
        if (targetType != null && !targetType.isInstance(value)) {
            throw new SerializationException(where(topic) + ": read a " + value.getClass().getName()
                    + " where " + targetType.getName() + " was expected");
        }
        return (T) value;
    }

    private static int remaining(BinaryDecoder decoder) {
        try {
            int count = 0;
            while (!decoder.isEnd()) {
                decoder.skipFixed(1);
                count++;
            }
            return count;
        } catch (IOException e) {
            // A byte-array decoder cannot fail here; should it ever, the payload was fully read already.
            return 0;
        }
    }

    private String where(String topic) {
        return "topic '" + topic + "' " + (isKey ? "key" : "value");
    }
}
