package io.civicpulse.streams.transit;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * One city's progress through its realtime feeds, as the trip-run processor keeps it: the newest realtime time
 * seen (which opens sighting windows and plans service dates), the departure before which every run is decided,
 * the last service date planned, and the next pane whose scheduled routes and stops (realtime coverage) are to be
 * sent.
 */
final class CityRunClock {

    private static final byte FORMAT = 1;
    /** Format 1 followed by {@link #coverageNextMs}. */
    private static final byte FORMAT_COVERAGE = 2;

    long newestMs;
    long decidedBeforeMs = Long.MIN_VALUE;
    /** Epoch day of the last service date planned; {@link Integer#MIN_VALUE} before the first. */
    int plannedThrough = Integer.MIN_VALUE;
    /** Start of the next pane whose scheduled coverage members are to be sent; Long.MIN_VALUE before the first. */
    long coverageNextMs = Long.MIN_VALUE;

    CityRunClock(long newestMs) {
        this.newestMs = newestMs;
    }

    static Serde<CityRunClock> serde() {
        return StateSerdes.of("city run clock", CityRunClock::write, CityRunClock::read);
    }

    private static void write(CityRunClock clock, DataOutput out) throws IOException {
        out.writeByte(FORMAT_COVERAGE);
        out.writeLong(clock.newestMs);
        out.writeLong(clock.decidedBeforeMs);
        out.writeInt(clock.plannedThrough);
        out.writeLong(clock.coverageNextMs);
    }

    private static CityRunClock read(DataInput in) throws IOException {
        byte format = StateSerdes.readFormat(in, FORMAT, FORMAT_COVERAGE, "city run clock");
        CityRunClock clock = new CityRunClock(in.readLong());
        clock.decidedBeforeMs = in.readLong();
        clock.plannedThrough = in.readInt();
        if (format == FORMAT_COVERAGE) {
            clock.coverageNextMs = in.readLong();
        }
        return clock;
    }

    /** Serde of a service's active epoch days. */
    static Serde<int[]> daysSerde() {
        return StateSerdes.of("service days", (days, out) -> {
            out.writeByte(FORMAT);
            out.writeInt(days.length);
            for (int day : days) {
                out.writeInt(day);
            }
        }, in -> {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IOException("unknown service days format " + format);
            }
            int[] days = new int[in.readInt()];
            for (int i = 0; i < days.length; i++) {
                days[i] = in.readInt();
            }
            return days;
        });
    }

    /** Serde of a trip plan. */
    static Serde<TripPlan> planSerde() {
        return StateSerdes.of("trip plan", (plan, out) -> plan.writeTo(out), TripPlan::readFrom);
    }
}
