package io.civicpulse.streams.alerts;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * A checked input of pt.alert-affected-routes: a route entering or leaving the static feed, one state of a service
 * alert, or an input that cannot be used. Routes and alerts are keyed differently on their topics (route id, alert
 * id), so the checked, compact form of both travels one repartition topic keyed by city to the task that holds the
 * city's routes and alerts together.
 */
sealed interface AlertInput {

    String city();

    /** A route of the city's static feed ({@code present}) or its removal (a tombstone), published at {@code timeMs}. */
    record RouteChange(String city, String routeId, boolean present, long timeMs, EventOrigin origin)
            implements AlertInput {
    }

    /**
     * One state of an alert.
     *
     * @param routes  the route ids its informed entities name
     * @param periods its active periods as [start, end) pairs, {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE} for an
     *                open start / end; empty = active while in the feed
     */
    record AlertChange(String city, String feedId, String alertId, long alertTimeMs, long feedTimeMs,
                       boolean removed, Set<String> routes, List<long[]> periods, EventOrigin origin)
            implements AlertInput {

        public AlertChange {
            routes = Set.copyOf(new TreeSet<>(routes));
            periods = List.copyOf(periods);
        }
    }

    /** An input that cannot be used, as the dead letter to publish; never repartitioned. */
    record Invalid(String city, DeadLetter deadLetter) implements AlertInput {
    }

    /** The serde of the repartition topic: route and alert changes only. */
    static Serde<AlertInput> serde() {
        return StateSerdes.of("alert input", AlertInput::writeTo, AlertInput::readFrom);
    }

    byte FORMAT_VERSION = 1;
    byte ROUTE = 1;
    byte ALERT = 2;

    private static void writeTo(AlertInput input, DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        if (input instanceof RouteChange route) {
            out.writeByte(ROUTE);
            out.writeUTF(route.city());
            out.writeUTF(route.routeId());
            out.writeBoolean(route.present());
            out.writeLong(route.timeMs());
            StateSerdes.writeOrigin(route.origin(), out);
        } else if (input instanceof AlertChange alert) {
            out.writeByte(ALERT);
            out.writeUTF(alert.city());
            out.writeUTF(alert.feedId());
            out.writeUTF(alert.alertId());
            out.writeLong(alert.alertTimeMs());
            out.writeLong(alert.feedTimeMs());
            out.writeBoolean(alert.removed());
            AlertState.writeRoutesAndPeriods(alert.routes(), alert.periods(), out);
            StateSerdes.writeOrigin(alert.origin(), out);
        } else {
            throw new IOException("an invalid input is dead-lettered, never repartitioned");
        }
    }

    private static AlertInput readFrom(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT_VERSION, "alert input");
        byte kind = in.readByte();
        if (kind == ROUTE) {
            return new RouteChange(in.readUTF(), in.readUTF(), in.readBoolean(), in.readLong(),
                    StateSerdes.readOrigin(in));
        }
        if (kind != ALERT) {
            throw new IOException("unknown alert input kind " + kind);
        }
        String city = in.readUTF();
        String feedId = in.readUTF();
        String alertId = in.readUTF();
        long alertTime = in.readLong();
        long feedTime = in.readLong();
        boolean removed = in.readBoolean();
        Set<String> routes = AlertState.readRoutes(in);
        List<long[]> periods = AlertState.readPeriods(in);
        return new AlertChange(city, feedId, alertId, alertTime, feedTime, removed, routes, periods,
                StateSerdes.readOrigin(in));
    }
}
