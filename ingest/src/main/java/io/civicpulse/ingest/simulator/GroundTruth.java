package io.civicpulse.ingest.simulator;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.civicpulse.ingest.simulator.AlertPlan.PlannedAlert;
import io.civicpulse.ingest.simulator.TransitNetwork.Trip;

/**
 * What a simulated city generated and what it actually served, so that end-to-end tests can compare the
 * pipeline's indicators with an independent computation. Two kinds of answers:
 * <ul>
 *   <li>the model: active trips of a service date, each trip's actual run (ghost or not, actual times), vehicles
 *       in service and alerts active at an instant: pure functions of the seed;</li>
 *   <li>the record: trips that appeared in a served trip-updates feed and when first, trips that had a served
 *       vehicle position, and each stop visit's last served prediction (the observed stop event, as docs/indicators.md
 *       defines it) once the vehicle has passed it. Only feeds served over HTTP are recorded, not the load
 *       generator's.</li>
 * </ul>
 * Records are kept for the last {@value #DAYS_KEPT} service dates.
 */
public final class GroundTruth {

    static final int DAYS_KEPT = 4;

    /** One observed stop event: the last prediction served for a stop visit before the vehicle passed it. */
    public record StopEvent(LocalDate serviceDate, String tripId, String routeId, String stopId, int stopSequence,
                            Instant scheduled, Instant observed) {

        public long delaySeconds() {
            return observed.getEpochSecond() - scheduled.getEpochSecond();
        }
    }

    private static final class Served {
        final TripRun run;
        long firstSeen = -1;
        final long[] lastPrediction;
        long firstPosition = -1;

        Served(TripRun run) {
            this.run = run;
            this.lastPrediction = new long[run.visits()];
            Arrays.fill(lastPrediction, Long.MIN_VALUE);
        }
    }

    private final TransitNetwork network;
    private final RealtimeFeeds model;
    private final AlertPlan alerts;
    private final TreeMap<LocalDate, Map<Integer, Served>> served = new TreeMap<>();
    private long lastTripUpdatesTime = Long.MIN_VALUE;
    private long tripUpdatesServed;
    private long vehiclePositionsServed;
    private long alertsServed;

    GroundTruth(TransitNetwork network, RealtimeFeeds model, AlertPlan alerts) {
        this.network = network;
        this.model = model;
        this.alerts = alerts;
    }

    // ---- the model -------------------------------------------------------------------------------------------

    /** Trip ids of the active set of a service date (from calendar_dates), frequency templates included. */
    public Set<String> activeTripIds(LocalDate serviceDate) {
        Set<String> ids = new LinkedHashSet<>();
        for (Trip t : network.activeTrips(serviceDate)) {
            ids.add(t.id());
        }
        return ids;
    }

    /** Active trips of real-time routes that never appear in any feed on that date. */
    public Set<String> ghostTrips(LocalDate serviceDate) {
        Set<String> ghosts = new LinkedHashSet<>();
        for (Trip t : network.activeTrips(serviceDate)) {
            if (network.route(t).realtime() && run(serviceDate, t).ghost()) {
                ghosts.add(t.id());
            }
        }
        return ghosts;
    }

    /** How a trip actually runs on a service date (scheduled and actual time of each visit), if it is active. */
    public Optional<TripRun> run(LocalDate serviceDate, String tripId) {
        return network.trip(tripId)
                .filter(t -> network.serviceOn(serviceDate).filter(s -> s == t.service()).isPresent())
                .map(t -> run(serviceDate, t));
    }

    /** Vehicles in service (between their first departure and last arrival, ghosts excluded) at an instant. */
    public int vehiclesInService(Instant t) {
        long s = t.getEpochSecond();
        int count = 0;
        for (TripRun run : model.runsAt(s)) {
            if (!run.ghost() && run.actualStart() <= s) {
                count++;
            }
        }
        return count;
    }

    /** Route ids with an alert whose active period contains the instant. */
    public Set<String> routesWithActiveAlert(Instant t) {
        Set<String> routes = new LinkedHashSet<>();
        for (PlannedAlert a : alerts.servedAt(t)) {
            if (a.activeAt(t.getEpochSecond())) {
                routes.add(a.routeId());
            }
        }
        return routes;
    }

