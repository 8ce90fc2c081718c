package io.civicpulse.ingest.simulator;

import java.time.LocalDate;
import java.util.SplittableRandom;

import io.civicpulse.ingest.simulator.TransitNetwork.Pattern;
import io.civicpulse.ingest.simulator.TransitNetwork.Trip;

/**
 * One trip on one service date as it actually runs: its scheduled and actual time at every stop visit, and
 * whether it runs at all (a ghost trip never appears in any feed) or runs without GPS. A pure function of the
 * seed, the date and the trip, so every poll, every city restart and the ground truth agree on it.
 *
 * <p>Delays: the first departure is mostly within -60..+180 s (median about +20 s), 4% leave early (up to four
 * minutes), 8% start late with an exponential tail up to 25 minutes; along the route the delay drifts by a few
 * seconds a stop, more at rush hour. 3% of trips are ghosts, 5% run without positions, 3% lose GPS halfway.
 */
public final class TripRun {

    static final int MAX_DELAY_SECONDS = 1500;
    static final int MIN_DELAY_SECONDS = -300;

    private final LocalDate serviceDate;
    private final Trip trip;
    private final Pattern pattern;
    private final long[] scheduled;
    private final long[] actual;
    private final boolean ghost;
    private final int gpsUntil;

    private TripRun(LocalDate serviceDate, Trip trip, Pattern pattern, long[] scheduled, long[] actual, boolean ghost,
                    int gpsUntil) {
        this.serviceDate = serviceDate;
        this.trip = trip;
        this.pattern = pattern;
        this.scheduled = scheduled;
        this.actual = actual;
        this.ghost = ghost;
        this.gpsUntil = gpsUntil;
    }

    /** @param dayOrigin epoch second of GTFS time 0 of the service date ({@link GtfsTime#serviceDayOrigin}) */
    static TripRun of(long seed, LocalDate serviceDate, long dayOrigin, Trip trip, Pattern pattern) {
        SplittableRandom r = new SplittableRandom(mix(seed, serviceDate.toEpochDay(), trip.ordinal()));
        boolean ghost = r.nextDouble() < 0.03;
        double gps = r.nextDouble();
        int n = pattern.size();
        int gpsUntil = gps < 0.05 ? 0 : gps < 0.08 ? n / 2 : n + 1;

        int delay;
        double kind = r.nextDouble();
        if (kind < 0.04) {
            delay = -240 + r.nextInt(180);
        } else if (kind < 0.92) {
            delay = -60 + (int) (240 * Math.pow(r.nextDouble(), 1.6));
        } else {
            delay = Math.min(MAX_DELAY_SECONDS, 181 + (int) (-300 * Math.log(1 - r.nextDouble())));
        }
        int hour = trip.startSeconds() / 3600;
        boolean rush = trip.service() == TransitNetwork.Service.WEEKDAY
                && (hour >= 7 && hour < 10 || hour >= 16 && hour < 19);
        double drift = rush ? 6 : 2;

        long[] scheduled = new long[n];
        long[] actual = new long[n];
        for (int i = 0; i < n; i++) {
            scheduled[i] = dayOrigin + trip.startSeconds() + pattern.offsetAt(i);
            if (i > 0) {
                int step = (int) Math.round(r.nextGaussian() * 10 + drift);
                delay = Math.max(MIN_DELAY_SECONDS, Math.min(MAX_DELAY_SECONDS, delay + Math.max(-20, Math.min(40, step))));
            }
            actual[i] = scheduled[i] + delay;
            if (i > 0 && actual[i] < actual[i - 1] + 20) {
                // Stops are at least a minute apart in the timetable; a vehicle still needs time between them.
                actual[i] = actual[i - 1] + 20;
            }
        }
        return new TripRun(serviceDate, trip, pattern, scheduled, actual, ghost, gpsUntil);
    }

    static long mix(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public LocalDate serviceDate() {
        return serviceDate;
    }

    public Trip trip() {
        return trip;
    }

    public Pattern pattern() {
        return pattern;
    }

    /** Never appears in any feed. */
    public boolean ghost() {
        return ghost;
    }

    public int visits() {
        return scheduled.length;
    }

    /** Scheduled epoch second of a visit: the departure of the first, the arrival of every other. */
    public long scheduled(int visit) {
        return scheduled[visit];
    }

    /** Epoch second at which the vehicle actually passes a visit. */
    public long actual(int visit) {
        return actual[visit];
    }

    public long actualStart() {
        return actual[0];
    }

    public long actualEnd() {
        return actual[actual.length - 1];
    }

    /** The first visit not yet passed at epoch second {@code t}; {@link #visits()} once the trip has ended. */
    int nextVisit(long t) {
        int lo = 0;
        int hi = actual.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (actual[mid] > t) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * What the feed predicts at a moment when {@code next} is the next visit: the next stop's prediction is
     * exact (so the last prediction before a stop is passed is when the vehicle passes it), later stops carry the
     * next stop's delay forward.
     */
    long predicted(int visit, int next) {
        if (visit == next) {
            return actual[visit];
        }
        return scheduled[visit] + (actual[next] - scheduled[next]);
    }

    /** Whether the vehicle reports positions while heading to visit {@code next}. */
    boolean gpsOn(int next) {
        return next < gpsUntil;
    }

    /** Never reports a position on this run. */
    public boolean dark() {
        return gpsUntil == 0;
    }
}
