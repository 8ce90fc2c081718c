package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.transit.realtime.GtfsRealtime.FeedEntity;
import com.google.transit.realtime.GtfsRealtime.FeedMessage;
import com.google.transit.realtime.GtfsRealtime.TripDescriptor;
import com.google.transit.realtime.GtfsRealtime.TripUpdate.StopTimeUpdate;
import com.google.transit.realtime.GtfsRealtime.VehiclePosition;
import io.civicpulse.ingest.simulator.AlertPlan.PlannedAlert;
import io.civicpulse.ingest.simulator.SimulatorServer.FeedUrls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RealtimeFeedsTest {

    private static final Instant TUESDAY_8AM = Instant.parse("2026-03-31T05:00:00Z");

    private SimulationClock clock;
    private CitySimulation sofia;
    private SimulatorServer server;
    private FeedUrls urls;

    @BeforeEach
    void start() throws IOException {
        clock = SimulationClock.manual(TUESDAY_8AM);
        sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, clock);
        server = SimulatorServer.start("127.0.0.1", 0, List.of(sofia));
        urls = server.urls("sofia");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void tripUpdatesCarryAbsoluteTimesOnlyWithSofiasQuirks() {
        FeedMessage feed = FeedClient.feed(urls.tripUpdates());
        assertThat(feed.getHeader().getTimestamp()).isEqualTo(TUESDAY_8AM.getEpochSecond());
        assertThat(feed.getHeader().getGtfsRealtimeVersion()).isEqualTo("2.0");
        assertThat(feed.getEntityList()).hasSizeGreaterThan(50).allSatisfy(e -> {
            TripDescriptor trip = e.getTripUpdate().getTrip();
            assertThat(trip.hasStartDate()).isTrue();
            assertThat(trip.getStartDate()).isEmpty();
            assertThat(trip.getStartTime()).isEmpty();
            assertThat(trip.getScheduleRelationship()).isEqualTo(TripDescriptor.ScheduleRelationship.SCHEDULED);
            assertThat(sofia.network().trip(trip.getTripId())).isPresent();
            assertThat(e.getTripUpdate().getStopTimeUpdateList()).isNotEmpty().allSatisfy(stu -> {
                assertThat(stu.hasStopSequence()).isTrue();
                assertThat(stu.getStopSequence()).isZero();
                assertThat(stu.getArrival().hasDelay()).isFalse();
                assertThat(stu.getDeparture().hasDelay()).isFalse();
                assertThat(stu.hasArrival() || stu.hasDeparture()).isTrue();
                assertThat(stu.hasArrival() ? stu.getArrival().getTime() : stu.getDeparture().getTime())
                        .isGreaterThan(TUESDAY_8AM.getEpochSecond() - 600);
            });
        });
    }

    @Test
    void predictedDelaysAreMostlyWithinAMinuteEarlyAndThreeLateWithALateTail() {
        FeedMessage feed = FeedClient.feed(urls.tripUpdates());
        List<Long> delays = feed.getEntityList().stream().map(e -> {
            StopTimeUpdate first = e.getTripUpdate().getStopTimeUpdate(0);
            TripRun run = sofia.groundTruth().run(LocalDate.of(2026, 3, 31), e.getId()).orElseThrow();
            long predicted = first.hasArrival() ? first.getArrival().getTime() : first.getDeparture().getTime();
            int visit = run.visits() - e.getTripUpdate().getStopTimeUpdateCount();
            return predicted - run.scheduled(visit);
        }).toList();
        long onTime = delays.stream().filter(d -> d >= -60 && d <= 180).count();
        assertThat(onTime / (double) delays.size()).isBetween(0.6, 0.97);
        assertThat(delays).anySatisfy(d -> assertThat(d).isGreaterThan(180));
    }

    @Test
    void vehiclesAreInTransitWithSpeedMostOfTheTimeAndBearingAlmostNever() {
        long speed = 0;
        long bearing = 0;
        long total = 0;
        for (int poll = 0; poll < 20; poll++) {
            for (FeedEntity e : FeedClient.feed(urls.vehiclePositions()).getEntityList()) {
                VehiclePosition v = e.getVehicle();
                assertThat(v.getCurrentStatus()).isEqualTo(VehiclePosition.VehicleStopStatus.IN_TRANSIT_TO);
                assertThat(v.getTrip().getStartDate()).isEmpty();
                assertThat(sofia.city().contains(v.getPosition().getLatitude(), v.getPosition().getLongitude())).isTrue();
                assertThat(v.getTimestamp()).isLessThanOrEqualTo(clock.instant().getEpochSecond());
                total++;
                speed += v.getPosition().hasSpeed() ? 1 : 0;
                bearing += v.getPosition().hasBearing() ? 1 : 0;
            }
            clock.advance(Duration.ofSeconds(20));
        }
        assertThat(speed / (double) total).isBetween(0.9, 0.99);
        assertThat(bearing / (double) total).isLessThan(0.05);
    }

    @Test
    void someTripsHaveUpdatesButNoPosition() {
        Set<String> updated = tripIds(FeedClient.feed(urls.tripUpdates()));
        Set<String> positioned = FeedClient.feed(urls.vehiclePositions()).getEntityList().stream()
                .map(e -> e.getVehicle().getTrip().getTripId()).collect(Collectors.toSet());
        assertThat(updated).containsAll(positioned);
        Set<String> dark = new HashSet<>(updated);
        dark.removeAll(positioned);
        assertThat(dark).isNotEmpty();
    }

    @Test
    void ghostTripsNeverAppearInAnyFeed() {
        LocalDate today = LocalDate.of(2026, 3, 31);
        Set<String> ghosts = sofia.groundTruth().ghostTrips(today);
        assertThat(ghosts).isNotEmpty();
        for (int poll = 0; poll < 90; poll++) {
            assertThat(tripIds(FeedClient.feed(urls.tripUpdates()))).doesNotContainAnyElementsOf(ghosts);
            clock.advance(Duration.ofMinutes(2));
        }
    }

    @Test
    void alertsAppearWhenAnnouncedAndClearWhenTheirPeriodEnds() {
        AlertPlan plan = new AlertPlan(sofia.network());
        long now = clock.instant().getEpochSecond();
        PlannedAlert alert = Stream.concat(plan.plannedFor(LocalDate.of(2026, 3, 31)).stream(),
                        plan.plannedFor(LocalDate.of(2026, 4, 1)).stream())
                .filter(a -> a.announceAt() > now).findFirst().orElseThrow();
        clock.set(Instant.ofEpochSecond(alert.announceAt() - 1));
        assertThat(alertIds()).doesNotContain(alert.id());
        clock.set(Instant.ofEpochSecond(alert.announceAt()));
        assertThat(alertIds()).contains(alert.id());
        FeedEntity entity = FeedClient.feed(urls.alerts()).getEntityList().stream()
                .filter(e -> e.getId().equals(alert.id())).findFirst().orElseThrow();
        assertThat(entity.getAlert().getInformedEntity(0).getRouteId()).isEqualTo(alert.routeId());
        assertThat(entity.getAlert().getActivePeriod(0).getEnd()).isEqualTo(alert.end());
        assertThat(entity.getAlert().getHeaderText().getTranslationList()).extracting(t -> t.getLanguage())
                .contains("bg", "en");
        clock.set(Instant.ofEpochSecond(alert.end()));
        assertThat(alertIds()).doesNotContain(alert.id());
    }

    @Test
    void aTripAfterMidnightIsServedUnderThePreviousServiceDate() {
        clock.set(Instant.parse("2026-03-31T22:30:00Z")); // 01:30 on 1 April in Sofia
        Set<String> live = tripIds(FeedClient.feed(urls.tripUpdates()));
        assertThat(live).isNotEmpty();
        assertThat(sofia.groundTruth().activeTripIds(LocalDate.of(2026, 3, 31))).containsAll(live);
    }

    @Test
    void feedsFollowTheSimulatedClockAcrossTheSpringForwardNight() {
        SimulationClock dst = SimulationClock.manual(Instant.parse("2026-03-29T01:00:00+02:00"));
        CitySimulation city = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, dst);
        dst.set(Instant.parse("2026-03-29T04:45:00+03:00"));
        long now = dst.instant().getEpochSecond();
        FeedMessage feed;
        try {
            feed = FeedMessage.parseFrom(city.feed(CitySimulation.Feed.TRIP_UPDATES).body());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        assertThat(feed.getHeader().getTimestamp()).isEqualTo(now);
        // The first Sunday departures are at 04:30 EEST: on a DST day they must not be an hour off.
        for (FeedEntity e : feed.getEntityList()) {
            TripRun run = city.groundTruth().run(LocalDate.of(2026, 3, 29), e.getId()).orElse(null);
            if (run != null) {
                assertThat(run.scheduled(0)).isGreaterThanOrEqualTo(Instant.parse("2026-03-29T04:30:00+03:00")
                        .getEpochSecond());
            }
        }
        assertThat(feed.getEntityList()).anySatisfy(e ->
                assertThat(city.groundTruth().run(LocalDate.of(2026, 3, 29), e.getId())).isPresent());
    }

    private Set<String> alertIds() {
        return FeedClient.feed(urls.alerts()).getEntityList().stream().map(FeedEntity::getId).collect(Collectors.toSet());
    }

    private static Set<String> tripIds(FeedMessage feed) {
        return feed.getEntityList().stream().map(e -> e.getTripUpdate().getTrip().getTripId())
                .collect(Collectors.toSet());
    }
}
