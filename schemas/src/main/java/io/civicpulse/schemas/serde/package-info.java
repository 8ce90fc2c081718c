/**
 * Kafka serializers, deserializers and serdes for Avro in the Confluent wire format: byte 0 is the magic byte 0,
 * bytes 1-4 the registry's schema id (big-endian), then the plain Avro binary encoding of the datum.
 *
 * <p>It guarantees that bytes it writes are readable by any Confluent-compatible consumer and vice versa, that
 * null is a tombstone in both directions, that data is resolved from the writer's schema (fetched by id) to the
 * reader's with Avro's own resolution rules, and that every bad payload or registry failure surfaces as a
 * {@link org.apache.kafka.common.errors.SerializationException} saying what was wrong, with the topic.
 */
package io.civicpulse.schemas.serde;
