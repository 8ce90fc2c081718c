package io.civicpulse.streams.transit;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * What is known of one planned run (service date, trip, run start) until it is decided, 30 minutes after its first
 * scheduled departure: whether a trip update and a vehicle position were seen within 30 minutes of the departure,
 * and whether the newest trip update for it says CANCELED.
 */
final class RunState {

    private static final byte FORMAT = 1;

    final String routeId;
    final boolean frequencyBased;
    boolean tripUpdateSeen;
    boolean positionSeen;
    boolean canceled;
    /** Update time of the newest trip update for the run, which decides {@link #canceled}. */
    long lastTripUpdateMs = Long.MIN_VALUE;

    RunState(String routeId, boolean frequencyBased) {
        this.routeId = routeId;
        this.frequencyBased = frequencyBased;
    }

    /** Served: seen live within 30 minutes of the departure, and not canceled. */
    boolean served() {
        return !canceled && (tripUpdateSeen || positionSeen);
    }

    /** In pt.gps-tracked-trips: a run with a trip update that a vehicle position can name (not frequency-based). */
    boolean trackable() {
        return !canceled && tripUpdateSeen && !frequencyBased;
    }

    /** Applies a trip update's schedule relationship when it is the newest seen for the run. */
    void tripUpdate(long timeMs, boolean canceledByIt) {
        if (timeMs >= lastTripUpdateMs) {
            lastTripUpdateMs = timeMs;
            canceled = canceledByIt;
        }
    }

    static Serde<RunState> serde() {
        return StateSerdes.of("run state", RunState::write, RunState::read);
    }

    private static void write(RunState run, DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeUTF(run.routeId);
        out.writeBoolean(run.frequencyBased);
        out.writeBoolean(run.tripUpdateSeen);
        out.writeBoolean(run.positionSeen);
        out.writeBoolean(run.canceled);
        out.writeLong(run.lastTripUpdateMs);
    }

    private static RunState read(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown run state format " + format);
        }
        RunState run = new RunState(in.readUTF(), in.readBoolean());
        run.tripUpdateSeen = in.readBoolean();
        run.positionSeen = in.readBoolean();
        run.canceled = in.readBoolean();
        run.lastTripUpdateMs = in.readLong();
        return run;
    }
}
