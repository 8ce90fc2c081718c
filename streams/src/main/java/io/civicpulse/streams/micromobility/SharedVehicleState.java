package io.civicpulse.streams.micromobility;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.schemas.mobility.AvailabilityKind;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * What one GBFS station or free vehicle is counted as in the micromobility levels, by which report, and when the
 * pipeline last received it (for forgetting entries that stopped appearing).
 *
 * @param station      a station (else a single vehicle)
 * @param reportedMs   lastReported of the status applied: an older report changes nothing
 * @param seenMs       ingestedAt of the newest record of this entry
 * @param installed    counted in the denominator of station availability (installed stations)
 * @param withVehicle  counted in its numerator (installed, renting, at least one vehicle available)
 * @param vehicles     available vehicles counted in vehicles-available-per-100k
 */
record SharedVehicleState(boolean station, long reportedMs, long seenMs, boolean installed, boolean withVehicle,
                          int vehicles) {

    private static final byte FORMAT_VERSION = 1;

    /** The state a record describes. */
    static SharedVehicleState of(SharedVehicleAvailability event, long seenMs) {
        long reported = event.getLastReported().toEpochMilli();
        if (event.getKind() == AvailabilityKind.STATION) {
            boolean installed = event.getIsInstalled();
            // Vehicles at a station that is not renting cannot be taken: they are not available.
            boolean renting = installed && event.getIsRenting();
            int vehicles = renting ? event.getNumVehiclesAvailable() : 0;
            return new SharedVehicleState(true, reported, seenMs, installed, vehicles > 0, vehicles);
        }
        // A v3 vehicle docked at a station is already in that station's num_vehicles_available.
        boolean docked = event.getStationId() != null;
        int vehicles = !docked && event.getNumVehiclesAvailable() == 1 ? 1 : 0;
        return new SharedVehicleState(false, reported, seenMs, false, false, vehicles);
    }

    /** True when a record of ({@code reportedMs}, {@code seenMs}) is not newer than this state. */
    boolean supersedes(long otherReportedMs, long otherSeenMs) {
        return otherReportedMs < reportedMs || (otherReportedMs == reportedMs && otherSeenMs <= seenMs);
    }

    static Serde<SharedVehicleState> serde() {
        return StateSerdes.of("shared vehicle state", SharedVehicleState::writeTo, SharedVehicleState::readFrom);
    }

    private static void writeTo(SharedVehicleState state, DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeBoolean(state.station);
        out.writeLong(state.reportedMs);
        out.writeLong(state.seenMs);
        out.writeBoolean(state.installed);
        out.writeBoolean(state.withVehicle);
        out.writeInt(state.vehicles);
    }

    private static SharedVehicleState readFrom(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT_VERSION, "shared vehicle state");
        return new SharedVehicleState(in.readBoolean(), in.readLong(), in.readLong(), in.readBoolean(),
                in.readBoolean(), in.readInt());
    }
}
