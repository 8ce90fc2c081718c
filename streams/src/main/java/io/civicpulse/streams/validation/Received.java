package io.civicpulse.streams.validation;

/**
 * A deserialized record value together with the bytes it was read from, so that a record rejected by validation
 * can be dead-lettered with its raw payload. Holding the consumer's byte array costs no copy.
 */
public record Received<V>(V value, byte[] raw) {

    public long size() {
        return raw == null ? 0 : raw.length;
    }
}
