package io.civicpulse.streams.aggregation;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * The engine's own counters, registered with Kafka Streams' metrics so they appear beside its built-in ones (JMX,
 * {@code KafkaStreams.metrics()}): group {@code stream-civicpulse-metrics}, metric {@code <what>-total} and
 * {@code <what>-rate}, tag {@code civicpulse-id} naming the indicator or input. Sensors are per stream thread and
 * shared by its tasks.
 */
public final class EngineMetrics {

    /** Group of every metric here (Kafka Streams prefixes the scope with "stream-" and appends "-metrics"). */
    public static final String GROUP = "stream-civicpulse-metrics";
    /** Tag naming the indicator (or input) a metric counts. */
    public static final String ID_TAG = "civicpulse-id";

    public static final String LATE_BEYOND_GRACE = "late-beyond-grace";
    public static final String LATE_WITHIN_GRACE = "late-within-grace";
    public static final String LATE_LEVEL_CHANGE = "late-level-change-applied";
    public static final String DUPLICATES = "duplicate-events";
    public static final String REJECTED = "rejected-events";
    /** A per-capita value not published because the area's population is not known. */
    public static final String NO_POPULATION = "per-capita-without-population";

    private static final String SCOPE = "civicpulse";

    private final StreamsMetrics metrics;
    private final Map<String, Sensor> sensors = new HashMap<>();

    public EngineMetrics(StreamsMetrics metrics) {
        this.metrics = metrics;
    }

    /** Counts one occurrence of {@code what} for {@code id} (an indicator id, or an input plus reason). */
    public void record(String what, String id) {
        sensors.computeIfAbsent(what + "\n" + id, k -> metrics.addRateTotalSensor(SCOPE, id, what,
                Sensor.RecordingLevel.INFO)).record();
    }
}
