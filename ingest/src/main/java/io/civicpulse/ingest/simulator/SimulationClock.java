package io.civicpulse.ingest.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Simulated time. A running clock starts at a chosen instant (a DST day, a rush hour) and advances at a speed
 * factor of real time (1 = real time, 60 = an hour a minute); a manual clock moves only when told, which is what
 * deterministic tests use. Never goes backwards. Extends {@link Clock} so that any code taking a Clock can run on
 * simulated time.
 */
public final class SimulationClock extends Clock {

    private final Instant start;
    private final double speed;
    private final LongSupplier nanoTime;
    private final long startNanos;
    private final AtomicLong manualMillis;

    private SimulationClock(Instant start, double speed, LongSupplier nanoTime, AtomicLong manualMillis) {
        this.start = start;
        this.speed = speed;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime == null ? 0 : nanoTime.getAsLong();
        this.manualMillis = manualMillis;
    }

    /** A clock at {@code start} now, advancing {@code speed} simulated seconds per real second. */
    public static SimulationClock running(Instant start, double speed) {
        return running(start, speed, System::nanoTime);
    }

    static SimulationClock running(Instant start, double speed, LongSupplier nanoTime) {
        if (!(speed > 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("speed must be a positive factor of real time, got " + speed);
        }
        return new SimulationClock(start, speed, nanoTime, null);
    }

    /** A clock that stays at {@code start} until {@link #advance} or {@link #set} moves it. */
    public static SimulationClock manual(Instant start) {
        return new SimulationClock(start, 0, null, new AtomicLong(start.toEpochMilli()));
    }

    @Override
    public Instant instant() {
        if (manualMillis != null) {
            return Instant.ofEpochMilli(manualMillis.get());
        }
        long elapsed = nanoTime.getAsLong() - startNanos;
        return start.plusNanos((long) (elapsed * speed));
    }

    @Override
    public long millis() {
        return instant().toEpochMilli();
    }

    public Instant start() {
        return start;
    }

    /** Simulated seconds per real second; 0 for a manual clock. */
    public double speed() {
        return speed;
    }

    public boolean isManual() {
        return manualMillis != null;
    }

    /** Moves a manual clock forward. */
    public void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("simulated time never goes backwards: " + by);
        }
        requireManual().addAndGet(by.toMillis());
    }

    /** Moves a manual clock to an instant at or after its current one. */
    public void set(Instant to) {
        AtomicLong millis = requireManual();
        long target = to.toEpochMilli();
        long current = millis.get();
        if (target < current) {
            throw new IllegalArgumentException("simulated time never goes backwards: " + to + " is before "
                    + Instant.ofEpochMilli(current));
        }
        millis.set(target);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** Simulated time has no zone of its own; each city applies its own. Returns this clock. */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    private AtomicLong requireManual() {
        if (manualMillis == null) {
            throw new IllegalStateException("a running clock follows real time; only a manual clock can be moved");
        }
        return manualMillis;
    }
}
