package io.civicpulse.ingest.intake;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (an API key's name, or a client address): a sustained number of requests per second with
 * a burst on top. One key flooding the intake is answered 429 with the time until its next token, and does not
 * slow any other key. Buckets that have refilled are forgotten once there are many, so a flood of distinct
 * addresses cannot grow the map without bound.
 */
public final class RateLimiter {

    private final double tokensPerNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    /** Above this many buckets, full ones are dropped: a full bucket is what a new key would get anyway. */
    static final int EVICT_ABOVE = 10_000;

    public RateLimiter(double requestsPerSecond, int burst, LongSupplier nanoTime) {
        if (requestsPerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("rate must be positive and burst at least 1");
        }
        this.tokensPerNano = requestsPerSecond / 1e9;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /** Returns zero when the request may proceed, else how long until it would. */
    public Duration acquire(String key) {
        return take(key, true);
    }

    /** Like {@link #acquire} without taking a token: whether {@code key} would have to wait, and how long. */
    public Duration waitTime(String key) {
        return buckets.containsKey(key) ? take(key, false) : Duration.ZERO;
    }

    private Duration take(String key, boolean consume) {
        if (buckets.size() > EVICT_ABOVE) {
            evictFull();
        }
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, nanoTime.getAsLong()));
        synchronized (bucket) {
            refill(bucket);
            if (bucket.tokens >= 1) {
                if (consume) {
                    bucket.tokens -= 1;
                }
                return Duration.ZERO;
            }
            return Duration.ofNanos((long) Math.ceil((1 - bucket.tokens) / tokensPerNano));
        }
    }

    private void refill(Bucket bucket) {
        long now = nanoTime.getAsLong();
        bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updatedAt) * tokensPerNano);
        bucket.updatedAt = now;
    }

    private void evictFull() {
        buckets.values().removeIf(bucket -> {
            synchronized (bucket) {
                refill(bucket);
                return bucket.tokens >= burst;
            }
        });
    }

    int size() {
        return buckets.size();
    }

    private static final class Bucket {
        double tokens;
        long updatedAt;

        Bucket(double tokens, long updatedAt) {
            this.tokens = tokens;
            this.updatedAt = updatedAt;
        }
    }
}
