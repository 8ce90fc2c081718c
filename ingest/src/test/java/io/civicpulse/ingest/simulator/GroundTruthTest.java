package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.google.transit.realtime.GtfsRealtime.FeedEntity;
import com.google.transit.realtime.GtfsRealtime.FeedMessage;
import com.google.transit.realtime.GtfsRealtime.TripUpdate;
import com.google.transit.realtime.GtfsRealtime.TripUpdate.StopTimeUpdate;
import io.civicpulse.ingest.simulator.GroundTruth.StopEvent;
import io.civicpulse.ingest.simulator.SimulatorServer.FeedUrls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ground truth must agree with an independent reading of what was served: these tests poll like a real
 * poller, compute from the feeds alone, and compare.
 */
class GroundTruthTest {

    private static final LocalDate TUESDAY = LocalDate.of(2026, 3, 31);

    private SimulationClock clock;
    private CitySimulation sofia;
    private SimulatorServer server;
    private FeedUrls urls;

    @BeforeEach
    void start() throws IOException {
        clock = SimulationClock.manual(Instant.parse("2026-03-31T05:00:00Z"));
        sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, clock);
        server = SimulatorServer.start("127.0.0.1", 0, List.of(sofia));
        urls = server.urls("sofia");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void activeTripsAreTheTripsWhoseServiceCalendarDatesListForTheDate() {
        Map<String, List<Map<String, String>>> zip = GtfsCsv.read(FeedClient.bytes(urls.gtfsStatic()));
        String date = DateTimeFormatter.BASIC_ISO_DATE.format(TUESDAY);
        Set<String> services = zip.get("calendar_dates.txt").stream().filter(r -> r.get("date").equals(date))
                .map(r -> r.get("service_id")).collect(Collectors.toSet());
        Set<String> fromZip = zip.get("trips.txt").stream().filter(t -> services.contains(t.get("service_id")))
                .map(t -> t.get("trip_id")).collect(Collectors.toSet());
        assertThat(sofia.groundTruth().activeTripIds(TUESDAY)).isEqualTo(fromZip);
    }

    @Test
    void tripsSeenAreExactlyTheTripsOfTheServedFeedsAndNoGhost() {
        Set<String> fromFeeds = new HashSet<>();
        for (int poll = 0; poll < 60; poll++) {
            for (FeedEntity e : FeedClient.feed(urls.tripUpdates()).getEntityList()) {
                fromFeeds.add(e.getTripUpdate().getTrip().getTripId());
            }
            clock.advance(Duration.ofSeconds(30));
        }
        Map<String, Instant> seen = sofia.groundTruth().tripsSeen(TUESDAY);
        assertThat(seen.keySet()).isEqualTo(fromFeeds);
        assertThat(seen.keySet()).doesNotContainAnyElementsOf(sofia.groundTruth().ghostTrips(TUESDAY));
    }

    @Test
    void tripsWithPositionsAreThoseOfTheServedVehicleFeeds() {
        Set<String> fromFeeds = new HashSet<>();
        for (int poll = 0; poll < 30; poll++) {
            for (FeedEntity e : FeedClient.feed(urls.vehiclePositions()).getEntityList()) {
                fromFeeds.add(e.getVehicle().getTrip().getTripId());
            }
            clock.advance(Duration.ofSeconds(20));
        }
        assertThat(sofia.groundTruth().tripsWithPositions(TUESDAY)).isEqualTo(fromFeeds);
    }

    @Test
    void stopEventsAreTheLastPredictionsServedBeforeEachStopWasPassed() {
        // Independently: a stop visit is observed when it leaves its trip's update (or the trip leaves the feed);
        // its observed time is the last prediction served for it. Visits are told apart by their position from
        // the end of the trip, since stop_sequence is always 0 and loop trips visit stops twice.
        Map<String, Map<Integer, Long>> lastPrediction = new HashMap<>();
        Map<String, Integer> firstRemaining = new HashMap<>();
        Set<String> inLastFeed = Set.of();
        for (int poll = 0; poll < 90; poll++) {
            FeedMessage feed = FeedClient.feed(urls.tripUpdates());
            Set<String> now = new HashSet<>();
            for (FeedEntity e : feed.getEntityList()) {
                TripUpdate update = e.getTripUpdate();
                String trip = update.getTrip().getTripId();
                now.add(trip);
                int visits = sofia.network().pattern(sofia.network().trip(trip).orElseThrow()).size();
                int first = visits - update.getStopTimeUpdateCount();
                firstRemaining.put(trip, first);
                for (int k = 0; k < update.getStopTimeUpdateCount(); k++) {
                    StopTimeUpdate stu = update.getStopTimeUpdate(k);
                    long predicted = stu.hasArrival() ? stu.getArrival().getTime() : stu.getDeparture().getTime();
                    lastPrediction.computeIfAbsent(trip, t -> new HashMap<>()).put(first + k, predicted);
                }
            }
            inLastFeed = now;
            clock.advance(Duration.ofSeconds(20));
        }
        Map<String, Long> expected = new HashMap<>();
        for (var trip : lastPrediction.entrySet()) {
            String tripId = trip.getKey();
            int passedBefore = inLastFeed.contains(tripId) ? firstRemaining.get(tripId) : Integer.MAX_VALUE;
            TripRun run = sofia.groundTruth().run(TUESDAY, tripId).orElseThrow();
            trip.getValue().forEach((visit, predicted) -> {
                if (visit < passedBefore) {
                    expected.put(tripId + "#" + (visit + 1), predicted - run.scheduled(visit));
                }
            });
        }
        Map<String, Long> truth = sofia.groundTruth().stopEvents(TUESDAY).stream()
                .collect(Collectors.toMap(e -> e.tripId() + "#" + e.stopSequence(), StopEvent::delaySeconds));
        assertThat(truth).hasSizeGreaterThan(500).isEqualTo(expected);
    }

    @Test
    void vehiclesInServiceCountsTheTripsBetweenFirstDepartureAndLastArrival() {
        Instant at = clock.instant();
        long started = FeedClient.feed(urls.tripUpdates()).getEntityList().stream()
                .map(e -> sofia.groundTruth().run(TUESDAY, e.getId()).orElseThrow())
                .filter(run -> run.actualStart() <= at.getEpochSecond()).count();
        assertThat(sofia.groundTruth().vehiclesInService(at)).isEqualTo((int) started);
    }

    @Test
    void routesWithAnActiveAlertAreThoseInformedByAnAlertInItsPeriod() {
        clock.set(Instant.parse("2026-03-31T12:00:00Z"));
        long now = clock.instant().getEpochSecond();
        Set<String> fromFeed = FeedClient.feed(urls.alerts()).getEntityList().stream()
                .filter(e -> e.getAlert().getActivePeriod(0).getStart() <= now
                        && now < e.getAlert().getActivePeriod(0).getEnd())
                .map(e -> e.getAlert().getInformedEntity(0).getRouteId()).collect(Collectors.toSet());
        assertThat(sofia.groundTruth().routesWithActiveAlert(clock.instant())).isEqualTo(fromFeed);
    }
}
