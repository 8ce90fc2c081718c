package io.civicpulse.deploy.bench;

import java.util.Collection;
import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The benchmark's yardstick: the least a stateful Kafka Streams application can do with the same input, one count
 * per key in one changelogged store. Values stay bytes, so the baseline pays for consuming, one store update and
 * the transaction, nothing else; the indicator topology's cost is read against it.
 */
public final class CountTopology {

    public static final String STORE = "bench-counts";

    private CountTopology() {
    }

    public static Topology build(Collection<String> inputTopics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(List.copyOf(inputTopics), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName("bench-input"))
                .groupByKey(Grouped.as("bench-by-key"))
                .count(Named.as("bench-count"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
        return builder.build();
    }
}
