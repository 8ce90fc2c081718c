package io.civicpulse.streams;

import static io.civicpulse.streams.EngineTestKit.arrival;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.ObservationBasis;
import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.StopTimeScheduleRelationship;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;

/**
 * Observed stop events derived from trip-update predictions (DOMAIN.md "From predictions to observed stop events"),
 * as published to civicpulse.mobility.stop-observations.v1.
 */
class StopObservationsTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);
    private static final String TRIP = "A94-A290-6-27-5461188771";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("stops-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private static Instant minutes(double m) {
        return T.plusMillis((long) (m * 60_000));
    }

    private void update(Instant feed, StopTimePrediction... stops) {
        kit.send(kit.tripUpdate("sofia", TRIP, "94", DAY, feed, stops));
    }

    private List<StopObservation> observations() {
        return kit.stopObservations().stream().map(TestRecord::value).toList();
    }

    @Test
    void stopThatLeavesTheUpdateIsObservedWithItsLastPrediction() {
        update(minutes(0), arrival("A1", minutes(5), minutes(6)), arrival("A2", minutes(10), minutes(11)));
        update(minutes(3), arrival("A1", minutes(5), minutes(7)), arrival("A2", minutes(10), minutes(12)));
        assertThat(observations()).isEmpty();
        update(minutes(6.5), arrival("A2", minutes(10), minutes(12.5))); // A1 passed: no longer in the update

        assertThat(observations()).hasSize(1);
        StopObservation a1 = observations().get(0);
        assertThat(a1.getStopId()).isEqualTo("A1");
        assertThat(a1.getObservedTime()).isEqualTo(minutes(7));
        assertThat(a1.getDelaySeconds()).isEqualTo(120);
        assertThat(a1.getObservationBasis()).isEqualTo(ObservationBasis.LAST_PREDICTION_BEFORE_PASSING);
        assertThat(a1.getRouteId()).isEqualTo("94");
        assertThat(a1.getStopVisit()).isEqualTo(1);
        assertThat(a1.getServiceDate()).isEqualTo(DAY);
        assertThat(kit.stopObservations().get(0).key()).isEqualTo("sofia/2026-03-10/" + TRIP);
    }

    @Test
    void stopIsObservedWhenTheFeedTimePassesItsPrediction() {
        update(minutes(0), arrival("A1", minutes(1), minutes(2)));
        update(minutes(2.5), arrival("A1", minutes(1), minutes(2) .plusSeconds(20)));

        assertThat(observations()).singleElement().satisfies(o -> {
            assertThat(o.getObservedTime()).isEqualTo(minutes(2).plusSeconds(20));
            assertThat(o.getDelaySeconds()).isEqualTo(80);
        });
    }

    @Test
    void departureIsUsedWhereTheFirstStopHasNoArrival() {
        StopTimePrediction first = StopTimePrediction.newBuilder(arrival("A1", null, null))
                .setDepartureTime(minutes(1.5)).setScheduledDepartureTime(minutes(1)).build();
        update(minutes(0), first, arrival("A2", minutes(8), minutes(8)));
        update(minutes(2), arrival("A2", minutes(8), minutes(8)));

        assertThat(observations()).singleElement().satisfies(o -> {
            assertThat(o.getScheduledTime()).isEqualTo(minutes(1));
            assertThat(o.getDelaySeconds()).isEqualTo(30);
        });
    }

    @Test
    void visitNotSeenPassingIsObservedAtScheduledTimePlus30MinutesWithThePredictionItHad() {
        update(minutes(0), arrival("A1", minutes(5), minutes(40)));
        update(minutes(36), arrival("A1", minutes(5), minutes(45))); // after the 10:35 deadline: not used

        assertThat(observations()).singleElement().satisfies(o -> {
            assertThat(o.getObservationBasis()).isEqualTo(ObservationBasis.PREDICTION_AT_DEADLINE);
            assertThat(o.getObservedTime()).isEqualTo(minutes(40));
            assertThat(o.getDelaySeconds()).isEqualTo(35 * 60);
        });
    }

    @Test
    void skippedStopMakesNoEvent() {
        update(minutes(0), arrival("A1", minutes(2), minutes(2)), arrival("A2", minutes(4), minutes(4)));
        StopTimePrediction skipped = StopTimePrediction.newBuilder(arrival("A1", minutes(2), null))
                .setScheduleRelationship(StopTimeScheduleRelationship.SKIPPED).build();
        update(minutes(1), skipped, arrival("A2", minutes(4), minutes(4)));
        update(minutes(5));

        assertThat(observations()).extracting(StopObservation::getStopId).containsExactly("A2");
    }

    @Test
    void canceledTripMakesNoEvent() {
        update(minutes(0), arrival("A1", minutes(2), minutes(2)));
        kit.send(kit.tripUpdate("sofia", TRIP, "94", DAY, minutes(1))
                .setScheduleRelationship(TripScheduleRelationship.CANCELED));
        update(minutes(5));
        kit.driver.advanceWallClockTime(java.time.Duration.ofMinutes(2));

        assertThat(observations()).isEmpty();
    }

    @Test
    void repeatedPollOfAnOlderUpdateChangesNothing() {
        update(minutes(0), arrival("A1", minutes(5), minutes(6)));
        update(minutes(3), arrival("A1", minutes(5), minutes(7)));
        update(minutes(0), arrival("A1", minutes(5), minutes(6))); // the first poll, delivered again
        update(minutes(4));

        assertThat(observations()).singleElement().satisfies(o -> assertThat(o.getDelaySeconds()).isEqualTo(120));
    }

    @Test
    void sameTripOnTwoServiceDatesGivesTwoEvents() {
        // 00:30 local on the 10th still belongs to service date 9 March (the day changes at 04:00 in Sofia).
        Instant afterMidnight = Instant.parse("2026-03-09T22:30:00Z");
        kit.send(kit.tripUpdate("sofia", TRIP, "94", DAY.minusDays(1), afterMidnight,
                arrival("A1", afterMidnight.plusSeconds(60), afterMidnight.plusSeconds(60))));
        kit.send(kit.tripUpdate("sofia", TRIP, "94", DAY.minusDays(1), afterMidnight.plusSeconds(120)));
        Instant nextDay = Instant.parse("2026-03-10T22:30:00Z");
        kit.send(kit.tripUpdate("sofia", TRIP, "94", DAY, nextDay,
                arrival("A1", nextDay.plusSeconds(60), nextDay.plusSeconds(90))));
        kit.send(kit.tripUpdate("sofia", TRIP, "94", DAY, nextDay.plusSeconds(120)));

        List<StopObservation> observed = observations();
        assertThat(observed).extracting(StopObservation::getServiceDate).containsExactly(DAY.minusDays(1), DAY);
        assertThat(observed).extracting(StopObservation::getEventId).doesNotHaveDuplicates();
    }

    @Test
    void tripWhoseUpdatesStopIsObservedOnceTheCitysFeedTimePassesItsPrediction() {
        update(minutes(0), arrival("A1", minutes(2), minutes(3)));
        // Another trip keeps the city's feed going; this one disappears from the feed.
        kit.send(kit.tripUpdate("sofia", "other-trip", "76", DAY, minutes(4), arrival("B1", minutes(9), minutes(9))));
        kit.tick();
        kit.driver.advanceWallClockTime(java.time.Duration.ofMinutes(1));

        assertThat(observations()).singleElement().satisfies(o -> {
            assertThat(o.getStopId()).isEqualTo("A1");
            assertThat(o.getDelaySeconds()).isEqualTo(60);
        });
    }

    @Test
    void tripWhoseUpdatesStopIsObservedAsTheCitysFeedTimeMovesOnWithoutWaitingForTheWallClock() {
        // A catch-up or a fast replay: feed time runs far ahead of the wall clock. The last stop of a trip leaving
        // the feed must be observed as feed time passes it, not a wall-clock minute later, when its window may have
        // closed (it would be late, and left out of the indicators).
        update(minutes(0), arrival("A1", minutes(2), minutes(3)));
        kit.send(kit.tripUpdate("sofia", "other-trip", "76", DAY, minutes(4), arrival("B1", minutes(9), minutes(9))));

        assertThat(observations()).singleElement().satisfies(o -> {
            assertThat(o.getStopId()).isEqualTo("A1");
            assertThat(o.getObservationBasis()).isEqualTo(ObservationBasis.LAST_PREDICTION_BEFORE_PASSING);
            assertThat(o.getDelaySeconds()).isEqualTo(60);
        });
    }

    @Test
    void tripUpdateWithoutTripIdIsDeadLettered() {
        kit.send(kit.tripUpdate("sofia", "", "94", DAY, minutes(0), arrival("A1", minutes(2), minutes(2))));

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.missing-field");
    }
}
