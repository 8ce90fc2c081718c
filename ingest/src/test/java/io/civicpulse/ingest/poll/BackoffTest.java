package io.civicpulse.ingest.poll;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5));

    @Test
    void aWorkingFeedIsPolledAtItsInterval() {
        assertThat(backoff.delay(0)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void eachConsecutiveFailureDoublesTheDelay() {
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(20));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofSeconds(40));
        assertThat(backoff.delay(3)).isEqualTo(Duration.ofSeconds(80));
    }

    @Test
    void theDelayNeverExceedsTheCapHoweverLongTheFeedIsDown() {
        assertThat(backoff.delay(5)).isEqualTo(Duration.ofMinutes(5));
        assertThat(backoff.delay(10_000)).isEqualTo(Duration.ofMinutes(5));
    }
}
