package io.civicpulse.streams.mobility;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * What is known of one trip on one service date: its route, the newest feed time seen for it, and each stop visit
 * predicted so far with its newest prediction, until the visit is observed (then it is kept, marked done, so that it
 * is observed once and later visits of the same stop are numbered right). Mutable, not thread-safe.
 */
final class TripPredictions {

    private static final byte FORMAT_VERSION = 1;

    /** One scheduled visit of a stop: identified by stop and scheduled time. */
    static final class Visit {
        final String stopId;
        final long scheduledMs;
        long predictedMs;
        long ingestedAtMs;
        boolean done;

        Visit(String stopId, long scheduledMs, long predictedMs, long ingestedAtMs, boolean done) {
            this.stopId = stopId;
            this.scheduledMs = scheduledMs;
            this.predictedMs = predictedMs;
            this.ingestedAtMs = ingestedAtMs;
            this.done = done;
        }
    }

    String routeId;
    long lastFeedMs;
    final List<Visit> visits = new ArrayList<>();

    TripPredictions(String routeId, long lastFeedMs) {
        this.routeId = routeId;
        this.lastFeedMs = lastFeedMs;
    }

    Visit find(String stopId, long scheduledMs) {
        for (Visit visit : visits) {
            if (visit.scheduledMs == scheduledMs && visit.stopId.equals(stopId)) {
                return visit;
            }
        }
        return null;
    }

    /** 1-based number of the visit among the trip's known visits of the same stop, in scheduled order. */
    int visitNumber(Visit of) {
        int number = 1;
        for (Visit visit : visits) {
            if (visit.stopId.equals(of.stopId) && visit.scheduledMs < of.scheduledMs) {
                number++;
            }
        }
        return number;
    }

    boolean allDone() {
        for (Visit visit : visits) {
            if (!visit.done) {
                return false;
            }
        }
        return true;
    }

    static Serde<TripPredictions> serde() {
        return StateSerdes.of("trip predictions", TripPredictions::writeTo, TripPredictions::readFrom);
    }

    private static void writeTo(TripPredictions trip, DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeUTF(trip.routeId);
        out.writeLong(trip.lastFeedMs);
        out.writeInt(trip.visits.size());
        for (Visit visit : trip.visits) {
            out.writeUTF(visit.stopId);
            out.writeLong(visit.scheduledMs);
            out.writeLong(visit.predictedMs);
            out.writeLong(visit.ingestedAtMs);
            out.writeBoolean(visit.done);
        }
    }

    private static TripPredictions readFrom(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT_VERSION, "trip predictions");
        TripPredictions trip = new TripPredictions(in.readUTF(), in.readLong());
        int visits = in.readInt();
        for (int i = 0; i < visits; i++) {
            trip.visits.add(new Visit(in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readBoolean()));
        }
        return trip;
    }
}
