package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.city.BoundingBox;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.CityDistricts;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.mobility.MobilityIngest;
import io.civicpulse.ingest.publish.EventPublisher;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.CitySimulation;
import io.civicpulse.ingest.simulator.DistrictBoundaries;
import io.civicpulse.ingest.simulator.NetworkSize;
import io.civicpulse.ingest.simulator.SimulationClock;
import io.civicpulse.ingest.simulator.SimulatorServer;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.mobility.ActivePeriod;
import io.civicpulse.schemas.mobility.AvailabilityKind;
import io.civicpulse.schemas.mobility.InformedEntity;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.StopTimeScheduleRelationship;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.reference.FrequencyPeriod;
import io.civicpulse.schemas.reference.Route;
import io.civicpulse.schemas.reference.ScheduledStopTime;
import io.civicpulse.schemas.reference.ScheduledTrip;
import io.civicpulse.schemas.reference.ServiceCalendar;
import io.civicpulse.schemas.reference.Stop;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/**
 * A fresh simulated city (Sofia's profile, small network, a unique id) on a simulation clock running
 * {@value #SPEED} times real time from a past weekday-or-not morning at 07:00 local, so that buses run whatever the
 * hour CI runs at. The real mobility ingest polls it into the shared broker; what ingest published (and the stop
 * events the engine derived and published on {@code civicpulse.mobility.stop-observations.v1}) is read back, and
 * the mobility indicators are computed from it in plain Java, from the catalogue's definitions, to compare with the
 * engine's final values.
 *
 * <p>Which windows are checked: those the engine has fully seen and closed while the feeds still ran (after the
 * run stops, a quiet city's clock moves only with the wall clock, far slower than the simulation). Ratios and
 * percentiles of events settle after the grace period (5 min), coverage 10 min later, trips served 30 min later;
 * the first half hour of a city's realtime data is not judged for trips served, by definition.
 */
final class MobilityScenario implements AutoCloseable {

    /** Simulated seconds per wall second: two simulated hours in 96 s. */
    static final double SPEED = 75;
    /** Poll interval in wall time: about every 19 simulated seconds, Sofia's 10-30 s. */
    private static final Duration POLL_EVERY = Duration.ofMillis(250);
    /**
     * Long enough for at least four checked windows of every indicator (trips served settle 30 min after their
     * window, so their first hour and last 45 minutes are not checked), short enough for a test of about two minutes.
     */
    static final Duration SIMULATED = Duration.ofHours(2);
    private static final Duration QUARTER = Duration.ofMinutes(15);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration SIGHTING = Duration.ofMinutes(30);
    private static final long THREE_HOURS_S = 3 * 3600;
    private static final long POPULATION = 1_280_000;

    static final String ON_TIME = "pt.on-time-performance";
    static final String DELAY_P50 = "pt.delay-p50";
    static final String DELAY_P90 = "pt.delay-p90";
    static final String FRESHNESS = "pt.feed-freshness";
    static final String TRIPS_SERVED = "pt.trips-served";
    static final String GPS_TRACKED = "pt.gps-tracked-trips";
    static final String ROUTE_COVERAGE = "pt.realtime-route-coverage";
    static final String STOP_COVERAGE = "pt.realtime-stop-coverage";
    static final String ALERTED_ROUTES = "pt.alert-affected-routes";
    static final String STATION_AVAILABILITY = "micromobility.station-availability";
    static final String VEHICLES_PER_100K = "micromobility.vehicles-available-per-100k";
    static final List<String> INDICATORS = List.of(ON_TIME, DELAY_P50, DELAY_P90, FRESHNESS, TRIPS_SERVED,
            GPS_TRACKED, ROUTE_COVERAGE, STOP_COVERAGE, ALERTED_ROUTES, STATION_AVAILABILITY, VEHICLES_PER_100K);

    final String city = "e2e" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final ZoneId zone = ZoneId.of("Europe/Sofia");
    /** Yesterday 07:00 in Sofia: in the past whatever the hour now, and a morning, when buses run. */
    final Instant start = ZonedDateTime.now(zone).minusDays(1).with(LocalTime.of(7, 0)).toInstant();
    final Instant end = start.plus(SIMULATED);

    /** Final values of the city by indicator|scope|window|from. */
    final Map<String, IndicatorValue> finals = new ConcurrentHashMap<>();
    private volatile Instant newestLiveTo;
    /** Expected values by the same key; filled by {@link #computeExpected}. */
    private final Map<String, Expected> expected = new TreeMap<>();
    private final Map<TopicPartition, Long> startOffsets = new HashMap<>();

    private SimulationClock clock;
    private SimulatorServer simulator;
    private IngestMetrics metrics;
    private EventPublisher publisher;
    private MobilityIngest ingest;

