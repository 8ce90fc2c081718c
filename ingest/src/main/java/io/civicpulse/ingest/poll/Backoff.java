package io.civicpulse.ingest.poll;

import java.time.Duration;

/**
 * How long a poller waits before its next poll: its interval while the feed works; after a failure a short base
 * delay, doubling with each consecutive failure up to a cap. The failure delays do not grow from the interval: a
 * static feed polled every 6 h that times out once at start-up would otherwise stay empty for half a day, while a
 * blip is usually gone seconds later. The cap keeps a feed that is down from being hammered.
 */
public record Backoff(Duration interval, Duration base, Duration cap) {

    /** The first retry after a failure, unless the cap is shorter. */
    public static final Duration DEFAULT_BASE = Duration.ofSeconds(5);

    public Backoff {
        if (base.compareTo(cap) > 0) {
            base = cap;
        }
        if (base.isZero() || base.isNegative()) {
            base = Duration.ofMillis(1);
        }
    }

    /** Failures back off from {@link #DEFAULT_BASE} up to {@code cap}. */
    public Backoff(Duration interval, Duration cap) {
        this(interval, DEFAULT_BASE, cap);
    }

    /** The delay after {@code consecutiveFailures} failed polls in a row (0 = the last poll worked). */
    public Duration delay(int consecutiveFailures) {
        if (consecutiveFailures <= 0) {
            return interval;
        }
        // Past 2^20 the cap has long been reached; stopping the shift there keeps the multiplication from overflowing.
        long factor = 1L << Math.min(consecutiveFailures - 1, 20);
        long millis = base.toMillis();
        return millis > cap.toMillis() / factor ? cap : Duration.ofMillis(millis * factor);
    }
}
