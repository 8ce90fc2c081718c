package io.civicpulse.streams.transit;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * One scheduled trip reduced to what decides its runs: route, service id, and the first scheduled departure of
 * each run in GTFS seconds after the service date's reference time (noon minus 12 h). A trip that runs once has
 * one run, at its first stop time's departure; a frequency-based trip has one run per headway of each
 * frequencies.txt period, starting at {@code start + k * headway} while before the period's end. For the realtime
 * coverage indicators it also keeps the trip's stops and their arrivals as offsets from the first departure (every
 * run keeps the template's offsets): two arrays per trip, since a day of Sofia's schedule has about a million stop
 * times.
 *
 * @param periods     for a frequency-based trip, its periods as {start, end, headway} seconds; empty otherwise
 * @param stopIds     the trip's stops in stop-sequence order (a stop visited twice appears twice)
 * @param stopOffsets the scheduled arrival at each of {@code stopIds}, in seconds after the run's first departure
 */
record TripPlan(String routeId, String serviceId, int firstDepartureSeconds, int[][] periods, String[] stopIds,
                int[] stopOffsets) {

    /** A Sofia trip can be planned up to this many days after its service date (stop times past 48:00 are not). */
    static final int MAX_DAYS_AFTER_SERVICE_DATE = 2;
    private static final byte FORMAT = 1;
    /** Format 1 followed by the stops and their offsets. */
    private static final byte FORMAT_STOPS = 2;

    TripPlan {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(serviceId, "serviceId");
        Objects.requireNonNull(periods, "periods");
        Objects.requireNonNull(stopIds, "stopIds");
        Objects.requireNonNull(stopOffsets, "stopOffsets");
        if (stopIds.length != stopOffsets.length) {
            throw new IllegalArgumentException("one offset per stop: " + stopIds.length + " != " + stopOffsets.length);
        }
    }

    /** A trip without its stops (as stored before the coverage indicators): in operation at its first departure. */
    TripPlan(String routeId, String serviceId, int firstDepartureSeconds, int[][] periods) {
        this(routeId, serviceId, firstDepartureSeconds, periods, new String[0], new int[0]);
    }

    /** Seconds from a run's first departure to its last scheduled arrival (0 without stops). */
    int durationSeconds() {
        int last = 0;
        for (int offset : stopOffsets) {
            last = Math.max(last, offset);
        }
        return last;
    }

    boolean frequencyBased() {
        return periods.length > 0;
    }

    /** The first departure of every run, in GTFS seconds, ascending within each period. */
    int[] runStarts() {
        if (!frequencyBased()) {
            return new int[] {firstDepartureSeconds};
        }
        int count = 0;
        for (int[] period : periods) {
            count += Math.max(0, (period[1] - period[0] + period[2] - 1) / period[2]);
        }
        int[] starts = new int[count];
        int i = 0;
        for (int[] period : periods) {
            for (int start = period[0]; start < period[1]; start += period[2]) {
                starts[i++] = start;
            }
        }
        return starts;
    }

    /**
     * The run a trip descriptor's start time names: the run starting exactly then (exact_times = 1), or otherwise
     * the run whose start is nearest to it (exact_times = 0 lets the feed's start time deviate from the headway
     * grid); the earlier one on a tie. Only for a frequency-based trip.
     */
    int runNamedBy(int startTimeSeconds) {
        int best = Integer.MIN_VALUE;
        long bestDistance = Long.MAX_VALUE;
        for (int start : runStarts()) {
            long distance = Math.abs((long) start - startTimeSeconds);
            if (distance < bestDistance || (distance == bestDistance && start < best)) {
                best = start;
                bestDistance = distance;
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TripPlan plan && routeId.equals(plan.routeId) && serviceId.equals(plan.serviceId)
                && firstDepartureSeconds == plan.firstDepartureSeconds && Arrays.deepEquals(periods, plan.periods)
                && Arrays.equals(stopIds, plan.stopIds) && Arrays.equals(stopOffsets, plan.stopOffsets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(routeId, serviceId, firstDepartureSeconds, Arrays.deepHashCode(periods),
                Arrays.hashCode(stopIds), Arrays.hashCode(stopOffsets));
    }

    @Override
    public String toString() {
        return "TripPlan[" + routeId + ", " + serviceId + ", " + firstDepartureSeconds + ", "
                + Arrays.deepToString(periods) + ", " + stopIds.length + " stops]";
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_STOPS);
        out.writeUTF(routeId);
        out.writeUTF(serviceId);
        out.writeInt(firstDepartureSeconds);
        out.writeInt(periods.length);
        for (int[] period : periods) {
            out.writeInt(period[0]);
            out.writeInt(period[1]);
            out.writeInt(period[2]);
        }
        out.writeInt(stopIds.length);
        for (int i = 0; i < stopIds.length; i++) {
            out.writeUTF(stopIds[i]);
            out.writeInt(stopOffsets[i]);
        }
    }

    static TripPlan readFrom(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_STOPS) {
            throw new IOException("unknown trip plan format " + format);
        }
        String routeId = in.readUTF();
        String serviceId = in.readUTF();
        int first = in.readInt();
        int[][] periods = new int[in.readInt()][];
        for (int i = 0; i < periods.length; i++) {
            periods[i] = new int[] {in.readInt(), in.readInt(), in.readInt()};
        }
        if (format == FORMAT) {
            return new TripPlan(routeId, serviceId, first, periods);
        }
        String[] stops = new String[in.readInt()];
        int[] offsets = new int[stops.length];
        for (int i = 0; i < stops.length; i++) {
            stops[i] = in.readUTF();
            offsets[i] = in.readInt();
        }
        return new TripPlan(routeId, serviceId, first, periods, stops, offsets);
    }
}