    /** The alerts the alerts feed carries at an instant. */
    public List<PlannedAlert> alertsServedAt(Instant t) {
        return alerts.servedAt(t);
    }

    // ---- the record ------------------------------------------------------------------------------------------

    /** Trips of a service date that appeared in at least one served trip-updates feed, with when they first did. */
    public synchronized Map<String, Instant> tripsSeen(LocalDate serviceDate) {
        Map<String, Instant> seen = new LinkedHashMap<>();
        for (Served s : served.getOrDefault(serviceDate, Map.of()).values()) {
            if (s.firstSeen >= 0) {
                seen.put(s.run.trip().id(), Instant.ofEpochSecond(s.firstSeen));
            }
        }
        return Collections.unmodifiableMap(seen);
    }

    /** Trips of a service date that appeared in at least one served vehicle-positions feed. */
    public synchronized Set<String> tripsWithPositions(LocalDate serviceDate) {
        Set<String> ids = new LinkedHashSet<>();
        for (Served s : served.getOrDefault(serviceDate, Map.of()).values()) {
            if (s.firstPosition >= 0) {
                ids.add(s.run.trip().id());
            }
        }
        return ids;
    }

    /**
     * The observed stop events of a service date: for every visit the vehicle had passed by the last served
     * trip-updates feed, the last prediction served for it. Ordered by trip, then visit.
     */
    public synchronized List<StopEvent> stopEvents(LocalDate serviceDate) {
        List<StopEvent> events = new ArrayList<>();
        for (Served s : served.getOrDefault(serviceDate, Map.of()).values()) {
            TripRun run = s.run;
            String routeId = network.route(run.trip()).id();
            for (int v = 0; v < run.visits(); v++) {
                if (s.lastPrediction[v] == Long.MIN_VALUE || run.actual(v) > lastTripUpdatesTime) {
                    continue;
                }
                events.add(new StopEvent(serviceDate, run.trip().id(), routeId,
                        network.stops().get(run.pattern().stopAt(v)).id(), v + 1,
                        Instant.ofEpochSecond(run.scheduled(v)), Instant.ofEpochSecond(s.lastPrediction[v])));
            }
        }
        return events;
    }

    /** Number of trip-updates, vehicle-positions and alerts feeds served so far. */
    public synchronized Map<String, Long> feedsServed() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("trip-updates", tripUpdatesServed);
        counts.put("vehicle-positions", vehiclePositionsServed);
        counts.put("alerts", alertsServed);
        return counts;
    }

    /** Distinct trips seen in served trip updates over the kept service dates. */
    public synchronized int tripsSeenCount() {
        return (int) served.values().stream().flatMap(m -> m.values().stream()).filter(s -> s.firstSeen >= 0).count();
    }

    // ---- recording (called while feeds are built for HTTP) ---------------------------------------------------

    synchronized void tripUpdatesFeedServed(long t) {
        tripUpdatesServed++;
        lastTripUpdatesTime = Math.max(lastTripUpdatesTime, t);
    }

    synchronized void vehiclePositionsFeedServed() {
        vehiclePositionsServed++;
    }

    synchronized void alertsFeedServed() {
        alertsServed++;
    }

    synchronized void tripUpdateServed(TripRun run, int next, long t) {
        Served s = servedFor(run);
        if (s.firstSeen < 0) {
            s.firstSeen = t;
        }
        for (int v = next; v < run.visits(); v++) {
            s.lastPrediction[v] = run.predicted(v, next);
        }
    }

    synchronized void positionServed(TripRun run, long t) {
        Served s = servedFor(run);
        if (s.firstPosition < 0) {
            s.firstPosition = t;
        }
    }

    private Served servedFor(TripRun run) {
        Map<Integer, Served> day = served.computeIfAbsent(run.serviceDate(), d -> new HashMap<>());
        Served s = day.computeIfAbsent(run.trip().ordinal(), o -> new Served(run));
        while (served.size() > DAYS_KEPT) {
            served.pollFirstEntry();
        }
        return s;
    }

    private TripRun run(LocalDate serviceDate, Trip t) {
        ZoneId zone = network.city().zone();
        return TripRun.of(network.seed(), serviceDate, GtfsTime.serviceDayOrigin(serviceDate, zone).getEpochSecond(),
                t, network.pattern(t));
    }
}
