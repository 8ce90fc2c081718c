package io.civicpulse.schemas.serde;

import java.util.stream.Collectors;
import org.apache.avro.SchemaCompatibility;

/** The Confluent framing shared by serializer and deserializer, kept in one place so the two cannot drift. */
final class WireFormat {

    static final byte MAGIC_BYTE = 0;
    /** Magic byte plus the 4-byte schema id. */
    static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    static void writeHeader(byte[] target, int schemaId) {
        target[0] = MAGIC_BYTE;
        target[1] = (byte) (schemaId >>> 24);
        target[2] = (byte) (schemaId >>> 16);
        target[3] = (byte) (schemaId >>> 8);
        target[4] = (byte) schemaId;
    }

    static int readSchemaId(byte[] payload) {
        return (payload[1] & 0xff) << 24 | (payload[2] & 0xff) << 16 | (payload[3] & 0xff) << 8 | payload[4] & 0xff;
    }

    /** Avro's own account of why a reader cannot read a writer, one clause per incompatibility. */
    static String incompatibilities(SchemaCompatibility.SchemaPairCompatibility compatibility) {
        return compatibility.getResult().getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
                .collect(Collectors.joining("; "));
    }
}