    /** What a final must be: exact numerator and denominator, or a percentile with its allowed error. */
    record Expected(long numerator, long denominator, Double percentile, double tolerance, long samples) {

        static Expected ratio(long numerator, long denominator) {
            return new Expected(numerator, denominator, null, 0, -1);
        }
    }

    /** Starts the simulated city and the real ingest polling it; publishes the city's population. */
    void startCity() throws IOException {
        Map<String, Object> kafka = SharedStack.clientConfig();
        rememberEndOffsets(kafka);
        publishPopulation(kafka);
        CityProfile sofia = CityProfile.sofia();
        CityProfile profile = new CityProfile(city, sofia.name(), sofia.zone(), sofia.minLat(), sofia.maxLat(),
                sofia.minLon(), sofia.maxLon(), sofia.districts(), sofia.population(), sofia.language(),
                sofia.agencyName(), sofia.agencyUrl(), sofia.bikeShareName(), sofia.holidays());
        clock = SimulationClock.running(start, SPEED);
        CitySimulation simulation = CitySimulation.create(profile, 7, NetworkSize.SMALL, clock);
        simulator = SimulatorServer.start("127.0.0.1", 0, List.of(simulation));
        SimulatorServer.FeedUrls urls = simulator.urls(city);
        CityConfig config = CityConfig.of(city, zone)
                .withBounds(new BoundingBox(profile.minLat(), profile.minLon(), profile.maxLat(), profile.maxLon()))
                // The simulator's district boundaries, so that ingest places stops in districts (district scopes).
                .withDistricts(CityDistricts.fromGeoJson(DistrictBoundaries.geoJson(profile), "id"))
                .withGtfsStatic(new FeedEndpoint("gtfs-static", urls.gtfsStatic(), Duration.ofHours(1)))
                .withRealtimeFeed(new FeedEndpoint("trip-updates", urls.tripUpdates(), POLL_EVERY))
                .withRealtimeFeed(new FeedEndpoint("vehicle-positions", urls.vehiclePositions(), POLL_EVERY))
                .withRealtimeFeed(new FeedEndpoint("alerts", urls.alerts(), POLL_EVERY))
                .withGbfsFeed(new FeedEndpoint(city + "-bikes", urls.gbfsV3(), POLL_EVERY));
        metrics = new IngestMetrics(city, clock);
        publisher = EventPublisher.create(kafka, metrics);
        ingest = MobilityIngest.start(config, publisher, metrics, clock);
    }

    /** Where the simulation is now. */
    Instant simulatedNow() {
        return clock.instant();
    }

