package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ConsumerBacklog} reads the consumers' per-partition {@code records-lag} from a real metrics registry, named
 * and tagged as the Kafka consumer names and tags them.
 */
class ConsumerBacklogTest {

    private static final String SESSIONS = "civicpulse.services.sessions.v1";
    private final Metrics metrics = new Metrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private void lag(String clientId, String topic, int partition, double lag) {
        MetricName name = metrics.metricName("records-lag", "consumer-fetch-manager-metrics", "",
                Map.of("client-id", clientId, "topic", topic.replace('.', '_'), "partition",
                        Integer.toString(partition)));
        metrics.addMetric(name, (Measurable) (config, now) -> lag);
    }

    private ConsumerBacklog backlog() {
        ConsumerBacklog backlog = new ConsumerBacklog();
        backlog.readFrom(metrics::metrics);
        return backlog;
    }

    @Test
    void aPartitionWithRecordsBeyondItsFetchPositionIsBehind() {
        lag("app-StreamThread-1-consumer", SESSIONS, 2, 1500);
        lag("app-StreamThread-1-consumer", SESSIONS, 3, 0);
        lag("app-StreamThread-1-consumer", SESSIONS, 4, Double.NaN); // not fetched yet

        ConsumerBacklog backlog = backlog();

        assertThat(backlog.behind(SESSIONS, 2)).isTrue();
        assertThat(backlog.behind(SESSIONS, 3)).isFalse();
        assertThat(backlog.behind(SESSIONS, 4)).isFalse();
        assertThat(backlog.behind("civicpulse.services.payments.v1", 2)).isFalse();
    }

    @Test
    void changelogsBeingRestoredAreNotInput() {
        lag("app-StreamThread-1-restore-consumer", "app-indicator-panes-changelog", 0, 90_000);
        lag("app-StreamThread-1-consumer", SESSIONS, 0, 0);

        assertThat(backlog().behind("app-indicator-panes-changelog", 0)).isFalse();
    }

    @Test
    void nothingIsKnownBeforeTheClientsMetricsAreRead() {
        lag("app-StreamThread-1-consumer", SESSIONS, 2, 1500);

        ConsumerBacklog backlog = new ConsumerBacklog();

        assertThat(backlog.behind(SESSIONS, 2)).isFalse();
    }
}
