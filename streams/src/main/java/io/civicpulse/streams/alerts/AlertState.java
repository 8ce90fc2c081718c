package io.civicpulse.streams.alerts;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * One alert as pt.alert-affected-routes counts it: the version (alertTime) applied, the routes it names, its active
 * periods, whether it left the feed, whether it is in effect (its routes counted) as of {@code evaluatedToMs}, and
 * the input partition it came from (the source its period changes are attributed to).
 */
final class AlertState {

    private static final byte FORMAT_VERSION = 1;
    /** No boundary ahead. */
    static final long NONE = Long.MAX_VALUE;

    final long versionMs;
    final boolean removed;
    final Set<String> routes;
    final List<long[]> periods;
    final String sourceTopic;
    final int sourcePartition;
    boolean inEffect;
    long evaluatedToMs;

    AlertState(long versionMs, boolean removed, Set<String> routes, List<long[]> periods, String sourceTopic,
               int sourcePartition, boolean inEffect, long evaluatedToMs) {
        this.versionMs = versionMs;
        this.removed = removed;
        this.routes = Set.copyOf(new TreeSet<>(routes));
        this.periods = List.copyOf(periods);
        this.sourceTopic = sourceTopic;
        this.sourcePartition = sourcePartition;
        this.inEffect = inEffect;
        this.evaluatedToMs = evaluatedToMs;
    }

    /** True when the alert is in effect at {@code timeMs}: in the feed, and within one of its periods (if any). */
    boolean inEffectAt(long timeMs) {
        if (removed) {
            return false;
        }
        if (periods.isEmpty()) {
            return true;
        }
        for (long[] period : periods) {
            if (period[0] <= timeMs && timeMs < period[1]) {
                return true;
            }
        }
        return false;
    }

    /** The first period start or end after {@code timeMs}, or {@link #NONE}. */
    long nextBoundaryAfter(long timeMs) {
        long next = NONE;
        if (removed) {
            return next;
        }
        for (long[] period : periods) {
            for (long boundary : period) {
                if (boundary > timeMs && boundary != Long.MIN_VALUE && boundary != Long.MAX_VALUE) {
                    next = Math.min(next, boundary);
                }
            }
        }
        return next;
    }

    static Serde<AlertState> serde() {
        return StateSerdes.of("alert state", AlertState::writeTo, AlertState::readFrom);
    }

    private static void writeTo(AlertState state, DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeLong(state.versionMs);
        out.writeBoolean(state.removed);
        writeRoutesAndPeriods(state.routes, state.periods, out);
        out.writeUTF(state.sourceTopic);
        out.writeInt(state.sourcePartition);
        out.writeBoolean(state.inEffect);
        out.writeLong(state.evaluatedToMs);
    }

    private static AlertState readFrom(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT_VERSION, "alert state");
        long versionMs = in.readLong();
        boolean removed = in.readBoolean();
        Set<String> routes = readRoutes(in);
        List<long[]> periods = readPeriods(in);
        return new AlertState(versionMs, removed, routes, periods, in.readUTF(), in.readInt(), in.readBoolean(),
                in.readLong());
    }

    /** An alert's routes (sorted) and active periods in the alerts' binary formats (state and repartition alike). */
    static void writeRoutesAndPeriods(Set<String> routes, List<long[]> periods, DataOutput out) throws IOException {
        out.writeInt(routes.size());
        for (String route : new TreeSet<>(routes)) {
            out.writeUTF(route);
        }
        out.writeInt(periods.size());
        for (long[] period : periods) {
            out.writeLong(period[0]);
            out.writeLong(period[1]);
        }
    }

    /** The routes {@link #writeRoutesAndPeriods} wrote. */
    static Set<String> readRoutes(DataInput in) throws IOException {
        int count = in.readInt();
        Set<String> routes = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            routes.add(in.readUTF());
        }
        return routes;
    }

    /** The periods {@link #writeRoutesAndPeriods} wrote, read after {@link #readRoutes}. */
    static List<long[]> readPeriods(DataInput in) throws IOException {
        int count = in.readInt();
        List<long[]> periods = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            periods.add(new long[] {in.readLong(), in.readLong()});
        }
        return periods;
    }
}
