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
    void aFailedFirstFetchOfASlowFeedIsRetriedWithinSeconds() {
        Backoff staticFeed = new Backoff(Duration.ofHours(6), Duration.ofMinutes(5));

        assertThat(staticFeed.delay(1)).isEqualTo(Backoff.DEFAULT_BASE);
        assertThat(Backoff.DEFAULT_BASE).isLessThanOrEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void eachConsecutiveFailureDoublesTheDelayFromTheBase() {
        assertThat(backoff.delay(1)).isEqualTo(Backoff.DEFAULT_BASE);
        assertThat(backoff.delay(2)).isEqualTo(Backoff.DEFAULT_BASE.multipliedBy(2));
        assertThat(backoff.delay(3)).isEqualTo(Backoff.DEFAULT_BASE.multipliedBy(4));
    }

    @Test
    void theDelayNeverExceedsTheCapHoweverLongTheFeedIsDown() {
        assertThat(backoff.delay(10)).isEqualTo(Duration.ofMinutes(5));
        assertThat(backoff.delay(10_000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aCapBelowTheBaseWins() {
        assertThat(new Backoff(Duration.ofMillis(5), Duration.ofMillis(40)).delay(1)).isEqualTo(Duration.ofMillis(40));
    }
}