    /** Waits (reading finals meanwhile) until the simulated clock reaches {@code at}. */
    void runUntil(Instant at, KafkaConsumer<String, IndicatorValue> consumer) {
        await("simulated time " + at).atMost(SIMULATED.dividedBy((long) SPEED).plusSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    collectFinals(consumer);
                    return !clock.instant().isBefore(at);
                });
    }

    /**
     * Goes on reading finals until {@code ready} holds for them or the simulated clock reaches {@code latest},
     * whichever comes first; true if {@code ready} held. The simulation does not wait: on a loaded machine the engine
     * may still be reading the shared broker's earlier topics when the city starts.
     */
    boolean runUntilFinals(Predicate<Set<String>> ready, Instant latest,
                           KafkaConsumer<String, IndicatorValue> consumer) {
        try {
            await("finals before simulated " + latest)
                    .atMost(Duration.between(clock.instant(), latest).dividedBy((long) SPEED).plusSeconds(5))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        collectFinals(consumer);
                        return ready.test(finals.keySet()) || !clock.instant().isBefore(latest);
                    });
        } catch (ConditionTimeoutException e) {
            // The simulated deadline passed in wall time too: the answer is what came in by then.
        }
        return ready.test(finals.keySet());
    }

    /** Stops polling: the city's feeds go quiet. */
    void stopIngest() {
        if (ingest != null) {
            ingest.close();
            ingest = null;
        }
    }

    @Override
    public void close() throws Exception {
        stopIngest();
        if (publisher != null) {
            publisher.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    KafkaConsumer<String, IndicatorValue> finalsConsumer() {
        return SharedStack.indicatorsConsumer("finals-" + city);
    }

    void collectFinals(KafkaConsumer<String, IndicatorValue> consumer) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
            IndicatorValue v = r.value();
            if (v == null || !v.getCity().equals(city)) {
                return;
            }
            if (v.getFinal$()) {
                IndicatorValue before = finals.put(key(v.getIndicatorId(), v.getScope(), v.getWindow(),
                        v.getCalculationPeriodFrom()), v);
                assertThat(before).as("one final per window, even across a crash: %s", v).isNull();
            } else if (v.getScope().equals("city") && v.getWindow().equals("PT15M")
                    && (newestLiveTo == null || v.getCalculationPeriodTo().isAfter(newestLiveTo))) {
                newestLiveTo = v.getCalculationPeriodTo();
            }
        });
    }

    /**
     * Waits until the final of every expected value is in; on timeout prints what is missing and returns, so that
     * {@link #assertFinalsMatch} reports every difference at once.
     */
    void awaitExpectedFinals(KafkaConsumer<String, IndicatorValue> consumer, Duration within,
                             Callable<String> context) throws Exception {
        try {
            await("finals of every checked window").atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
                collectFinals(consumer);
                return finals.keySet().containsAll(expected.keySet());
            });
        } catch (ConditionTimeoutException e) {
            Set<String> missing = new TreeSet<>(expected.keySet());
            missing.removeAll(finals.keySet());
            System.err.println("finals missing after " + within + " (city " + city + ", simulated " + start + " to "
                    + end + ", newest live window ends " + newestLiveTo + "): " + missing.size() + " "
                    + missing.stream().limit(20).toList() + "\n" + context.call());
        }
    }

    /** Waits until the engine's live values reach {@code at}: it has read the feeds up to there. */
    void awaitEngineAt(Instant at, KafkaConsumer<String, IndicatorValue> consumer, Duration within) {
        await("the engine's live values reach " + at).atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            collectFinals(consumer);
            return newestLiveTo != null && !newestLiveTo.isBefore(at);
        });
    }

    // ---- the independent computation -------------------------------------------------------------------------

    private record Run(String tripId, String routeId, boolean frequencyBased, Instant departure,
                       Instant lastArrival, List<Instant> arrivals, List<String> stops) {
    }

    /**
     * Reads back what ingest published for the city (and the engine's stop events) and computes every checked
     * window's value from the catalogue's definitions. Call once ingest has stopped and the stop events of the
     * checked windows are out.
     */
    void computeExpected() {
        Map<String, Object> kafka = SharedStack.clientConfig();
        List<Route> routes = latestByKey(read(kafka, Topics.ROUTES, Route::getCity), r -> r.getRouteId());
        List<ScheduledTrip> trips = latestByKey(read(kafka, Topics.SCHEDULED_TRIPS, ScheduledTrip::getCity),
                ScheduledTrip::getTripId);
        List<ServiceCalendar> calendars = latestByKey(read(kafka, Topics.SERVICE_CALENDARS,
                ServiceCalendar::getCity), ServiceCalendar::getServiceId);
        List<TripUpdate> updates = read(kafka, Topics.TRIP_UPDATES, TripUpdate::getCity);
        List<VehiclePosition> positions = read(kafka, Topics.VEHICLE_POSITIONS, VehiclePosition::getCity);
        List<ServiceAlert> alerts = read(kafka, Topics.SERVICE_ALERTS, ServiceAlert::getCity);
        List<SharedVehicleAvailability> shared = read(kafka, Topics.SHARED_VEHICLE_AVAILABILITY,
                SharedVehicleAvailability::getCity);
        List<StopObservation> observations = read(kafka, Topics.STOP_OBSERVATIONS, StopObservation::getCity);
        Map<String, String> districtOfStop = new HashMap<>();
        latestByKey(read(kafka, Topics.STOPS, Stop::getCity), Stop::getStopId).forEach(stop -> {
            if (stop.getDistrict() != null) {
                districtOfStop.put(stop.getStopId(), stop.getDistrict());
            }
        });
        assertThat(routes).as("routes published").isNotEmpty();
        assertThat(trips).as("scheduled trips published").isNotEmpty();
        assertThat(updates).as("trip updates published").isNotEmpty();
        assertThat(positions).as("vehicle positions published").isNotEmpty();
        assertThat(shared).as("GBFS statuses published").isNotEmpty();
        assertThat(observations).as("stop events published").isNotEmpty();
        assertThat(districtOfStop).as("stops placed in districts by ingest").isNotEmpty();
        // The simulator never cancels a trip: the CANCELED rules of trips-served are not exercised here, and the
        // computation below need not implement them.
        assertThat(updates).noneMatch(u -> u.getScheduleRelationship() == TripScheduleRelationship.CANCELED);

        expectStopEvents(onceEach(observations, StopObservation::getEventId), districtOfStop);
        expectFreshness(onceEach(positions, VehiclePosition::getEventId));
        List<Run> runs = runs(trips, calendars);
        expectTripsServed(runs, updates, positions);
        expectCoverage(runs, updates, positions);
        expectAlertedRoutes(routes, alerts);
        expectSharedVehicles(shared);
    }

    /** Quarters [from, from + 15 min) within [first, last]; and hour windows ending at quarter ends in them. */
    private static List<Instant[]> windows(Instant first, Instant last, boolean withHours) {
        List<Instant[]> windows = new ArrayList<>();
        for (Instant from = first; !from.plus(QUARTER).isAfter(last); from = from.plus(QUARTER)) {
            windows.add(new Instant[] {from, from.plus(QUARTER)});
        }
        for (Instant from = first; withHours && !from.plus(HOUR).isAfter(last); from = from.plus(QUARTER)) {
            windows.add(new Instant[] {from, from.plus(HOUR)});
        }
        return windows;
    }

    /**
     * pt.on-time-performance and the delay percentiles: city, every route, every district (of the stop, as ingest
     * placed it in the stops topic), quarters and hours.
     */
    private void expectStopEvents(List<StopObservation> observations, Map<String, String> districtOfStop) {
        List<StopObservation> usable = new ArrayList<>();
        for (StopObservation o : observations) {
            assertThat((long) o.getDelaySeconds()).as("delay of %s", o)
                    .isEqualTo(Duration.between(o.getScheduledTime(), o.getObservedTime()).toSeconds());
            if (Math.abs(o.getDelaySeconds()) <= THREE_HOURS_S) {
                usable.add(o);
            }
        }
        for (Instant[] w : windows(start.plus(QUARTER), end.minus(QUARTER), true)) {
            Map<String, List<Double>> delaysByScope = new TreeMap<>();
            for (StopObservation o : usable) {
                if (in(o.getObservedTime(), w)) {
                    double delay = o.getDelaySeconds();
                    delaysByScope.computeIfAbsent("city", s -> new ArrayList<>()).add(delay);
                    delaysByScope.computeIfAbsent("route:" + o.getRouteId(), s -> new ArrayList<>()).add(delay);
                    String district = districtOfStop.get(o.getStopId());
                    if (district != null) {
                        delaysByScope.computeIfAbsent("district:" + district, s -> new ArrayList<>()).add(delay);
                    }
                }
            }
            delaysByScope.forEach((scope, delays) -> {
                long onTime = delays.stream().filter(d -> d >= -60 && d <= 180).count();
                expected.put(key(ON_TIME, scope, w), Expected.ratio(onTime, delays.size()));
                // Delays are kept exactly (a count per second): the finals must equal type 7 to the rounding.
                expected.put(key(DELAY_P50, scope, w), percentile(delays, 0.5, EXACT));
                expected.put(key(DELAY_P90, scope, w), percentile(delays, 0.9, EXACT));
            });
        }
    }

    /** pt.feed-freshness: p90 of ingestedAt - positionTime, in the window of ingestedAt, counted once. */
    private void expectFreshness(List<VehiclePosition> positions) {
        for (Instant[] w : windows(start.plus(QUARTER), end.minus(QUARTER), true)) {
            List<Double> ages = new ArrayList<>();
            for (VehiclePosition p : positions) {
                long ageMs = Duration.between(p.getPositionTime(), p.getIngestedAt()).toMillis();
                if (in(p.getIngestedAt(), w) && ageMs <= Duration.ofHours(24).toMillis()) {
                    ages.add(Math.max(0, ageMs) / 1000.0);
                }
            }
            if (!ages.isEmpty()) {
                expected.put(key(FRESHNESS, "city", w), percentile(ages, 0.9, SKETCHED));
            }
        }
    }

    /** Every run of an active trip on the service dates around the scenario, frequency-based runs expanded. */
    private List<Run> runs(List<ScheduledTrip> trips, List<ServiceCalendar> calendars) {
        Map<String, Set<LocalDate>> activeDates = new HashMap<>();
        calendars.forEach(c -> activeDates.put(c.getServiceId(), new HashSet<>(c.getActiveDates())));
        List<Run> runs = new ArrayList<>();
        LocalDate first = LocalDate.ofInstant(start, zone).minusDays(1);
        for (LocalDate date = first; !date.isAfter(first.plusDays(2)); date = date.plusDays(1)) {
            // GTFS times count from noon minus 12 h, which is not midnight on a DST change day.
            Instant reference = date.atTime(LocalTime.NOON).atZone(zone).toInstant().minus(Duration.ofHours(12));
            for (ScheduledTrip trip : trips) {
                if (!activeDates.getOrDefault(trip.getServiceId(), Set.of()).contains(date)) {
                    continue;
                }
                List<ScheduledStopTime> times = trip.getStopTimes();
                int firstDeparture = times.get(0).getDepartureSeconds();
                List<Integer> shifts = new ArrayList<>();
                if (trip.getFrequencyBased()) {
                    for (FrequencyPeriod f : trip.getFrequencies()) {
                        for (int runStart = f.getStartSeconds(); runStart < f.getEndSeconds();
                             runStart += f.getHeadwaySeconds()) {
                            shifts.add(runStart - firstDeparture);
                        }
                    }
                } else {
                    shifts.add(0);
                }
                for (int shift : shifts) {
                    List<Instant> arrivals = new ArrayList<>();
                    List<String> stops = new ArrayList<>();
                    for (ScheduledStopTime t : times) {
                        arrivals.add(reference.plusSeconds(t.getArrivalSeconds() + shift));
                        stops.add(t.getStopId());
                    }
                    runs.add(new Run(trip.getTripId(), trip.getRouteId(), trip.getFrequencyBased(),
                            reference.plusSeconds(firstDeparture + shift),
                            reference.plusSeconds(times.get(times.size() - 1).getArrivalSeconds() + shift),
                            arrivals, stops));
                }
            }
        }
        return runs;
    }

    /**
     * pt.trips-served and pt.gps-tracked-trips, city and route scope: runs departing in the window; served when a
     * trip update or vehicle position names the trip within 30 min of the departure (positions not for
     * frequency-based runs, which they cannot name; the simulator sends nothing for those).
     */
    private void expectTripsServed(List<Run> runs, List<TripUpdate> updates, List<VehiclePosition> positions) {
        Map<String, List<Instant>> updateTimes = new HashMap<>();
        updates.forEach(u -> updateTimes.computeIfAbsent(u.getTripId(), t -> new ArrayList<>()).add(u.getUpdateTime()));
        Map<String, List<Instant>> positionTimes = new HashMap<>();
        positions.stream().filter(p -> p.getTripId() != null).forEach(p ->
                positionTimes.computeIfAbsent(p.getTripId(), t -> new ArrayList<>()).add(p.getPositionTime()));
        // A run counts only if its sighting window opened after the engine knew it: not in the first half hour
        // after the city's first realtime record, nor while the schedule was still on its way (at this speed a
        // second of the engine's start-up is more than a simulated minute). Start the checked windows an hour in;
        // they settle 30 min after they end.
        for (Instant[] w : windows(start.plus(HOUR), end.minus(QUARTER.multipliedBy(3)), true)) {
            Map<String, long[]> byScope = new TreeMap<>();
            for (Run run : runs) {
                if (!in(run.departure(), w)) {
                    continue;
                }
                boolean updated = !run.frequencyBased() && seenNear(updateTimes.get(run.tripId()), run.departure());
                boolean positioned = !run.frequencyBased()
                        && seenNear(positionTimes.get(run.tripId()), run.departure());
                for (String scope : List.of("city", "route:" + run.routeId())) {
                    long[] c = byScope.computeIfAbsent(scope, s -> new long[4]);
                    c[0] += updated || positioned ? 1 : 0;
                    c[1]++;
                    if (updated) {
                        c[2] += positioned ? 1 : 0;
                        c[3]++;
                    }
                }
            }
            byScope.forEach((scope, c) -> {
                expected.put(key(TRIPS_SERVED, scope, w), Expected.ratio(c[0], c[1]));
                if (c[3] > 0) {
                    expected.put(key(GPS_TRACKED, scope, w), Expected.ratio(c[2], c[3]));
                }
            });
        }
    }

    private static boolean seenNear(List<Instant> times, Instant departure) {
        if (times == null) {
            return false;
        }
        for (Instant t : times) {
            if (!t.isBefore(departure.minus(SIGHTING)) && !t.isAfter(departure.plus(SIGHTING))) {
                return true;
            }
        }
        return false;
    }

    /**
     * pt.realtime-route-coverage and pt.realtime-stop-coverage, city scope: distinct routes with a run in operation
     * in the window and named live in it; distinct stops with a scheduled arrival in the window and a live
     * prediction (not SKIPPED) in an update of the window.
     */
    private void expectCoverage(List<Run> runs, List<TripUpdate> updates, List<VehiclePosition> positions) {
        Map<String, String> routeOfTrip = new HashMap<>();
        runs.forEach(r -> routeOfTrip.put(r.tripId(), r.routeId()));
        // From the second half hour: the scheduled routes and stops of a pane are sent from the schedule the engine
        // knows when its realtime clock reaches the pane. Schedule records are stamped when published (now),
        // realtime ones yesterday, so where a task has both buffered it takes the realtime ones first; in the first
        // minutes of a fresh city the schedule can trail the realtime feed (in production it is loaded hours ahead).
        for (Instant[] w : windows(start.plus(QUARTER.multipliedBy(2)), end.minus(QUARTER.multipliedBy(2)), false)) {
            Set<String> scheduledRoutes = new HashSet<>();
            Set<String> servedStops = new HashSet<>();
            for (Run run : runs) {
                if (run.departure().isBefore(w[1]) && !run.lastArrival().isBefore(w[0])) {
                    scheduledRoutes.add(run.routeId());
                }
                for (int i = 0; i < run.arrivals().size(); i++) {
                    if (in(run.arrivals().get(i), w)) {
                        servedStops.add(run.stops().get(i));
                    }
                }
            }
            Set<String> liveRoutes = new HashSet<>();
            Set<String> liveStops = new HashSet<>();
            for (TripUpdate u : updates) {
                if (!in(u.getUpdateTime(), w) || !routeOfTrip.containsKey(u.getTripId())) {
                    continue;
                }
                liveRoutes.add(routeOfTrip.get(u.getTripId()));
                for (StopTimePrediction p : u.getStopTimeUpdates()) {
                    if (p.getScheduleRelationship() != StopTimeScheduleRelationship.SKIPPED
                            && (p.getArrivalTime() != null || p.getDepartureTime() != null)) {
                        liveStops.add(p.getStopId());
                    }
                }
            }
            for (VehiclePosition p : positions) {
                if (in(p.getPositionTime(), w) && p.getTripId() != null && routeOfTrip.containsKey(p.getTripId())) {
                    liveRoutes.add(routeOfTrip.get(p.getTripId()));
                }
            }
            liveRoutes.retainAll(scheduledRoutes);
            liveStops.retainAll(servedStops);
            if (!scheduledRoutes.isEmpty()) {
                expected.put(key(ROUTE_COVERAGE, "city", w), Expected.ratio(liveRoutes.size(), scheduledRoutes.size()));
            }
            if (!servedStops.isEmpty()) {
                expected.put(key(STOP_COVERAGE, "city", w), Expected.ratio(liveStops.size(), servedStops.size()));
            }
        }
    }

    /**
     * pt.alert-affected-routes at each quarter's end: routes of the static feed named by an alert whose newest state
     * by then is not removed and whose active period holds; over the routes of the static feed.
     */
    private void expectAlertedRoutes(List<Route> routes, List<ServiceAlert> alerts) {
        Set<String> routeIds = new HashSet<>();
        routes.forEach(r -> routeIds.add(r.getRouteId()));
        for (Instant[] w : windows(start.plus(QUARTER), end.minus(QUARTER), false)) {
            Instant at = w[1].minusMillis(1);
            Map<String, ServiceAlert> newest = new HashMap<>();
            for (ServiceAlert a : alerts) {
                ServiceAlert before = newest.get(a.getAlertId());
                if (!a.getAlertTime().isAfter(at)
                        && (before == null || a.getAlertTime().isAfter(before.getAlertTime()))) {
                    newest.put(a.getAlertId(), a);
                }
            }
            Set<String> affected = new HashSet<>();
            for (ServiceAlert a : newest.values()) {
                if (!a.getRemoved() && inEffect(a.getActivePeriods(), at)) {
                    for (InformedEntity e : a.getInformedEntities()) {
                        if (e.getRouteId() != null && routeIds.contains(e.getRouteId())) {
                            affected.add(e.getRouteId());
                        }
                    }
                }
            }
            expected.put(key(ALERTED_ROUTES, "city", w), Expected.ratio(affected.size(), routeIds.size()));
        }
    }

    private static boolean inEffect(List<ActivePeriod> periods, Instant at) {
        if (periods.isEmpty()) {
            return true;
        }
        for (ActivePeriod p : periods) {
            if ((p.getStart() == null || !p.getStart().isAfter(at)) && (p.getEnd() == null || at.isBefore(p.getEnd()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * micromobility.station-availability and vehicles-available-per-100k at each quarter's end: what the feeds showed
     * as received by then, each station's and free vehicle's newest report (by lastReported) among those received
     * (ingestedAt) by then, unless none was received in the hour (station) or 30 minutes (vehicle) before.
     */
    private void expectSharedVehicles(List<SharedVehicleAvailability> records) {
        Map<String, List<SharedVehicleAvailability>> byEntry = new HashMap<>();
        for (SharedVehicleAvailability r : records) {
            String id = r.getKind() == AvailabilityKind.STATION ? "S|" + r.getStationId() : "V|" + r.getVehicleId();
            byEntry.computeIfAbsent(r.getOperatorId() + "|" + id, k -> new ArrayList<>()).add(r);
        }
        for (Instant[] w : windows(start.plus(QUARTER.multipliedBy(2)), end.minus(QUARTER), false)) {
            Instant at = w[1].minusMillis(1);
            long installed = 0;
            long withVehicle = 0;
            long vehicles = 0;
            for (List<SharedVehicleAvailability> reports : byEntry.values()) {
                SharedVehicleAvailability applied = null;
                Instant lastReceived = null;
                for (SharedVehicleAvailability r : reports) {
                    if (!r.getIngestedAt().isAfter(at) && (applied == null
                            || r.getLastReported().isAfter(applied.getLastReported())
                            || (r.getLastReported().equals(applied.getLastReported())
                                && r.getIngestedAt().isAfter(applied.getIngestedAt())))) {
                        applied = r;
                    }
                    if (!r.getIngestedAt().isAfter(at) && (lastReceived == null
                            || r.getIngestedAt().isAfter(lastReceived))) {
                        lastReceived = r.getIngestedAt();
                    }
                }
                if (applied == null) {
                    continue;
                }
                boolean station = applied.getKind() == AvailabilityKind.STATION;
                Duration forgetAfter = station ? Duration.ofHours(1) : Duration.ofMinutes(30);
                if (lastReceived != null && !lastReceived.plus(forgetAfter).isAfter(at)) {
                    continue;
                }
                if (station) {
                    if (applied.getIsInstalled()) {
                        installed++;
                        boolean renting = applied.getIsRenting();
                        withVehicle += renting && applied.getNumVehiclesAvailable() >= 1 ? 1 : 0;
                        vehicles += renting ? applied.getNumVehiclesAvailable() : 0;
                    }
                } else if (applied.getStationId() == null && !Boolean.TRUE.equals(applied.getIsReserved())
                        && !Boolean.TRUE.equals(applied.getIsDisabled())) {
                    vehicles++;
                }
            }
            if (installed > 0) {
                expected.put(key(STATION_AVAILABILITY, "city", w), Expected.ratio(withVehicle, installed));
            }
            expected.put(key(VEHICLES_PER_100K, "city", w), Expected.ratio(vehicles, POPULATION));
        }
    }

    /** A percentile the engine keeps exactly (delays, in whole seconds): only the interpolation's rounding. */
    private static final boolean EXACT = true;
    /** A percentile the engine keeps in its 1% sketch (feed freshness, in milliseconds). */
    private static final boolean SKETCHED = false;

    /**
     * The exact percentile, type 7: linear interpolation between ranks floor and ceil of q(n-1); allowed error 1e-9
     * for an {@link #EXACT} one, 1% for a {@link #SKETCHED} one.
     */
    private static Expected percentile(List<Double> values, double q, boolean exactInEngine) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        double rank = q * (sorted.size() - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        double low = sorted.get(lo);
        double high = sorted.get(hi);
        double exact = low + (rank - lo) * (high - low);
        // The sketch keeps each rank's value within 1% of it; interpolating keeps that bound.
        double tolerance = exactInEngine ? 1e-9 : 0.01 * Math.max(Math.abs(low), Math.abs(high)) + 1e-9;
        return new Expected(0, 0, exact, tolerance, sorted.size());
    }

    // ---- comparing ---------------------------------------------------------------------------------------------

    /** Compares every expected value with its final; returns how many were compared, by indicator. */
    Map<String, Integer> assertFinalsMatch() {
        Map<String, Integer> compared = new TreeMap<>();
        List<String> mismatches = new ArrayList<>();
        expected.forEach((key, e) -> {
            IndicatorValue v = finals.get(key);
            String indicator = key.substring(0, key.indexOf('|'));
            if (v == null) {
                if (e.percentile() != null || e.denominator() > 0) {
                    mismatches.add(key + ": no final, expected " + e);
                }
                return;
            }
            if (e.percentile() != null) {
                if (v.getKpiValue() == null || Math.abs(v.getKpiValue() - e.percentile()) > e.tolerance()
                        || v.getSampleCount() != e.samples()) {
                    mismatches.add(key + ": " + v.getKpiValue() + " of " + v.getSampleCount() + " samples, expected "
                            + e.percentile() + " +- " + e.tolerance() + " of " + e.samples());
                }
            } else if (indicator.equals(VEHICLES_PER_100K)) {
                if (v.getNumerator() != e.numerator() || Math.abs(v.getDenominator() - e.denominator() / 100_000.0) > 1e-9
                        || Math.abs(v.getKpiValue() - e.numerator() / (e.denominator() / 100_000.0)) > 1e-9) {
                    mismatches.add(key + ": " + v.getNumerator() + " / " + v.getDenominator() + ", expected "
                            + e.numerator() + " vehicles, population " + e.denominator());
                }
            } else if (v.getNumerator() != e.numerator() || v.getDenominator() != e.denominator()
                    || Math.abs(v.getKpiValue() - 100.0 * e.numerator() / e.denominator()) > 1e-9) {
                mismatches.add(key + ": " + (long) v.getNumerator() + " / " + (long) v.getDenominator()
                        + ", expected " + e.numerator() + " / " + e.denominator());
            }
            compared.merge(indicator, 1, Integer::sum);
        });
        assertThat(mismatches).as("finals that differ from the independent computation (city " + city + ")")
                .isEmpty();
        return compared;
    }

    /** Windows of the city with a final the computation expected nothing for: would be values from nowhere. */
    List<String> unexpectedFinalsInCheckedWindows() {
        List<String> unexpected = new ArrayList<>();
        Set<String> checkedWindows = new HashSet<>();
        expected.keySet().forEach(k -> checkedWindows.add(k.substring(0, k.indexOf('|')) + "|"
                + k.substring(k.indexOf('|', k.indexOf('|') + 1) + 1)));
        finals.forEach((k, v) -> {
            String window = v.getIndicatorId() + "|" + v.getWindow() + "|" + v.getCalculationPeriodFrom();
            if (checkedWindows.contains(window) && !expected.containsKey(k)) {
                unexpected.add(k + " = " + v.getNumerator() + " / " + v.getDenominator());
            }
        });
        return unexpected;
    }

    // ---- reading back -------------------------------------------------------------------------------------------

    private static final List<Topic<String, ?>> READ_BACK = List.of(Topics.ROUTES, Topics.STOPS, Topics.SCHEDULED_TRIPS,
            Topics.SERVICE_CALENDARS, Topics.TRIP_UPDATES, Topics.VEHICLE_POSITIONS, Topics.SERVICE_ALERTS,
            Topics.SHARED_VEHICLE_AVAILABILITY, Topics.STOP_OBSERVATIONS);

    /** The shared broker holds every earlier test's records: this scenario's start where the topics end now. */
    private void rememberEndOffsets(Map<String, Object> kafka) {
        try (KafkaConsumer<byte[], byte[]> consumer = byteConsumer(kafka)) {
            for (Topic<String, ?> topic : READ_BACK) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                startOffsets.putAll(consumer.endOffsets(partitions));
            }
        }
    }

    private <V extends SpecificRecord> List<V> read(Map<String, Object> kafka, Topic<String, V> topic, Function<V, String> cityOf) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put("isolation.level", "read_committed");
        config.put("enable.auto.commit", "false");
        List<V> values = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, topic.keySerde().deserializer(),
                topic.valueSerde(config).deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            Map<TopicPartition, Long> until = consumer.endOffsets(partitions);
            consumer.assign(partitions);
            partitions.forEach(p -> consumer.seek(p, startOffsets.getOrDefault(p, 0L)));
            // Partition by partition in offset order: "first arrival" of a repeated event id is its first record.
            Map<TopicPartition, List<V>> byPartition = new LinkedHashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < until.get(p))) {
                assertThat(System.nanoTime()).as("reading " + topic.name() + " back").isLessThan(deadline);
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < until.get(new TopicPartition(r.topic(), r.partition())) && r.value() != null
                            && city.equals(cityOf.apply(r.value()))) {
                        byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()),
                                p -> new ArrayList<>()).add(r.value());
                    }
                }
            }
            byPartition.values().forEach(values::addAll);
        }
        return values;
    }

    private static KafkaConsumer<byte[], byte[]> byteConsumer(Map<String, Object> kafka) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        config.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        return new KafkaConsumer<>(config);
    }

    private void publishPopulation(Map<String, Object> kafka) {
        AreaPopulation population = AreaPopulation.newBuilder().setCity(city).setArea("city")
                .setPopulation(POPULATION).setAsOf(LocalDate.of(2025, 12, 31)).setSource("e2e test").build();
        try (KafkaProducer<String, AreaPopulation> producer = new KafkaProducer<>(kafka,
                Topics.POPULATION.keySerde().serializer(), Topics.POPULATION.valueSerde(kafka).serializer())) {
            producer.send(new ProducerRecord<>(Topics.POPULATION.name(), city + "/city", population));
            producer.flush();
        }
    }

    private static <V> List<V> onceEach(Collection<V> values, Function<V, String> eventId) {
        Set<String> seen = new HashSet<>();
        return values.stream().filter(v -> seen.add(eventId.apply(v))).toList();
    }

    /** Reference topics are compacted, keyed by id: the newest record of each id stands. */
    private static <V> List<V> latestByKey(List<V> values, Function<V, String> id) {
        Map<String, V> latest = new LinkedHashMap<>();
        values.forEach(v -> latest.put(id.apply(v), v));
        return List.copyOf(latest.values());
    }

    private static boolean in(Instant t, Instant[] window) {
        return !t.isBefore(window[0]) && t.isBefore(window[1]);
    }

    private static String key(String indicator, String scope, Instant[] window) {
        return key(indicator, scope, Duration.between(window[0], window[1]).toString(), window[0]);
    }

    private static String key(String indicator, String scope, String window, Instant from) {
        return indicator + "|" + scope + "|" + window + "|" + from;
    }
}
