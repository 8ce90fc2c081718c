package io.civicpulse.ingest.poll;

import java.time.Duration;

/**
 * How long a poller waits before its next poll: its interval while the feed works, then doubling with each
 * consecutive failure up to a cap, so a feed that is down is not hammered and one that recovers is picked up
 * again within the cap.
 */
public record Backoff(Duration interval, Duration cap) {

    public Backoff {
        if (cap.compareTo(interval) < 0) {
            cap = interval;
        }
    }

    /** The delay after {@code consecutiveFailures} failed polls in a row (0 = the last poll worked). */
    public Duration delay(int consecutiveFailures) {
        if (consecutiveFailures <= 0) {
            return interval;
        }
        // Past 2^20 the cap has long been reached; stopping the shift there keeps the multiplication from overflowing.
        long factor = 1L << Math.min(consecutiveFailures, 20);
        long millis = interval.toMillis();
        return millis > cap.toMillis() / factor ? cap : Duration.ofMillis(millis * factor);
    }
}
