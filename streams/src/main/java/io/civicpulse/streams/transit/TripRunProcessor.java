package io.civicpulse.streams.transit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventContributions;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.windows.Panes;

/**
 * Decides, for every active run of the schedule, whether it was served, and emits that as contributions to
 * pt.trips-served and pt.gps-tracked-trips at the run's first scheduled departure.
 *
 * <p>A run is one (service date, trip, run start): a trip that runs once has one per active date, a frequency-based
 * trip one per headway. Its departure is the service date's GTFS reference time (noon minus 12 h, in the city's
 * zone) plus the run's first departure, so times past 24:00 belong to their service date and DST days are right.
 * A run is <b>served</b> when a trip update that is not CANCELED, or a vehicle position with its trip id, has its
 * event time within 30 minutes of the departure (both bounds inclusive), and the newest trip update for it does not
 * say CANCELED. It is decided once every input partition of the city has passed departure + 30 minutes (the
 * city's watermark, as in the window processor), so the decision is exact and made once; the indicators settle
 * 30 minutes ({@link IndicatorCatalogue#PT_TRIPS_SERVED}), so their panes are still open when it arrives.
 *
 * <p>Which run a record names: for a trip that runs once, the run of whichever active service date departs within
 * 30 minutes of the record's time (at most one can: departures of one trip are about a day apart), so the service
 * date ingest derives for Sofia (04:00 rule) cannot misplace a trip running near 04:00; a CANCELED trip update
 * outside that window names the run of its own service date. For a frequency-based trip, the trip update's start
 * time names the run (the nearest run start); a trip update without a start time cannot name one and is
 * dead-lettered ({@value #FREQUENCY_RUN_UNIDENTIFIED}); vehicle positions carry no start time, so they are not used
 * for frequency-based trips (counted, {@value #POSITION_RUN_UNIDENTIFIED}).
 *
 * <p>Which runs count: a service date is planned when the city's newest realtime time reaches its reference time
 * minus 30 minutes (the evening before), from the schedule then known; a run counts only if its sighting window
 * opens after the newest realtime time seen when it is planned, so that no run is judged on a window partly unseen
 * (the first half hour after a city's first realtime record, a schedule loaded late). Schedule changes re-plan the
 * runs whose window has not opened yet; a run whose window has opened keeps its plan.
 *
 * <p>State: the schedule per city ({@value #TRIPS_STORE}, {@value #SERVICES_STORE}, {@value #SERVICE_TRIPS_STORE}:
 * one entry per trip and service, reference data); the planned, undecided runs ({@value #RUNS_STORE}: at most the
 * runs of the dates whose runs depart between now - 30 min and tomorrow evening, about two days of Sofia's 30,600
 * trips a day), deleted when decided; cancellations of dates not planned yet ({@value #CANCELS_STORE}, deleted when
 * their date is planned); and per city its clock ({@value #CLOCKS_STORE}).
 */
public final class TripRunProcessor implements Processor<String, TransitInput, String, Checked> {

    public static final String TRIPS_STORE = "transit-scheduled-trips";
    public static final String SERVICES_STORE = "transit-service-dates";
    public static final String SERVICE_TRIPS_STORE = "transit-service-trips";
    public static final String RUNS_STORE = "transit-trip-runs";
    public static final String CANCELS_STORE = "transit-run-cancellations";
    public static final String CLOCKS_STORE = "transit-city-clock";
    public static final String COVERAGE_STORE = "transit-coverage-runs";

