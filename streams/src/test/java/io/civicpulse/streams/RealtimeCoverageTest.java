package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.StopTimeScheduleRelationship;
import io.civicpulse.schemas.reference.FrequencyPeriod;
import io.civicpulse.schemas.reference.ScheduledStopTime;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.IndicatorWindowProcessor;

/**
 * pt.realtime-route-coverage and pt.realtime-stop-coverage against hand-computed expectations. Sofia is UTC+2 in
 * March until the 29th (UTC+3 after), so GTFS 12:00:00 of 2026-03-10 is 10:00Z. The indicators settle 10 minutes: a
 * pane closes when the city's clock passes its end + 5 min grace + 10 min. The feeds are moved on with records of a
 * trip the schedule does not have (no route, no stop), as in {@link TransitScheduleIndicatorsTest}.
 */
class RealtimeCoverageTest {

    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);
    private static final String ROUTES = "sofia/pt.realtime-route-coverage/city/";
    private static final String STOPS = "sofia/pt.realtime-stop-coverage/city/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;
    private TransitFeeds feeds;
    private int sequence;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("coverage-" + test.getTestMethod().orElseThrow().getName(), stateDir);
        feeds = new TransitFeeds(kit);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    // ---- the schedule

    /**
     * A trip of route {@code routeId} departing its first stop at {@code departure} (GTFS seconds) and calling at
     * each further stop of {@code stops} the given minutes after it: {@code "S1", 0, "S2", 10}.
     */
    private void trip(String city, String tripId, String routeId, String serviceId, int departure, Object... stops) {
        tripWithFrequencies(city, tripId, routeId, serviceId, departure, List.of(), stops);
    }

    private void tripWithFrequencies(String city, String tripId, String routeId, String serviceId, int departure,
                                     List<FrequencyPeriod> frequencies, Object... stops) {
        List<ScheduledStopTime> times = new ArrayList<>();
        for (int i = 0; i < stops.length; i += 2) {
            int at = departure + 60 * (Integer) stops[i + 1];
            times.add(new ScheduledStopTime((String) stops[i], i / 2 + 1, at, at));
        }
        feeds.trip(city, tripId, routeId, serviceId, times, frequencies);
    }

    private void calendar(String city, String serviceId, LocalDate... dates) {
        feeds.calendar(city, serviceId, dates);
    }

    private static int gtfs(int hours, int minutes) {
        return hours * 3600 + minutes * 60;
    }

    // ---- realtime

    /** A trip update for the trip at {@code at} with the given stop predictions (Sofia's: no start time). */
    private void tripUpdate(String city, String tripId, Instant at, StopTimePrediction... stops) {
        kit.send(kit.tripUpdate(city, tripId, "ignored", TransitFeeds.serviceDate(city, at), at, stops));
    }

    private static StopTimePrediction predicted(String stopId, Instant at) {
        return EngineTestKit.arrival(stopId, at, at);
    }

    private static StopTimePrediction skipped(String stopId, Instant at) {
        StopTimePrediction prediction = EngineTestKit.arrival(stopId, at, at);
        prediction.setScheduleRelationship(StopTimeScheduleRelationship.SKIPPED);
        return prediction;
    }

    private void position(String city, String tripId, Instant at) {
        feeds.position(city, tripId, null, at);
    }

    /** Both realtime feeds reach {@code at}, polled every minute from where they were (a trip not scheduled). */
    private void feedsAt(String city, Instant at) {
        feedsAt(city, at, 60);
    }

    /**
     * Then half a minute of wall time passes: the stop observations the engine derived along the way are an input
     * of their own, and their partition holds the city's clock until it has been quiet for the default 30 s, as in
     * production, where the wall clock runs while the feeds are polled.
     */
    private void feedsAt(String city, Instant at, int everySeconds) {
        feeds.feedsAt(city, at, everySeconds, this::poll);
        kit.wallClockRuns(Duration.ofSeconds(31));
    }

    private void poll(String city, Instant at) {
        String tripId = "not-scheduled-" + (++sequence);
        tripUpdate(city, tripId, at);
        position(city, tripId, at);
    }

    private static Instant at(String instant) {
        return Instant.parse(instant);
    }

    private IndicatorValue finalOf(String key, String from, String to) {
        return kit.finalOf(key, at(from), at(to));
    }

    private static void assertRatio(IndicatorValue value, long numerator, long denominator) {
        assertThat(value.getNumerator()).as("numerator of " + value).isEqualTo(numerator);
        assertThat(value.getDenominator()).as("denominator of " + value).isEqualTo(denominator);
        assertThat(value.getKpiValue()).isEqualTo(100.0 * numerator / denominator);
    }

    /** The finals of a key whose period starts at {@code from}. */
    private List<IndicatorValue> finalsFrom(String key, String from) {
        return kit.finals(key).stream().filter(v -> v.getCalculationPeriodFrom().equals(at(from))).toList();
    }

    /**
     * Routes 1 and 2, each one trip at 12:00 local (10:00Z) on {@link #DAY}: route 1 calls at S1 (10:00Z) and S2
     * (10:10Z), route 2 at S3 (10:00Z) and S4 (10:10Z); both are in operation 10:00Z to 10:10Z. The feeds start at
     * 09:00Z, so the day is planned.
     */
    private void twoRoutes() {
        trip("sofia", "t1", "1", "weekday", gtfs(12, 0), "S1", 0, "S2", 10);
        trip("sofia", "t2", "2", "weekday", gtfs(12, 0), "S3", 0, "S4", 10);
        calendar("sofia", "weekday", DAY);
        feedsAt("sofia", at("2026-03-10T09:00:00Z"));
    }

    // ---- route coverage

    @Test
    void routeLiveInOnePaneAndScheduledInSeveralCountsOncePerWindow() {
        twoRoutes();
        feedsAt("sofia", at("2026-03-10T10:05:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:05:30Z"));
        feedsAt("sofia", at("2026-03-10T11:20:00Z"));

        // Route 1 is scheduled in the 11 panes 10:00-10:10 and live in one; route 2 scheduled, never live.
        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 1, 2);
        assertRatio(finalOf(ROUTES + "PT1H", "2026-03-10T09:15:00Z", "2026-03-10T10:15:00Z"), 1, 2);
        assertRatio(finalOf(ROUTES + "PT1H", "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z"), 1, 2);
        assertRatio(finalOf(ROUTES + "PT24H", "2026-03-09T10:15:00Z", "2026-03-10T10:15:00Z"), 1, 2);
        assertThat(finalsFrom(ROUTES + "PT15M", "2026-03-10T09:45:00Z")).as("nothing scheduled before 10:00Z")
                .isEmpty();
        assertThat(finalsFrom(ROUTES + "PT15M", "2026-03-10T10:15:00Z")).as("nothing scheduled after 10:10Z")
                .isEmpty();
        IndicatorValue day = kit.lastLive(ROUTES + "P1D-calendar");
        assertThat(day.getCalculationPeriodFrom()).isEqualTo(at("2026-03-09T22:00:00Z"));
        assertRatio(day, 1, 2);
        assertThat(day.getSampleCount()).as("scheduled routes").isEqualTo(2);
    }

    @Test
    void routeSeenInTwoPanesAndTwoFeedsCountsOnce() {
        twoRoutes();
        feedsAt("sofia", at("2026-03-10T10:01:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:01:10Z"));
        position("sofia", "t1", at("2026-03-10T10:01:20Z"));
        feedsAt("sofia", at("2026-03-10T10:07:00Z"));
        position("sofia", "t1", at("2026-03-10T10:07:10Z"));
        tripUpdate("sofia", "t2", at("2026-03-10T10:07:20Z"));
        feedsAt("sofia", at("2026-03-10T10:31:00Z"));

        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 2, 2);
    }

    @Test
    void duplicateRecordsCountOnce() {
        twoRoutes();
        feedsAt("sofia", at("2026-03-10T10:02:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:02:10Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:02:10Z")); // the same poll twice (same eventId)
        position("sofia", "t1", at("2026-03-10T10:02:20Z"));
        position("sofia", "t1", at("2026-03-10T10:02:20Z"));
        feedsAt("sofia", at("2026-03-10T10:31:00Z"));

        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 1, 2);
        assertThat(kit.metric(EngineMetrics.LATE_BEYOND_GRACE, "pt.realtime-route-coverage")).isZero();
    }

    @Test
    void routeLeavesTheQuarterHourWhileStillInTheHour() {
        // Route 1 runs 10:00Z-10:10Z, live at 10:05Z; route 3 runs 10:00Z-11:00Z, live only at 10:50Z.
        trip("sofia", "t1", "1", "weekday", gtfs(12, 0), "S1", 0, "S2", 10);
        trip("sofia", "t3", "3", "weekday", gtfs(12, 0), "S5", 0, "S6", 60);
        calendar("sofia", "weekday", DAY);
        feedsAt("sofia", at("2026-03-10T09:00:00Z"));
        feedsAt("sofia", at("2026-03-10T10:05:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:05:10Z"));
        feedsAt("sofia", at("2026-03-10T10:50:00Z"));
        tripUpdate("sofia", "t3", at("2026-03-10T10:50:10Z"));
        feedsAt("sofia", at("2026-03-10T11:31:00Z"));

        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 1, 2);
        // Route 1's last scheduled pane (10:10Z) has left the quarter hour; route 3 is not live in it.
        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:15:00Z", "2026-03-10T10:30:00Z"), 0, 1);
        assertRatio(finalOf(ROUTES + "PT1H", "2026-03-10T09:30:00Z", "2026-03-10T10:30:00Z"), 1, 2);
        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:45:00Z", "2026-03-10T11:00:00Z"), 1, 1);
        assertRatio(finalOf(ROUTES + "PT1H", "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z"), 2, 2);
        // Route 1 left the hour too; route 3 is live (10:50Z) and scheduled (to 11:00Z) in it.
        assertRatio(finalOf(ROUTES + "PT1H", "2026-03-10T10:15:00Z", "2026-03-10T11:15:00Z"), 1, 1);
        // A stop is served at its stop time only: S1, S5 (10:00Z) and S2 (10:10Z), none from 10:15Z to 10:30Z.
        assertRatio(finalOf(STOPS + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 0, 3);
        assertThat(finalsFrom(STOPS + "PT15M", "2026-03-10T10:15:00Z")).isEmpty();
    }

    @Test
    void liveRouteNotScheduledInTheWindowIsNotCounted() {
        twoRoutes();
        // Route 9 runs on another date only: live today, never scheduled today.
        trip("sofia", "t9", "9", "sunday", gtfs(12, 0), "S9", 0, "S10", 10);
        calendar("sofia", "sunday", DAY.plusDays(5));
        feedsAt("sofia", at("2026-03-10T10:03:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:03:10Z"));
        tripUpdate("sofia", "t2", at("2026-03-10T10:03:10Z"));
        tripUpdate("sofia", "t9", at("2026-03-10T10:03:10Z"));
        feedsAt("sofia", at("2026-03-10T10:31:00Z"));

        IndicatorValue quarter = finalOf(ROUTES + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z");
        assertRatio(quarter, 2, 2);
        assertThat(quarter.getKpiValue()).isLessThanOrEqualTo(100.0);
    }

    @Test
    void windowWithNoScheduledRouteHasNoValueNotZero() {
        // Only a route that is not scheduled today is live: no window has a scheduled route.
        trip("sofia", "t9", "9", "sunday", gtfs(12, 0), "S9", 0, "S10", 10);
        calendar("sofia", "sunday", DAY.plusDays(5));
        feedsAt("sofia", at("2026-03-10T09:00:00Z"));
        feedsAt("sofia", at("2026-03-10T10:03:00Z"));
        tripUpdate("sofia", "t9", at("2026-03-10T10:03:10Z"), predicted("S9", at("2026-03-10T10:04:00Z")));
        feedsAt("sofia", at("2026-03-10T11:31:00Z"));

        assertThat(kit.values(ROUTES + "PT15M")).isEmpty();
        assertThat(kit.values(ROUTES + "PT1H")).isEmpty();
        assertThat(kit.values(ROUTES + "P1D-calendar")).isEmpty();
        assertThat(kit.values(STOPS + "PT15M")).isEmpty();
    }

    @Test
    void calendarDayRestartsAtLocalMidnight() {
        // 23:50 to 00:20 local (21:50Z to 22:20Z); local midnight is 22:00Z. Live only at 23:55 local.
        trip("sofia", "late", "N1", "weekday", gtfs(23, 50), "S1", 0, "S2", 30);
        calendar("sofia", "weekday", DAY);
        feedsAt("sofia", at("2026-03-10T21:00:00Z"));
        feedsAt("sofia", at("2026-03-10T21:55:00Z"));
        tripUpdate("sofia", "late", at("2026-03-10T21:55:10Z"));
        feedsAt("sofia", at("2026-03-10T22:31:00Z"));

        assertRatio(finalOf(ROUTES + "P1D-calendar", "2026-03-09T22:00:00Z", "2026-03-10T22:00:00Z"), 1, 1);
        IndicatorValue nextDay = kit.lastLive(ROUTES + "P1D-calendar");
        assertThat(nextDay.getCalculationPeriodFrom()).isEqualTo(at("2026-03-10T22:00:00Z"));
        assertRatio(nextDay, 0, 1);
        // The rolling hour across midnight holds it once.
        assertRatio(finalOf(ROUTES + "PT1H", "2026-03-10T21:15:00Z", "2026-03-10T22:15:00Z"), 1, 1);
    }

    @Test
    void dstDayHasTwentyThreeHoursAndTheNextDayRestarts() {
        // 2026-03-29: Sofia moves from UTC+2 to UTC+3; the day is 2026-03-28T22:00Z to 2026-03-29T21:00Z. A run at
        // 23:50 local (20:50Z, from the GTFS reference noon - 12 h) to 00:10 local (21:10Z), live at 20:55Z.
        LocalDate dstDay = LocalDate.of(2026, 3, 29);
        trip("sofia", "dst", "94", "sunday", gtfs(23, 50), "S1", 0, "S2", 20);
        calendar("sofia", "sunday", dstDay);
        feedsAt("sofia", at("2026-03-29T20:00:00Z"));
        feedsAt("sofia", at("2026-03-29T20:55:00Z"));
        kit.send(kit.tripUpdate("sofia", "dst", "94", dstDay, at("2026-03-29T20:55:10Z")));
        feedsAt("sofia", at("2026-03-29T21:20:00Z"));

        assertRatio(finalOf(ROUTES + "P1D-calendar", "2026-03-28T22:00:00Z", "2026-03-29T21:00:00Z"), 1, 1);
        IndicatorValue nextDay = kit.lastLive(ROUTES + "P1D-calendar");
        assertThat(nextDay.getCalculationPeriodFrom()).isEqualTo(at("2026-03-29T21:00:00Z"));
        assertRatio(nextDay, 0, 1);
    }

    @Test
    void tripPastMidnightIsScheduledOnItsServiceDateAndCountsInTheDayItRuns() {
        // GTFS 24:30:00 of Tuesday 2026-03-10 is 00:30 local on the 11th (22:30Z), to 00:40 (22:40Z). The service
        // runs on the 10th only; at 00:35 local ingest derives service date 2026-03-10 (before 04:00).
        trip("sofia", "night", "N1", "tuesday", gtfs(24, 30), "S1", 0, "S2", 10);
        calendar("sofia", "tuesday", DAY);
        feedsAt("sofia", at("2026-03-10T21:30:00Z"));
        feedsAt("sofia", at("2026-03-10T22:35:00Z"));
        tripUpdate("sofia", "night", at("2026-03-10T22:35:10Z"), predicted("S2", at("2026-03-10T22:40:00Z")));
        feedsAt("sofia", at("2026-03-10T23:01:00Z"));

        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T22:30:00Z", "2026-03-10T22:45:00Z"), 1, 1);
        assertRatio(finalOf(STOPS + "PT15M", "2026-03-10T22:30:00Z", "2026-03-10T22:45:00Z"), 1, 2);
        assertThat(finalsFrom(ROUTES + "P1D-calendar", "2026-03-09T22:00:00Z"))
                .as("nothing scheduled on the local 10th").isEmpty();
        IndicatorValue day = kit.lastLive(ROUTES + "P1D-calendar");
        assertThat(day.getCalculationPeriodFrom()).as("the local day of 2026-03-11")
                .isEqualTo(at("2026-03-10T22:00:00Z"));
        assertRatio(day, 1, 1);
    }

    @Test
    void frequencyBasedTripIsScheduledInEachRun() {
        // Runs at 10:00 and 10:20 local (08:00Z, 08:20Z), five minutes each; 10:40 is the period's end.
        tripWithFrequencies("sofia", "loop", "L", "weekday", gtfs(10, 0),
                List.of(new FrequencyPeriod(gtfs(10, 0), gtfs(10, 40), 1200, false)), "S1", 0, "S2", 5);
        calendar("sofia", "weekday", DAY);
        feedsAt("sofia", at("2026-03-10T07:00:00Z"));
        feedsAt("sofia", at("2026-03-10T08:22:00Z"));
        kit.send(kit.tripUpdate("sofia", "loop", "L", DAY, at("2026-03-10T08:22:10Z")).setStartTime("10:20:00"));
        feedsAt("sofia", at("2026-03-10T09:01:00Z"));

        assertRatio(finalOf("sofia/pt.realtime-route-coverage/city/PT15M", "2026-03-10T08:00:00Z",
                "2026-03-10T08:15:00Z"), 0, 1);
        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T08:15:00Z", "2026-03-10T08:30:00Z"), 1, 1);
        assertThat(finalsFrom(ROUTES + "PT15M", "2026-03-10T08:30:00Z")).isEmpty();
    }

    @Test
    void twoCitiesWithTheSameRouteIdsAreKeptApart() {
        twoRoutes();
        feedsAt("sofia", at("2026-03-10T10:05:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:05:10Z"));
        tripUpdate("sofia", "t2", at("2026-03-10T10:05:10Z"));
        feedsAt("sofia", at("2026-03-10T10:31:00Z"));
        // Patras (UTC here): the same trip and route ids at 12:00Z, never live.
        trip("patras", "t1", "1", "weekday", gtfs(12, 0), "S1", 0, "S2", 10);
        trip("patras", "t2", "2", "weekday", gtfs(12, 0), "S3", 0, "S4", 10);
        calendar("patras", "weekday", DAY);
        feedsAt("patras", at("2026-03-10T11:00:00Z"));
        feedsAt("patras", at("2026-03-10T12:31:00Z"));

        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 2, 2);
        assertRatio(finalOf("patras/pt.realtime-route-coverage/city/PT15M", "2026-03-10T12:00:00Z",
                "2026-03-10T12:15:00Z"), 0, 2);
        // Sofia's live routes 1 and 2 (10:05Z) are in this day-long window too, but they are Sofia's.
        assertRatio(finalOf("patras/pt.realtime-route-coverage/city/PT24H", "2026-03-09T12:15:00Z",
                "2026-03-10T12:15:00Z"), 0, 2);
    }

    @Test
    void liveDataAfterThePaneClosedIsCountedLateNotInTheValue() {
        twoRoutes();
        // The 10:04Z pane closes at 10:05Z + 5 min grace + 10 min settle = 10:20Z: at 10:18Z route 2's live data is
        // in time (it would be late without the settle time).
        feedsAt("sofia", at("2026-03-10T10:18:00Z"));
        tripUpdate("sofia", "t2", at("2026-03-10T10:04:10Z"));
        // The 10:05Z pane closes at 10:21Z.
        feedsAt("sofia", at("2026-03-10T10:25:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:05:10Z"));
        feedsAt("sofia", at("2026-03-10T10:46:00Z"));

        assertRatio(finalOf(ROUTES + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 1, 2);
        assertThat(kit.metric(EngineMetrics.LATE_BEYOND_GRACE, "pt.realtime-route-coverage")).isEqualTo(1);
        assertThat(kit.deadLetterKeys()).contains("streams/event.late-beyond-grace");
        // Counted in the pane where the series' clock was (10:25Z - 10 min settle): no route scheduled there, so a
        // record with the late count and no value.
        IndicatorValue lateQuarter = finalOf(ROUTES + "PT15M", "2026-03-10T10:15:00Z", "2026-03-10T10:30:00Z");
        assertThat(lateQuarter.getLateEventCount()).isEqualTo(1);
        assertThat(lateQuarter.getKpiValue()).isNull();
    }

    // ---- stop coverage

    @Test
    void stopCoverageCountsStopsWithAPredictionOverStopsServedByTheSchedule() {
        twoRoutes();
        feedsAt("sofia", at("2026-03-10T10:04:00Z"));
        // S2 predicted; S4 SKIPPED (no prediction counts); S7 predicted but served by no run today.
        tripUpdate("sofia", "t1", at("2026-03-10T10:04:10Z"), predicted("S2", at("2026-03-10T10:10:00Z")));
        tripUpdate("sofia", "t2", at("2026-03-10T10:04:10Z"), skipped("S4", at("2026-03-10T10:10:00Z")),
                predicted("S7", at("2026-03-10T10:11:00Z")));
        tripUpdate("sofia", "t1", at("2026-03-10T10:06:10Z"), predicted("S2", at("2026-03-10T10:10:00Z")));
        feedsAt("sofia", at("2026-03-10T10:31:00Z"));

        // Served 10:00Z-10:15Z: S1, S3 (10:00Z), S2, S4 (10:10Z); live: S2.
        assertRatio(finalOf(STOPS + "PT15M", "2026-03-10T10:00:00Z", "2026-03-10T10:15:00Z"), 1, 4);
        // Stops are served only at their stop time: 09:45Z-10:00Z has none.
        assertThat(finalsFrom(STOPS + "PT15M", "2026-03-10T09:45:00Z")).isEmpty();
    }

    @Test
    void liveValueCountsTheOpenPanesMembersOnce() {
        twoRoutes();
        feedsAt("sofia", at("2026-03-10T10:02:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:02:10Z"));
        // At 10:20Z the clock for these series is 10:10Z: panes from 10:05Z are still open.
        feedsAt("sofia", at("2026-03-10T10:20:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:08:10Z"));
        tripUpdate("sofia", "t2", at("2026-03-10T10:08:10Z"));
        kit.tick();

        IndicatorValue live = kit.lastLive(ROUTES + "PT15M");
        assertThat(live.getCalculationPeriodTo()).isEqualTo(at("2026-03-10T10:11:00Z"));
        assertRatio(live, 2, 2);
    }

    // ---- state

    @Test
    void membersAreForgottenOnceTheyLeaveTheLongestWindowAndTheDay() {
        twoRoutes();
        feedsAt("sofia", at("2026-03-10T10:05:00Z"));
        tripUpdate("sofia", "t1", at("2026-03-10T10:05:10Z"), predicted("S2", at("2026-03-10T10:10:00Z")));
        feedsAt("sofia", at("2026-03-10T11:00:00Z"));
        assertThat(lastSeenKeys()).contains("sofia|pt.realtime-route-coverage|city|1",
                "sofia|pt.realtime-route-coverage|city|2", "sofia|pt.realtime-stop-coverage|city|S2");

        // The last panes with members (10:10Z) leave the 25-hour horizon at 11:10Z the next day, closed at 11:26Z.
        feedsAt("sofia", at("2026-03-11T11:20:00Z"), 600);
        assertThat(lastSeenKeys()).as("still in the horizon").isNotEmpty();
        feedsAt("sofia", at("2026-03-11T11:30:00Z"), 60);
        assertThat(lastSeenKeys()).isEmpty();
        assertThat(paneKeys()).noneMatch(key -> key.contains("realtime"));
    }

    private List<String> lastSeenKeys() {
        KeyValueStore<String, long[]> store = kit.driver.getKeyValueStore(IndicatorWindowProcessor.LAST_SEEN_STORE);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, long[]> all = store.all()) {
            all.forEachRemaining((KeyValue<String, long[]> entry) -> keys.add(entry.key));
        }
        return keys;
    }

    private List<String> paneKeys() {
        KeyValueStore<String, Object> store = kit.driver.getKeyValueStore(IndicatorWindowProcessor.PANES_STORE);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, Object> all = store.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }
}
