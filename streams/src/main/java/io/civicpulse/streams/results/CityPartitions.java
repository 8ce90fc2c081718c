package io.civicpulse.streams.results;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Where a city's results live: every contribution of a city is repartitioned by the city alone, so one partition
 * (one task, one instance) holds all its series, its maturity score and their histories. The query API finds that
 * instance with this same function, from any key that starts with the city ({@code sofia/...}).
 */
public final class CityPartitions {

    private CityPartitions() {
    }

    public static int partitionOf(String city, int partitions) {
        return Utils.toPositive(Utils.murmur2(city.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The city of a results key: the text before its first '/', or the whole key. */
    public static String cityOf(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(0, slash);
    }

    /** A partitioner for {@code KafkaStreams.queryMetadataForKey} over keys that start with the city. */
    public static StreamPartitioner<String, Object> byCity() {
        return new StreamPartitioner<>() {
            @Override
            public Optional<Set<Integer>> partitions(String topic, String key, Object value, int partitions) {
                return Optional.of(Set.of(partitionOf(cityOf(key), partitions)));
            }
        };
    }
}
