package io.civicpulse.ingest.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

class IngestMetricsTest {

    private final Clock clock = Clock.fixed(Instant.parse("2025-06-10T08:00:30Z"), ZoneOffset.UTC);

    @Test
    void feedAgeIsWallClockMinusTheNewestFeedTimestamp() {
        try (IngestMetrics metrics = new IngestMetrics("metrics-age", clock)) {
            metrics.pollSucceeded("vehicle-positions", 12, Instant.parse("2025-06-10T08:00:00Z"));

            assertThat(metrics.snapshot()).containsEntry("feed-age-seconds{feed=vehicle-positions}", 30.0);
        }
    }

    @Test
    void lastSuccessfulPollIsKeptPerFeedAndFailuresDoNotMoveIt() {
        try (IngestMetrics metrics = new IngestMetrics("metrics-last", clock)) {
            metrics.pollSucceeded("alerts", 5, null);
            metrics.pollFailed("alerts", 7);
            metrics.pollFailed("trip-updates", 7);

            assertThat(metrics.lastSuccessfulPoll("alerts")).contains(clock.instant());
            assertThat(metrics.lastSuccessfulPoll("trip-updates")).isEmpty();
            assertThat(metrics.polls("alerts")).isEqualTo(2);
            assertThat(metrics.pollFailures("alerts")).isEqualTo(1);
            assertThat(metrics.snapshot()).containsEntry("poll-latency-max-ms{feed=alerts}", 7.0);
        }
    }

    @Test
    void metricsAreVisibleInJmx() throws Exception {
        try (IngestMetrics metrics = new IngestMetrics("metrics-jmx", clock)) {
            metrics.rejected("json.invalid");

            assertThat(ManagementFactory.getPlatformMBeanServer()
                    .queryNames(new ObjectName("civicpulse.ingest:type=civicpulse-ingest,city=metrics-jmx,*"), null))
                    .isNotEmpty();
        }
    }
}
