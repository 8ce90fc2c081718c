package io.civicpulse.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong();
    private final RateLimiter limiter = new RateLimiter(2, 3, now::get);

    @Test
    void burstIsAllowedThenTheCallerWaitsForTheNextToken() {
        assertThat(limiter.acquire("k")).isZero();
        assertThat(limiter.acquire("k")).isZero();
        assertThat(limiter.acquire("k")).isZero();
        assertThat(limiter.acquire("k")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void tokensRefillAtTheSustainedRate() {
        for (int i = 0; i < 3; i++) {
            limiter.acquire("k");
        }
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(limiter.acquire("k")).isZero();
        assertThat(limiter.acquire("k")).isPositive();
    }

    @Test
    void oneKeyFloodingDoesNotLimitAnother() {
        for (int i = 0; i < 10; i++) {
            limiter.acquire("flood");
        }
        assertThat(limiter.acquire("other")).isZero();
    }

    @Test
    void waitTimeTellsWithoutTakingAToken() {
        assertThat(limiter.waitTime("k")).isZero();
        for (int i = 0; i < 3; i++) {
            limiter.acquire("k");
        }
        assertThat(limiter.waitTime("k")).isEqualTo(Duration.ofMillis(500));
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(limiter.waitTime("k")).isZero();
        assertThat(limiter.acquire("k")).isZero();
    }

    @Test
    void refilledBucketsAreForgottenWhenThereAreMany() {
        for (int i = 0; i <= RateLimiter.EVICT_ABOVE; i++) {
            limiter.acquire("client-" + i);
        }
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        limiter.acquire("one-more");
        assertThat(limiter.size()).isLessThan(10);
    }
}
