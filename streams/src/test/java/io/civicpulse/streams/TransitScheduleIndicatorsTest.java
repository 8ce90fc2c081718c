package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.reference.FrequencyPeriod;
import io.civicpulse.schemas.reference.ScheduledStopTime;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.transit.TripRunProcessor;

/**
 * pt.trips-served and pt.gps-tracked-trips from the schedule and the realtime feeds, against hand-computed
 * expectations. Sofia is UTC+2 in March until the 29th (UTC+3 after), so the GTFS time 12:00:00 of 2026-03-10 is
 * 10:00Z. Each test first sends a realtime record (of a trip not in the schedule) an hour ahead, so the city's
 * runs are planned before their sighting windows open, and ends with one after the runs' departure + 30 min, so
 * they are decided.
 */
class TransitScheduleIndicatorsTest {

    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);
    /** GTFS 12:00:00 of {@link #DAY} in Sofia. */
    private static final int NOON = 12 * 3600;
    private static final Instant DEPARTURE = Instant.parse("2026-03-10T10:00:00Z");
    private static final String SERVED = "sofia/pt.trips-served/";
    private static final String GPS = "sofia/pt.gps-tracked-trips/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;
    private TransitFeeds feeds;
    private int sequence;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("schedule-" + test.getTestMethod().orElseThrow().getName(), stateDir);
        feeds = new TransitFeeds(kit);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    // ---- the schedule

    /** A trip of two stops, ten minutes apart, departing its first stop at {@code departure} (GTFS seconds). */
    private void trip(String city, String tripId, String routeId, String serviceId, int departure,
                      FrequencyPeriod... frequencies) {
        feeds.trip(city, tripId, routeId, serviceId, List.of(new ScheduledStopTime("S1", 1, departure, departure),
                new ScheduledStopTime("S2", 2, departure + 600, departure + 600)), List.of(frequencies));
    }

    private void calendar(String city, String serviceId, LocalDate... dates) {
        feeds.calendar(city, serviceId, dates);
    }

    // ---- realtime

    /** A trip update for the trip at {@code at}, as ingest emits Sofia's (no start time). */
    private void tripUpdate(String city, String tripId, Instant at) {
        kit.send(kit.tripUpdate(city, tripId, "94", TransitFeeds.serviceDate(city, at), at));
    }

    private void canceled(String city, String tripId, Instant at) {
        kit.send(kit.tripUpdate(city, tripId, "94", TransitFeeds.serviceDate(city, at), at)
                .setScheduleRelationship(TripScheduleRelationship.CANCELED));
    }

    private void position(String city, String tripId, Instant at) {
        feeds.position(city, tripId, "94", at);
    }

    /** Both realtime feeds reach {@code at}, with records of a trip the schedule does not have, every minute. */
    private void feedsAt(String city, Instant at) {
        feeds.feedsAt(city, at, 60, this::poll);
    }

    private void poll(String city, Instant at) {
        tripUpdate(city, "not-scheduled-" + (++sequence), at);
        position(city, "not-scheduled-" + sequence, at);
    }

    /** The value's window holds {@code departure}: the run counted there, not where it was decided. */
    private static void assertHolds(IndicatorValue value, Instant departure) {
        assertThat(value.getCalculationPeriodFrom()).isBeforeOrEqualTo(departure);
        assertThat(value.getCalculationPeriodTo()).isAfter(departure);
    }

    private static Instant minutesFromDeparture(int minutes) {
        return DEPARTURE.plusSeconds(60L * minutes);
    }

    /** One trip departing at 10:00Z on {@link #DAY}, seen (or not) as the test says, then decided. */
    private void oneTrip() {
        trip("sofia", "A57-A290-6-27-5461188771", "94", "weekday", NOON);
        calendar("sofia", "weekday", DAY);
        feedsAt("sofia", minutesFromDeparture(-60));
    }

    private void decideAll(Instant after) {
        feedsAt("sofia", after);
        kit.tick();
    }

    // ---- pt.trips-served

    @Test
    void tripSeenTenMinutesBeforeItsDepartureIsServed() {
        oneTrip();
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-10));
        decideAll(minutesFromDeparture(31));

        IndicatorValue city = kit.lastLive(SERVED + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(1);
        assertThat(city.getDenominator()).isEqualTo(1);
        assertThat(city.getKpiValue()).isEqualTo(100.0);
        // The trip counts in the window of its departure (10:00), not of its decision (10:30).
        assertHolds(city, DEPARTURE);
        assertThat(kit.lastLive(SERVED + "route:94/PT15M").getKpiValue()).isEqualTo(100.0);
    }

    @Test
    void tripSeenOnlyThirtyOneMinutesAfterItsDepartureIsMissing() {
        oneTrip();
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(31));
        decideAll(minutesFromDeparture(32));

        IndicatorValue city = kit.lastLive(SERVED + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(0);
        assertThat(city.getDenominator()).isEqualTo(1);
        assertThat(city.getKpiValue()).isEqualTo(0.0);
    }

    @Test
    void tripSeenExactlyThirtyMinutesAfterItsDepartureIsServed() {
        oneTrip();
        position("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(30));
        decideAll(minutesFromDeparture(31));

        assertThat(kit.lastLive(SERVED + "city/PT15M").getNumerator()).isEqualTo(1);
    }

    @Test
    void tripNeverSeenIsMissingOnceItsThirtyMinutesHavePassed() {
        oneTrip();
        feedsAt("sofia", minutesFromDeparture(30));
        kit.tick();
        assertThat(kit.values(SERVED + "city/PT15M")).as("not decided at departure + 30 min").isEmpty();

        decideAll(minutesFromDeparture(31));
        IndicatorValue city = kit.lastLive(SERVED + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(0);
        assertThat(city.getDenominator()).isEqualTo(1);
    }

    @Test
    void canceledTripCountsAsNotServedEvenWithAVehiclePosition() {
        oneTrip();
        canceled("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-20));
        position("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        decideAll(minutesFromDeparture(31));

        IndicatorValue city = kit.lastLive(SERVED + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(0);
        assertThat(city.getDenominator()).isEqualTo(1);
        assertThat(kit.values(GPS + "city/PT15M")).as("a canceled trip is not tracked or untracked").isEmpty();
    }

    @Test
    void tripWhoseServiceIsNotActiveOnTheDateCountsNowhere() {
        oneTrip();
        trip("sofia", "weekend-trip", "94", "weekend", NOON);
        calendar("sofia", "weekend", DAY.plusDays(4));
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        tripUpdate("sofia", "weekend-trip", minutesFromDeparture(-5));
        decideAll(minutesFromDeparture(31));

        IndicatorValue city = kit.lastLive(SERVED + "city/PT1H");
        assertThat(city.getNumerator()).isEqualTo(1);
        assertThat(city.getDenominator()).isEqualTo(1);
    }

    @Test
    void tripAfterMidnightBelongsToThePreviousServiceDateAndCountsAtItsDeparture() {
        // 24:30:00 of 2026-03-10 is 00:30 local on the 11th (22:30Z); the service runs on the 10th only.
        trip("sofia", "night", "N1", "tuesday", 24 * 3600 + 1800);
        calendar("sofia", "tuesday", DAY);
        Instant departure = Instant.parse("2026-03-10T22:30:00Z");
        feedsAt("sofia", departure.minusSeconds(3600));
        // At 00:35 local ingest derives service date 2026-03-10 (before 04:00).
        tripUpdate("sofia", "night", departure.plusSeconds(300));
        decideAll(departure.plusSeconds(31 * 60));

        IndicatorValue route = kit.lastLive("sofia/pt.trips-served/route:N1/PT15M");
        assertThat(route.getNumerator()).isEqualTo(1);
        assertThat(route.getDenominator()).isEqualTo(1);
        assertHolds(route, departure);
        IndicatorValue day = kit.lastLive("sofia/pt.trips-served/route:N1/P1D-calendar");
        assertThat(day.getCalculationPeriodFrom()).as("the local calendar day of 2026-03-11")
                .isEqualTo(Instant.parse("2026-03-10T22:00:00Z"));
        assertThat(day.getDenominator()).isEqualTo(1);
    }

    @Test
    void frequencyBasedTripCountsEachRunNamedByItsStartTime() {
        // 10:00, 10:20 and 10:40 local (08:00Z, 08:20Z, 08:40Z); 11:00 is the period's end, not a run.
        trip("sofia", "loop", "L", "weekday", 10 * 3600, new FrequencyPeriod(10 * 3600, 11 * 3600, 1200, false));
        calendar("sofia", "weekday", DAY);
        feedsAt("sofia", Instant.parse("2026-03-10T07:00:00Z"));
        kit.send(kit.tripUpdate("sofia", "loop", "L", DAY, Instant.parse("2026-03-10T08:15:00Z"))
                .setStartTime("10:20:00"));
        decideAll(Instant.parse("2026-03-10T09:11:00Z"));

        IndicatorValue hour = kit.lastLive("sofia/pt.trips-served/route:L/PT1H");
        assertThat(hour.getNumerator()).isEqualTo(1);
        assertThat(hour.getDenominator()).isEqualTo(3);
    }

    @Test
    void updateOfAFrequencyBasedTripWithoutStartTimeIsDeadLetteredNotGuessed() {
        trip("sofia", "loop", "L", "weekday", 10 * 3600, new FrequencyPeriod(10 * 3600, 11 * 3600, 1200, false));
        calendar("sofia", "weekday", DAY);
        feedsAt("sofia", Instant.parse("2026-03-10T07:00:00Z"));
        tripUpdate("sofia", "loop", Instant.parse("2026-03-10T08:15:00Z"));
        decideAll(Instant.parse("2026-03-10T09:11:00Z"));

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason)
                .containsExactly(TripRunProcessor.FREQUENCY_RUN_UNIDENTIFIED);
        IndicatorValue hour = kit.lastLive("sofia/pt.trips-served/route:L/PT1H");
        assertThat(hour.getNumerator()).isEqualTo(0);
        assertThat(hour.getDenominator()).isEqualTo(3);
    }

    @Test
    void duplicateAndRepeatedSightingsCountTheTripOnce() {
        oneTrip();
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(2));
        position("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(3));
        decideAll(minutesFromDeparture(31));

        IndicatorValue city = kit.lastLive(SERVED + "city/PT1H");
        assertThat(city.getNumerator()).isEqualTo(1);
        assertThat(city.getDenominator()).isEqualTo(1);
        assertThat(city.getSampleCount()).isEqualTo(1);
    }

    @Test
    void twoCitiesWithTheSameTripIdsAreKeptApart() {
        oneTrip();
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        decideAll(minutesFromDeparture(31));
        // Patras (UTC in this configuration): the same trip id departs at 12:00Z and is never seen.
        trip("patras", "A57-A290-6-27-5461188771", "94", "weekday", NOON);
        calendar("patras", "weekday", DAY);
        feedsAt("patras", Instant.parse("2026-03-10T11:00:00Z"));
        feedsAt("patras", Instant.parse("2026-03-10T12:31:00Z"));
        kit.tick();

        assertThat(kit.lastLive(SERVED + "route:94/PT15M").getKpiValue()).isEqualTo(100.0);
        IndicatorValue patras = kit.lastLive("patras/pt.trips-served/route:94/PT15M");
        assertThat(patras.getKpiValue()).isEqualTo(0.0);
        assertThat(patras.getDenominator()).isEqualTo(1);
    }

    @Test
    void departureOnTheDstDayCountsFromNoonMinusTwelveHours() {
        // 2026-03-29: Sofia moves from UTC+2 to UTC+3 at 03:00. GTFS 08:00:00 is noon (09:00Z) - 12 h + 8 h = 05:00Z,
        // 08:00 on the clock; from midnight it would be 06:00Z, and a trip seen at 05:05Z would then be missing.
        LocalDate dstDay = LocalDate.of(2026, 3, 29);
        trip("sofia", "dst", "94", "sunday", 8 * 3600);
        calendar("sofia", "sunday", dstDay);
        feedsAt("sofia", Instant.parse("2026-03-29T04:00:00Z"));
        kit.send(kit.tripUpdate("sofia", "dst", "94", dstDay, Instant.parse("2026-03-29T05:05:00Z")));
        decideAll(Instant.parse("2026-03-29T05:31:00Z"));

        IndicatorValue quarter = kit.lastLive(SERVED + "city/PT15M");
        assertThat(quarter.getNumerator()).isEqualTo(1);
        assertHolds(quarter, Instant.parse("2026-03-29T05:00:00Z"));
        IndicatorValue day = kit.lastLive(SERVED + "city/P1D-calendar");
        assertThat(day.getCalculationPeriodFrom()).isEqualTo(Instant.parse("2026-03-28T22:00:00Z"));
        assertThat(day.getCalculationPeriodTo()).as("a 23-hour day").isEqualTo(Instant.parse("2026-03-29T21:00:00Z"));
        assertThat(day.getDenominator()).isEqualTo(1);
    }

    /** A stop event observed at {@code at}: the city's other input, whose clock runs with the feeds. */
    private void observedAt(Instant at) {
        sequence++;
        kit.send(kit.observation("sofia", "94", "observed-" + sequence, "S" + sequence, at, 0));
    }

    @Test
    void decisionThirtyMinutesAfterDepartureIsInTheFinalNotLate() {
        oneTrip();
        trip("sofia", "later", "94", "weekday", NOON + 20 * 60);
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-10));
        // Stop events have moved the city's clock to 10:34Z when the 10:00Z trip is decided: its pane would have
        // closed at 10:06Z without the indicator's 30 minutes of settle time.
        observedAt(minutesFromDeparture(34));
        feedsAt("sofia", minutesFromDeparture(31));
        // The 10:20Z trip is decided at 10:50Z: both inputs at 10:50Z close the settled panes up to 10:15Z.
        observedAt(minutesFromDeparture(51));
        decideAll(minutesFromDeparture(51));

        IndicatorValue quarter = kit.finalOf(SERVED + "city/PT15M", DEPARTURE, minutesFromDeparture(15));
        assertThat(quarter.getNumerator()).isEqualTo(1);
        assertThat(quarter.getDenominator()).isEqualTo(1);
        assertThat(quarter.getLateEventCount()).isEqualTo(0);
        assertThat(kit.metric(EngineMetrics.LATE_BEYOND_GRACE, "pt.trips-served")).isEqualTo(0);
    }

    @Test
    void settlingTripDecisionsDoNotHoldBackTheCitysOtherIndicators() {
        oneTrip();
        trip("sofia", "later", "94", "weekday", NOON + 20 * 60);
        // The first trip is decided (at 10:30Z) before any stop event arrives: the decisions are one of the city's
        // inputs, and its clock is the smallest of its inputs' progress.
        feedsAt("sofia", minutesFromDeparture(31));
        observedAt(minutesFromDeparture(34));
        observedAt(minutesFromDeparture(51));
        // The last decision (the 10:20Z trip) is made at 10:50Z and says so: the clock reaches 10:50Z, not 10:20Z.
        decideAll(minutesFromDeparture(51));

        IndicatorValue onTime = kit.finalOf("sofia/pt.on-time-performance/city/PT15M", minutesFromDeparture(30),
                minutesFromDeparture(45));
        assertThat(onTime.getDenominator()).isEqualTo(1);
    }

    @Test
    void runWhoseWindowOpenedBeforeTheFirstRealtimeRecordIsNotCounted() {
        trip("sofia", "A57-A290-6-27-5461188771", "94", "weekday", NOON);
        trip("sofia", "later", "94", "weekday", NOON + 40 * 60);
        calendar("sofia", "weekday", DAY);
        // The engine starts watching at 09:45Z: the 10:00Z trip's window opened at 09:30Z, the 10:40Z one's at 10:10Z.
        feedsAt("sofia", minutesFromDeparture(-15));
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        decideAll(minutesFromDeparture(71));

        IndicatorValue hour = kit.lastLive(SERVED + "city/PT1H");
        assertThat(hour.getNumerator()).isEqualTo(0);
        assertThat(hour.getDenominator()).isEqualTo(1);
    }

    @Test
    void cancellationPublishedTheDayBeforeCountsTheTripAsNotServed() {
        trip("sofia", "A57-A290-6-27-5461188771", "94", "weekday", NOON);
        calendar("sofia", "weekday", DAY);
        // On the 9th at noon the 10th is not planned yet (it is at 23:30 local that evening).
        feedsAt("sofia", Instant.parse("2026-03-09T10:00:00Z"));
        kit.send(kit.tripUpdate("sofia", "A57-A290-6-27-5461188771", "94", DAY, Instant.parse("2026-03-09T10:01:00Z"))
                .setScheduleRelationship(TripScheduleRelationship.CANCELED));
        feedsAt("sofia", Instant.parse("2026-03-09T22:00:00Z"));
        position("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-2));
        decideAll(minutesFromDeparture(31));

        IndicatorValue city = kit.lastLive(SERVED + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(0);
        assertThat(city.getDenominator()).isEqualTo(1);
    }

    @Test
    void calendarChangeBeforeTheSightingWindowOpensWithdrawsTheRun() {
        oneTrip();
        trip("sofia", "B", "94", "daily", NOON);
        calendar("sofia", "daily", DAY);
        // The new feed no longer runs the weekday service on the 10th; at 09:00Z the 10:00Z trip's window is ahead.
        calendar("sofia", "weekday", DAY.plusDays(1));
        tripUpdate("sofia", "B", minutesFromDeparture(-5));
        decideAll(minutesFromDeparture(31));

        IndicatorValue city = kit.lastLive(SERVED + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(1);
        assertThat(city.getDenominator()).isEqualTo(1);
    }

    @Test
    void tripsOfACityWhoseFeedsWentQuietAreStillDecidedAsMissing() {
        oneTrip();
        // Nothing after 09:00Z: after the 10 idle minutes the run clock follows the wall clock, and 10:30Z passes
        // after 91 more minutes.
        for (int minute = 0; minute < 102; minute++) {
            kit.driver.advanceWallClockTime(Duration.ofMinutes(1)); // the engine's punctuations run on as in life
        }
        kit.tick();

        IndicatorValue city = kit.lastLive(SERVED + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(0);
        assertThat(city.getDenominator()).isEqualTo(1);
    }

    @Test
    void badScheduledTripIsDeadLetteredAndTheRestOfTheScheduleCounts() {
        oneTrip();
        feeds.trip("sofia", "broken", "94", "weekday", List.of(), List.of());
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        decideAll(minutesFromDeparture(31));

        assertThat(kit.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("event.missing-field");
            assertThat(letter.getSourceTopic()).isEqualTo(Topics.SCHEDULED_TRIPS.name());
            assertThat(letter.getHeaders()).containsEntry("field", "stopTimes");
        });
        assertThat(kit.lastLive(SERVED + "city/PT15M").getDenominator()).isEqualTo(1);
    }

    // ---- pt.gps-tracked-trips

    @Test
    void gpsTrackedCountsTripsWithATripUpdateAndThoseAlsoSeenInPositions() {
        oneTrip();
        trip("sofia", "B", "94", "weekday", NOON);
        trip("sofia", "C", "94", "weekday", NOON);
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        position("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(1));
        tripUpdate("sofia", "B", minutesFromDeparture(-5));
        position("sofia", "C", minutesFromDeparture(1));
        decideAll(minutesFromDeparture(31));

        assertThat(kit.lastLive(SERVED + "city/PT15M").getNumerator()).isEqualTo(3);
        IndicatorValue gps = kit.lastLive(GPS + "city/PT15M");
        assertThat(gps.getNumerator()).as("A: trip update and position").isEqualTo(1);
        assertThat(gps.getDenominator()).as("A and B had a trip update; C only a position").isEqualTo(2);
        assertThat(gps.getKpiValue()).isEqualTo(50.0);
        assertThat(kit.lastLive(GPS + "route:94/PT15M").getKpiValue()).isEqualTo(50.0);
    }

    @Test
    void positionSeenAfterTheThirtyMinutesDoesNotTrackTheTrip() {
        oneTrip();
        tripUpdate("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(-5));
        position("sofia", "A57-A290-6-27-5461188771", minutesFromDeparture(31));
        decideAll(minutesFromDeparture(32));

        IndicatorValue gps = kit.lastLive(GPS + "city/PT15M");
        assertThat(gps.getNumerator()).isEqualTo(0);
        assertThat(gps.getDenominator()).isEqualTo(1);
    }
}