    /** The served rule of DOMAIN.md: seen within this of the first scheduled departure. */
    public static final Duration SIGHTING_WINDOW = Duration.ofMinutes(30);
    /** Dead-letter reason: an update of a frequency-based trip without the start time that names its run. */
    public static final String FREQUENCY_RUN_UNIDENTIFIED = "trip.frequency-run-unidentified";
    /** Metric: a vehicle position of a frequency-based trip, which cannot name its run. */
    public static final String POSITION_RUN_UNIDENTIFIED = "frequency-position-unused";
    /** Metric: a sighting of a trip id the schedule does not have (ADDED trips, a schedule not loaded yet). */
    public static final String UNSCHEDULED_TRIP = "sighting-of-unscheduled-trip";
    /** Metric: a sighting of a run already decided (its source was more than the idle time behind). */
    public static final String AFTER_DECISION = "sighting-after-decision";
    /** Metric id of this processor's counts. */
    public static final String METRIC_ID = "trip-runs";
    /** Key separator; city ids cannot contain it (validated), trip ids come last in keys. */
    private static final char SEP = '|';
    private static final LocalTime NOON = LocalTime.NOON;

    private final EngineConfig config;
    private final long windowMs = SIGHTING_WINDOW.toMillis();
    private final long sourceActiveMs;
    private final long idleAdvanceAfterMs;
    private final long startupGraceMs;
    private ProcessorContext<String, Checked> context;
    private KeyValueStore<String, TripPlan> trips;
    private KeyValueStore<String, int[]> services;
    private KeyValueStore<String, Integer> serviceTrips;
    private KeyValueStore<String, RunState> runs;
    private KeyValueStore<String, Long> cancels;
    private KeyValueStore<String, CityRunClock> clocks;
    /** Planned runs not ended yet, keyed like {@link #RUNS_STORE} (by departure): their last arrival (ms). */
    private KeyValueStore<String, Long> coverageRuns;
    private final Panes panes;
    /**
     * Live coverage members already sent, per pane ({@code city|indicator|member}): a route is seen in dozens of
     * records a minute and the engine needs it once per pane. In memory and pruned after 30 minutes: a member sent
     * twice (after a restart, or late) is harmless, a pane holds a set.
     */
    private final TreeMap<Long, Set<String>> liveSent = new TreeMap<>();
    private EngineMetrics metrics;
    /** Per city, in memory: its realtime input partitions' progress (rebuilt after a restart from what follows). */
    private final Map<String, Feeds> feeds = new HashMap<>();

    public TripRunProcessor(EngineConfig config) {
        this.config = config;
        this.idleAdvanceAfterMs = config.idleAdvanceAfter().toMillis();
        this.sourceActiveMs = idleAdvanceAfterMs > 0 ? idleAdvanceAfterMs : Duration.ofMinutes(10).toMillis();
        this.startupGraceMs = config.sourceStartupGrace().toMillis();
        this.panes = config.panes();
    }

