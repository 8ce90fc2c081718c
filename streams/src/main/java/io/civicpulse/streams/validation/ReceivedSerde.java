package io.civicpulse.streams.validation;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Wraps a topic's value serde so that the source keeps the raw bytes beside the value ({@link Received}). */
public final class ReceivedSerde {

    private ReceivedSerde() {
    }

    public static <V> Serde<Received<V>> wrap(Serde<V> inner) {
        Serializer<Received<V>> serializer = (topic, received) ->
                received == null ? null : inner.serializer().serialize(topic, received.value());
        Deserializer<Received<V>> deserializer = (topic, data) ->
                data == null ? null : new Received<>(inner.deserializer().deserialize(topic, data), data);
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
