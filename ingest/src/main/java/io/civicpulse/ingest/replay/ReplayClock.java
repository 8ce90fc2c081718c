package io.civicpulse.ingest.replay;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A replay's time: at the recording's first snapshot until started, then either running at a speed factor of real
 * time or stepped from snapshot to snapshot by the replay itself. Never goes backwards. A {@link Clock}, so the
 * pollers of a replay can run on it and judge feed ages and future timestamps by recorded time.
 */
final class ReplayClock extends Clock {

    private static final long NOT_STARTED = Long.MIN_VALUE;

    private final Instant first;
    private final double speed;
    private final LongSupplier nanoTime;
    private final AtomicLong startNanos = new AtomicLong(NOT_STARTED);
    private final AtomicLong steppedMillis;

    private ReplayClock(Instant first, double speed, LongSupplier nanoTime) {
        this.first = first;
        this.speed = speed;
        this.nanoTime = nanoTime;
        this.steppedMillis = nanoTime == null ? new AtomicLong(first.toEpochMilli()) : null;
    }

    /** A clock that moves only when {@link #stepTo} moves it. */
    static ReplayClock stepped(Instant first) {
        return new ReplayClock(first, 0, null);
    }

    /** A clock that, once {@link #start}ed, advances {@code speed} recorded seconds per real second. */
    static ReplayClock running(Instant first, double speed, LongSupplier nanoTime) {
        if (!(speed > 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("speed must be a positive factor of real time, got " + speed);
        }
        return new ReplayClock(first, speed, nanoTime);
    }

    /** Starts a running clock; later calls do nothing. */
    void start() {
        if (nanoTime != null) {
            startNanos.compareAndSet(NOT_STARTED, nanoTime.getAsLong());
        }
    }

    boolean isStepped() {
        return nanoTime == null;
    }

    /** Simulated seconds per real second; 0 for a stepped clock. */
    double speed() {
        return speed;
    }

    void stepTo(Instant to) {
        if (steppedMillis == null) {
            throw new IllegalStateException("a running replay clock follows real time; only a stepped one is moved");
        }
        steppedMillis.accumulateAndGet(to.toEpochMilli(), Math::max);
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public long millis() {
        if (steppedMillis != null) {
            return steppedMillis.get();
        }
        long started = startNanos.get();
        if (started == NOT_STARTED) {
            return first.toEpochMilli();
        }
        return first.toEpochMilli() + (long) ((nanoTime.getAsLong() - started) * speed / 1_000_000);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** Recorded time has no zone of its own; each city applies its own. Returns this clock. */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
