package io.civicpulse.schemas.serde;

import io.civicpulse.schemas.registry.RegistryClientConfig;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.serde.fixtures.TestReading;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;

/** Test-only schemas and byte helpers; deliberately independent of the real contracts in src/main/avro. */
final class Fixtures {

    static final String TOPIC = "readings";

    static final Schema READING = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
            .requiredString("sensor")
            .requiredDouble("value")
            .endRecord();

    /** Version 1 of {@link TestReading}: no {@code unit} yet. */
    static final Schema TEST_READING_V1 = SchemaBuilder.record("TestReading")
            .namespace("io.civicpulse.schemas.serde.fixtures").fields()
            .requiredString("sensor")
            .requiredDouble("value")
            .endRecord();

    /** Same name as {@link TestReading} but {@code value} is a string: no reader of TestReading can read it. */
    static final Schema TEST_READING_STRING_VALUE = SchemaBuilder.record("TestReading")
            .namespace("io.civicpulse.schemas.serde.fixtures").fields()
            .requiredString("sensor")
            .requiredString("value")
            .endRecord();

    private Fixtures() {
    }

    static GenericRecord reading(String sensor, double value) {
        GenericRecord record = new GenericData.Record(READING);
        record.put("sensor", sensor);
        record.put("value", value);
        return record;
    }

    static GenericRecord record(Schema schema, Object... fieldValues) {
        GenericRecord record = new GenericData.Record(schema);
        for (int i = 0; i < fieldValues.length; i++) {
            record.put(i, fieldValues[i]);
        }
        return record;
    }

    /** The plain Avro binary encoding, as a bare GenericDatumWriter produces it. */
    static byte[] avro(Schema schema, Object datum) {
        return encode(new GenericDatumWriter<>(schema), datum);
    }

    static byte[] encode(DatumWriter<Object> writer, Object datum) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writer.write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Magic byte, big-endian id, body: written out by hand so the test does not share code with the serde. */
    static byte[] framed(int id, byte[] body) {
        byte[] framed = new byte[5 + body.length];
        framed[0] = 0;
        framed[1] = (byte) (id >> 24);
        framed[2] = (byte) (id >> 16);
        framed[3] = (byte) (id >> 8);
        framed[4] = (byte) id;
        System.arraycopy(body, 0, framed, 5, body.length);
        return framed;
    }

    /** A client that fails fast: no retries, so fault tests need no backoff. */
    static SchemaRegistryClient client(String urls) {
        return new SchemaRegistryClient(RegistryClientConfig.builder(urls)
                .retries(0, Duration.ZERO, Duration.ZERO)
                .requestTimeout(Duration.ofSeconds(5))
                .build());
    }

    /** A URL on which nothing listens. */
    static String deadUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