    @Override
    public void init(ProcessorContext<String, Checked> context) {
        this.context = context;
        this.trips = context.getStateStore(TRIPS_STORE);
        this.services = context.getStateStore(SERVICES_STORE);
        this.serviceTrips = context.getStateStore(SERVICE_TRIPS_STORE);
        this.runs = context.getStateStore(RUNS_STORE);
        this.cancels = context.getStateStore(CANCELS_STORE);
        this.clocks = context.getStateStore(CLOCKS_STORE);
        this.coverageRuns = context.getStateStore(COVERAGE_STORE);
        this.metrics = new EngineMetrics(context.metrics());
        // Wall clock: a city whose feeds stopped must still get its runs decided (as not served).
        context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, this::advanceQuietCities);
    }

    @Override
    public void process(Record<String, TransitInput> record) {
        TransitInput input = record.value();
        if (input instanceof TransitInput.Trip trip) {
            onTrip(trip);
        } else if (input instanceof TransitInput.Service service) {
            onService(service);
        } else if (input instanceof TransitInput.Sighting sighting) {
            onSighting(sighting);
        }
    }

    // ---- the schedule

    private void onTrip(TransitInput.Trip trip) {
        String key = trip.city() + SEP + trip.tripId();
        TripPlan old = trips.get(key);
        TripPlan plan = trip.plan();
        if (old == null ? plan == null : old.equals(plan)) {
            return;
        }
        if (old != null) {
            serviceTrips.delete(trip.city() + SEP + old.serviceId() + SEP + trip.tripId());
        }
        if (plan == null) {
            trips.delete(key);
        } else {
            trips.put(key, plan);
            serviceTrips.put(trip.city() + SEP + plan.serviceId() + SEP + trip.tripId(), 1);
        }
        CityRunClock clock = clocks.get(trip.city());
        if (clock == null || clock.plannedThrough == Integer.MIN_VALUE) {
            return; // nothing planned yet: the dates are planned from the schedule as it will stand
        }
        for (int day = firstReplannable(clock); day <= clock.plannedThrough; day++) {
            if (old != null && active(trip.city(), old.serviceId(), day, null)) {
                unplan(trip.city(), trip.tripId(), old, day, clock);
            }
            if (plan != null && active(trip.city(), plan.serviceId(), day, null)) {
                plan(trip.city(), trip.tripId(), plan, day, clock.newestMs);
                planCoverage(trip.city(), trip.tripId(), plan, day, clock);
            }
        }
    }

    private void onService(TransitInput.Service service) {
        String key = service.city() + SEP + service.serviceId();
        int[] old = services.get(key);
        int[] days = service.activeDays();
        if (old == null ? days == null : Arrays.equals(old, days)) {
            return;
        }
        if (days == null) {
            services.delete(key);
        } else {
            services.put(key, days);
        }
        CityRunClock clock = clocks.get(service.city());
        if (clock == null || clock.plannedThrough == Integer.MIN_VALUE) {
            return;
        }
        List<KeyValue<String, TripPlan>> affected = new ArrayList<>();
        String prefix = key + SEP;
        try (KeyValueIterator<String, Integer> index = serviceTrips.range(prefix, prefix + Character.MAX_VALUE)) {
            while (index.hasNext()) {
                String tripId = index.next().key.substring(prefix.length());
                TripPlan plan = trips.get(service.city() + SEP + tripId);
                if (plan != null && plan.serviceId().equals(service.serviceId())) {
                    affected.add(KeyValue.pair(tripId, plan));
                }
            }
        }
        for (int day = firstReplannable(clock); day <= clock.plannedThrough; day++) {
            boolean was = contains(old, day);
            boolean is = contains(days, day);
            if (was == is) {
                continue;
            }
            for (KeyValue<String, TripPlan> trip : affected) {
                if (was) {
                    unplan(service.city(), trip.key, trip.value, day, clock);
                } else {
                    plan(service.city(), trip.key, trip.value, day, clock.newestMs);
                    planCoverage(service.city(), trip.key, trip.value, day, clock);
                }
            }
        }
    }

    /** The earliest planned date that can still have runs whose sighting window has not opened. */
    private static int firstReplannable(CityRunClock clock) {
        return clock.plannedThrough - TripPlan.MAX_DAYS_AFTER_SERVICE_DATE - 1;
    }

    /** Plans the runs of a trip on a date whose sighting window opens after {@code newestMs}. */
    private void plan(String city, String tripId, TripPlan plan, int day, long newestMs) {
        for (int start : plan.runStarts()) {
            long departure = departureMs(city, day, start);
            if (departure - windowMs <= newestMs) {
                continue; // part of its window has passed unwatched: it could not be judged fairly
            }
            String key = runKey(city, departure, day, start, tripId);
            if (runs.get(key) != null) {
                continue;
            }
            RunState run = new RunState(plan.routeId(), plan.frequencyBased());
            String cancelKey = cancelKey(city, day, start, tripId);
            Long canceledAt = cancels.get(cancelKey);
            if (canceledAt != null) {
                run.tripUpdate(canceledAt, true);
                cancels.delete(cancelKey);
            }
            runs.put(key, run);
        }
    }

    /**
     * Withdraws the runs of a trip on a date whose sighting window has not opened yet, and the trip's runs of that
     * date from the coverage schedule (from the next pane sent on; a run in operation leaves it too).
     */
    private void unplan(String city, String tripId, TripPlan plan, int day, CityRunClock clock) {
        for (int start : plan.runStarts()) {
            long departure = departureMs(city, day, start);
            String key = runKey(city, departure, day, start, tripId);
            if (departure - windowMs > clock.newestMs) {
                runs.delete(key);
            }
            coverageRuns.delete(key);
        }
    }

    /**
     * Adds the runs of a trip on an active date to the coverage schedule: every run, whatever the trips-served rule
     * of sighting windows, unless it ends before the next pane to send.
     */
    private void planCoverage(String city, String tripId, TripPlan plan, int day, CityRunClock clock) {
        long duration = plan.durationSeconds() * 1000L;
        for (int start : plan.runStarts()) {
            long departure = departureMs(city, day, start);
            if (departure + duration >= clock.coverageNextMs) {
                coverageRuns.put(runKey(city, departure, day, start, tripId), departure + duration);
            }
        }
    }

    /** Plans every service date whose runs can be seen by {@code newestMs} (from its reference time - 30 min). */
    private void planDates(String city, CityRunClock clock, long newestBeforeMs, long newestMs) {
        if (clock.plannedThrough == Integer.MIN_VALUE) {
            // The first realtime record: runs of earlier dates can still depart now (stop times past 24:00).
            clock.plannedThrough = (int) localDay(city, newestMs) - TripPlan.MAX_DAYS_AFTER_SERVICE_DATE - 1;
            // Scheduled coverage members are sent from the pane the city's realtime data starts in.
            clock.coverageNextMs = panes.startOf(newestMs);
        }
        while (referenceMs(city, clock.plannedThrough + 1) - windowMs <= newestMs) {
            int day = ++clock.plannedThrough;
            Map<String, int[]> calendar = new HashMap<>();
            List<KeyValue<String, TripPlan>> all = new ArrayList<>();
            try (KeyValueIterator<String, TripPlan> it = trips.range(city + SEP, city + SEP + Character.MAX_VALUE)) {
                it.forEachRemaining(all::add);
            }
            for (KeyValue<String, TripPlan> trip : all) {
                if (active(city, trip.value.serviceId(), day, calendar)) {
                    plan(city, trip.key.substring(city.length() + 1), trip.value, day, newestBeforeMs);
                    planCoverage(city, trip.key.substring(city.length() + 1), trip.value, day, clock);
                }
            }
            // Cancellations kept for this date (and any earlier) were taken by plan() or name no plannable run.
            String from = city + SEP;
            String to = city + SEP + pad(day + 1L, 6);
            List<String> stale = new ArrayList<>();
            try (KeyValueIterator<String, Long> it = cancels.range(from, to)) {
                it.forEachRemaining(entry -> stale.add(entry.key));
            }
            stale.forEach(cancels::delete);
        }
    }

    // ---- realtime

    private void onSighting(TransitInput.Sighting sighting) {
        String city = sighting.city();
        CityRunClock clock = clocks.get(city);
        long newestBefore = clock == null ? sighting.timeMs() - 1 : clock.newestMs;
        if (clock == null) {
            clock = new CityRunClock(newestBefore);
        }
        long newest = Math.max(newestBefore, sighting.timeMs());
        planDates(city, clock, newestBefore, newest);
        clock.newestMs = newest;
        sendScheduled(city, clock);
        TripPlan plan = trips.get(city + SEP + sighting.tripId());
        sendLive(sighting, plan);
        apply(sighting, plan, clock);
        long watermark = feeds.computeIfAbsent(city, c -> new Feeds(context.currentSystemTimeMs()))
                .seen(sighting.source(), sighting.timeMs(), context.currentSystemTimeMs(), startupGraceMs,
                        sourceActiveMs);
        decide(city, clock, watermark);
        clocks.put(city, clock);
    }

    private void apply(TransitInput.Sighting sighting, TripPlan plan, CityRunClock clock) {
        String city = sighting.city();
        if (plan == null) {
            metrics.record(UNSCHEDULED_TRIP, METRIC_ID);
            return;
        }
        boolean tripUpdate = sighting.kind() == TransitInput.Kind.TRIP_UPDATE;
        int day;
        int start;
        if (plan.frequencyBased()) {
            if (!tripUpdate) {
                metrics.record(POSITION_RUN_UNIDENTIFIED, METRIC_ID);
                return;
            }
            if (sighting.startTimeSeconds() < 0) {
                rejectUnidentified(sighting);
                return;
            }
            day = sighting.serviceDay();
            start = plan.runNamedBy(sighting.startTimeSeconds());
            if (!active(city, plan.serviceId(), day, null)) {
                return; // not an active run: it counts nowhere
            }
        } else {
            day = Integer.MIN_VALUE;
            start = plan.firstDepartureSeconds();
            long localDay = localDay(city, sighting.timeMs());
            for (long d = localDay - TripPlan.MAX_DAYS_AFTER_SERVICE_DATE; d <= localDay + 1; d++) {
                if (active(city, plan.serviceId(), (int) d, null)
                        && Math.abs(sighting.timeMs() - departureMs(city, (int) d, start)) <= windowMs) {
                    day = (int) d;
                }
            }
            if (day == Integer.MIN_VALUE) {
                // Outside every active run's window: only a cancellation still says something, about its own date.
                if (!tripUpdate || sighting.serviceDay() == Integer.MIN_VALUE
                        || !active(city, plan.serviceId(), sighting.serviceDay(), null)) {
                    return;
                }
                day = sighting.serviceDay();
            }
        }
        long departure = departureMs(city, day, start);
        boolean inWindow = Math.abs(sighting.timeMs() - departure) <= windowMs;
        String key = runKey(city, departure, day, start, sighting.tripId());
        RunState run = runs.get(key);
        if (run == null) {
            if (departure < clock.decidedBeforeMs) {
                metrics.record(AFTER_DECISION, METRIC_ID);
            } else if (tripUpdate && day > clock.plannedThrough) {
                // A date not planned yet (a cancellation published a day ahead): kept until it is.
                String cancelKey = cancelKey(city, day, start, sighting.tripId());
                Long known = cancels.get(cancelKey);
                if (sighting.canceled() && (known == null || known <= sighting.timeMs())) {
                    cancels.put(cancelKey, sighting.timeMs());
                } else if (!sighting.canceled() && known != null && known <= sighting.timeMs()) {
                    cancels.delete(cancelKey);
                }
            }
            return; // otherwise not a planned run: not active, or its window opened before it was planned
        }
        if (tripUpdate) {
            run.tripUpdate(sighting.timeMs(), sighting.canceled());
            run.tripUpdateSeen |= inWindow && !sighting.canceled();
        } else {
            run.positionSeen |= inWindow;
        }
        runs.put(key, run);
    }

    private void rejectUnidentified(TransitInput.Sighting sighting) {
        metrics.record(EngineMetrics.REJECTED, "trip-updates:" + FREQUENCY_RUN_UNIDENTIFIED);
        context.forward(new Record<>(sighting.city(), new Checked.Rejected(DeadLetters.rejected(
                FREQUENCY_RUN_UNIDENTIFIED, "trip " + sighting.tripId() + " is frequency-based and the update has no"
                        + " start time: which run it is cannot be told, so it is not used for pt.trips-served",
                sighting.city(), sighting.topic(), sighting.partition(), sighting.offset(),
                sighting.key() == null ? null : sighting.key().getBytes(StandardCharsets.UTF_8), null,
                Map.of("field", "startTime", "tripId", sighting.tripId(), "eventId", sighting.eventId()),
                context.currentSystemTimeMs(), config.inlinePayloadLimit())), sighting.timeMs()));
    }

    /** Decides every run whose departure + 30 min every source of the city has passed. */
    private void decide(String city, CityRunClock clock, long watermark) {
        if (watermark == Long.MIN_VALUE) {
            return;
        }
        long before = watermark - windowMs; // departure + 30 min < watermark
        if (before <= clock.decidedBeforeMs) {
            return;
        }
        List<KeyValue<String, RunState>> due = new ArrayList<>();
        try (KeyValueIterator<String, RunState> it = runs.range(city + SEP, city + SEP + pad(before, 13))) {
            it.forEachRemaining(due::add);
        }
        for (KeyValue<String, RunState> entry : due) {
            emit(city, entry.key, entry.value);
            runs.delete(entry.key);
        }
        clock.decidedBeforeMs = before;
    }

    private void emit(String city, String key, RunState run) {
        // city|departure|day|start|tripId
        String[] parts = key.split("\\|", 5);
        long departure = Long.parseLong(parts[1]);
        String runId = LocalDate.ofEpochDay(Long.parseLong(parts[2])) + "/" + parts[4] + "/" + parts[3];
        EventOrigin origin = new EventOrigin(runId, Topics.SCHEDULED_TRIPS.name(), -1, -1, city + "/" + parts[4], 0);
        String route = ScopeKind.ROUTE.scope(run.routeId);
        long served = run.served() ? 1 : 0;
        List<Contribution> contributions = new ArrayList<>(4);
        String id = IndicatorCatalogue.PT_TRIPS_SERVED.id();
        contributions.add(Contribution.count(city, id, ScopeKind.CITY_SCOPE, departure, served, 1, origin));
        contributions.add(Contribution.count(city, id, route, departure, served, 1, origin));
        if (run.trackable()) {
            long tracked = run.positionSeen ? 1 : 0;
            String gps = IndicatorCatalogue.PT_GPS_TRACKED_TRIPS.id();
            contributions.add(Contribution.count(city, gps, ScopeKind.CITY_SCOPE, departure, tracked, 1, origin));
            contributions.add(Contribution.count(city, gps, route, departure, tracked, 1, origin));
        }
        context.forward(new Record<>(city, new Checked.Accepted(new EventContributions(
                METRIC_ID + ":" + city + ":" + runId, departure, contributions)), departure + windowMs));
    }

    // ---- realtime route and stop coverage

    /**
     * Sends the scheduled members of every pane the city's newest realtime time has reached: the routes with a run
     * in operation in the pane (first departure before its end, last arrival at or after its start) and the stops
     * with a stop time (arrival) of a run in it. One range scan of the runs departed by the pane's end, which the
     * scan also rids of the runs that ended before it: O(runs in operation) per pane. Sent when the pane starts, well
     * before the engine closes it (the coverage indicators settle 10 minutes).
     */
    private void sendScheduled(String city, CityRunClock clock) {
        if (clock.coverageNextMs == Long.MIN_VALUE) {
            return;
        }
        long paneMs = panes.sizeMs();
        while (clock.coverageNextMs <= clock.newestMs) {
            long start = clock.coverageNextMs;
            long end = start + paneMs;
            Set<String> routes = new TreeSet<>();
            Set<String> stops = new TreeSet<>();
            List<String> ended = new ArrayList<>();
            try (KeyValueIterator<String, Long> it = coverageRuns.range(city + SEP, city + SEP + pad(end, 13))) {
                while (it.hasNext()) {
                    KeyValue<String, Long> run = it.next();
                    if (run.value < start) {
                        ended.add(run.key);
                        continue;
                    }
                    // city|departure|day|start|tripId
                    String[] parts = run.key.split("\\|", 5);
                    TripPlan plan = trips.get(city + SEP + parts[4]);
                    if (plan == null) {
                        ended.add(run.key); // left the schedule
                        continue;
                    }
                    routes.add(plan.routeId());
                    long departure = Long.parseLong(parts[1]);
                    for (int i = 0; i < plan.stopIds().length; i++) {
                        long at = departure + plan.stopOffsets()[i] * 1000L;
                        if (at >= start && at < end) {
                            stops.add(plan.stopIds()[i]);
                        }
                    }
                }
            }
            ended.forEach(coverageRuns::delete);
            clock.coverageNextMs = end;
            if (routes.isEmpty() && stops.isEmpty()) {
                continue;
            }
            String paneId = "scheduled/" + Instant.ofEpochMilli(start);
            EventOrigin origin = new EventOrigin(paneId, Topics.SCHEDULED_TRIPS.name(), -1, -1, city, 0);
            List<Contribution> contributions = new ArrayList<>(routes.size() + stops.size());
            for (String route : routes) {
                contributions.add(Contribution.member(city, IndicatorCatalogue.PT_REALTIME_ROUTE_COVERAGE.id(),
                        ScopeKind.CITY_SCOPE, start, route, Contribution.Presence.SCHEDULED, origin));
            }
            for (String stop : stops) {
                contributions.add(Contribution.member(city, IndicatorCatalogue.PT_REALTIME_STOP_COVERAGE.id(),
                        ScopeKind.CITY_SCOPE, start, stop, Contribution.Presence.SCHEDULED, origin));
            }
            context.forward(new Record<>(city, new Checked.Accepted(new EventContributions(
                    METRIC_ID + ":" + city + ":" + paneId, start, contributions)), start));
        }
    }

    /**
     * Sends what a realtime record says live at its time: the route of its trip (from the schedule; a trip the
     * schedule does not have names no known route) and, for a trip update, the stops it predicts. Each member once
     * per pane.
     */
    private void sendLive(TransitInput.Sighting sighting, TripPlan plan) {
        String city = sighting.city();
        long pane = panes.startOf(sighting.timeMs());
        Set<String> sent = liveSent.computeIfAbsent(pane, p -> new java.util.HashSet<>());
        while (liveSent.firstKey() < pane - SIGHTING_WINDOW.toMillis()) {
            liveSent.pollFirstEntry();
        }
        // Pointing at the realtime record, under the schedule's topic like the trip decisions: a derived member
        // neither moves nor holds the engine's clock of the city.
        EventOrigin origin = new EventOrigin(sighting.eventId(), Topics.SCHEDULED_TRIPS.name(), -1, -1,
                sighting.key(), sighting.payloadSize());
        List<Contribution> contributions = new ArrayList<>();
        if (plan != null) {
            String id = IndicatorCatalogue.PT_REALTIME_ROUTE_COVERAGE.id();
            if (sent.add(city + SEP + id + SEP + plan.routeId())) {
                contributions.add(Contribution.member(city, id, ScopeKind.CITY_SCOPE, sighting.timeMs(),
                        plan.routeId(), Contribution.Presence.LIVE, origin));
            }
        }
        String stopId = IndicatorCatalogue.PT_REALTIME_STOP_COVERAGE.id();
        for (String stop : sighting.predictedStops()) {
            if (sent.add(city + SEP + stopId + SEP + stop)) {
                contributions.add(Contribution.member(city, stopId, ScopeKind.CITY_SCOPE, sighting.timeMs(), stop,
                        Contribution.Presence.LIVE, origin));
            }
        }
        if (!contributions.isEmpty()) {
            context.forward(new Record<>(city, new Checked.Accepted(new EventContributions(METRIC_ID + ":" + city
                    + ":live/" + sighting.kind() + "/" + sighting.eventId(), sighting.timeMs(), contributions)),
                    sighting.timeMs()));
        }
    }

    /**
     * A city none of whose realtime sources sent anything for the idle time has its clock moved on with the wall
     * clock, so that its runs are decided (as not served) while its feeds are down, as the window engine does.
     */
    private void advanceQuietCities(long wallClockMs) {
        if (idleAdvanceAfterMs <= 0) {
            return;
        }
        for (Map.Entry<String, Feeds> entry : feeds.entrySet()) {
            Feeds city = entry.getValue();
            long quietFor = wallClockMs - city.lastInputWallMs;
            if (quietFor < idleAdvanceAfterMs) {
                continue;
            }
            CityRunClock clock = clocks.get(entry.getKey());
            if (clock == null || city.lastWatermark == Long.MIN_VALUE) {
                continue;
            }
            long advanced = city.lastWatermark + (quietFor - idleAdvanceAfterMs);
            if (advanced > clock.newestMs) {
                planDates(entry.getKey(), clock, clock.newestMs, advanced);
                clock.newestMs = advanced;
                sendScheduled(entry.getKey(), clock);
            }
            decide(entry.getKey(), clock, advanced);
            clocks.put(entry.getKey(), clock);
        }
    }

    /** One city's realtime input partitions: newest event time of each and when it was last heard. */
    private static final class Feeds {
        final long firstSeenWallMs;
        long earliestMs = Long.MAX_VALUE;
        long lastInputWallMs;
        long lastWatermark = Long.MIN_VALUE;
        final Map<String, long[]> sources = new HashMap<>();

        Feeds(long firstSeenWallMs) {
            this.firstSeenWallMs = firstSeenWallMs;
            this.lastInputWallMs = firstSeenWallMs;
        }

        /**
         * Records a sighting and returns the city's watermark: the smallest newest time of the partitions heard
         * from within the idle time (a sighting from a slower partition must not find its run decided), or nothing
         * during the startup grace, while partitions not heard from yet may still deliver.
         */
        long seen(String source, long timeMs, long nowMs, long startupGraceMs, long activeMs) {
            earliestMs = Math.min(earliestMs, timeMs);
            lastInputWallMs = nowMs;
            long[] progress = sources.computeIfAbsent(source, s -> new long[] {Long.MIN_VALUE, nowMs});
            progress[0] = Math.max(progress[0], timeMs);
            progress[1] = nowMs;
            if (nowMs - firstSeenWallMs < startupGraceMs) {
                return Long.MIN_VALUE;
            }
            long watermark = Long.MAX_VALUE;
            for (long[] partition : sources.values()) {
                if (nowMs - partition[1] <= activeMs) {
                    watermark = Math.min(watermark, partition[0]);
                }
            }
            lastWatermark = Math.max(lastWatermark, watermark);
            return lastWatermark;
        }
    }

    // ---- time and keys

    private ZoneId zone(String city) {
        return config.zoneOf(city);
    }

    /** GTFS reference time of a service date: noon local time minus 12 hours (midnight except on DST days). */
    private long referenceMs(String city, long epochDay) {
        return LocalDate.ofEpochDay(epochDay).atTime(NOON).atZone(zone(city)).toInstant().toEpochMilli()
                - Duration.ofHours(12).toMillis();
    }

    private long departureMs(String city, int epochDay, int gtfsSeconds) {
        return referenceMs(city, epochDay) + gtfsSeconds * 1000L;
    }

    private long localDay(String city, long timeMs) {
        return Instant.ofEpochMilli(timeMs).atZone(zone(city)).toLocalDate().toEpochDay();
    }

    private boolean active(String city, String serviceId, int day, Map<String, int[]> cache) {
        int[] days = cache == null ? services.get(city + SEP + serviceId)
                : cache.computeIfAbsent(serviceId, s -> {
                    int[] known = services.get(city + SEP + s);
                    return known == null ? new int[0] : known;
                });
        return contains(days, day);
    }

    private static boolean contains(int[] days, int day) {
        return days != null && Arrays.binarySearch(days, day) >= 0;
    }

    /** Ordered by departure within a city, so due runs are one range scan. */
    private static String runKey(String city, long departureMs, int day, int start, String tripId) {
        return city + SEP + pad(departureMs, 13) + SEP + day + SEP + start + SEP + tripId;
    }

    private static String cancelKey(String city, int day, int start, String tripId) {
        return city + SEP + pad(day, 6) + SEP + start + SEP + tripId;
    }

    private static String pad(long value, int width) {
        String digits = Long.toString(Math.max(0, value));
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    @Override
    public void close() {
        // Stores are closed by Kafka Streams; nothing else is held.
    }
}
