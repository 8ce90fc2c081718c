package io.civicpulse.streams;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.maturity.MaturityConfig;
import io.civicpulse.streams.config.StreamsSettings;

/**
 * Runs the indicator topology against a Kafka cluster and schema registry: the wiring that
 * {@link IndicatorTopology} deliberately leaves out (settings, start, shutdown, metrics). One instance is one
 * Kafka Streams client; run more with the same application id to share the work.
 */
public final class IndicatorEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IndicatorEngine.class);

    private final Map<String, Object> settings;
    private final MaturityConfig maturity;
    private final Topology topology;
    private final KafkaStreams streams;

    /** An engine with {@code settings} completed by the defaults ({@link StreamsSettings#withDefaults}). */
    public IndicatorEngine(Map<String, Object> settings) {
        this.settings = StreamsSettings.withDefaults(Objects.requireNonNull(settings, "settings"));
        ConsumerBacklog backlog = new ConsumerBacklog();
        this.maturity = MaturityConfig.from(this.settings);
        this.topology = IndicatorTopology.build(EngineConfig.from(this.settings), maturity, this.settings, backlog);
        this.streams = new KafkaStreams(topology, StreamsSettings.asProperties(this.settings));
        backlog.readFrom(streams::metrics);
    }

    /** Settings from an optional properties file and the process environment, over the defaults. */
    public static IndicatorEngine fromEnvironment(Path propertiesFile) throws IOException {
        return new IndicatorEngine(StreamsSettings.load(propertiesFile, System.getenv()));
    }

    public void start() {
        streams.setUncaughtExceptionHandler(exception -> {
            LOG.error("indicator engine stream thread failed; replacing it", exception);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                    .REPLACE_THREAD;
        });
        streams.start();
        LOG.info("indicator engine {} started", settings.get("application.id"));
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Kafka Streams' metrics, with the engine's own in group {@code stream-civicpulse-metrics}. */
    public Map<MetricName, ? extends Metric> metrics() {
        return streams.metrics();
    }

    /** The Kafka Streams client, for interactive queries of the result stores. */
    public KafkaStreams kafkaStreams() {
        return streams;
    }

    /** The maturity configuration the engine scores with. */
    public MaturityConfig maturity() {
        return maturity;
    }

    public Topology topology() {
        return topology;
    }

    /** The settings in effect, defaults included. */
    public Map<String, Object> settings() {
        return Map.copyOf(settings);
    }

    public boolean close(Duration timeout) {
        return streams.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
