package io.civicpulse.streams;

import static io.civicpulse.streams.EngineTestKit.period;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;

/**
 * pt.alert-affected-routes: routes of the static feed with an alert in effect / routes of the static feed, as a
 * level, against hand-counted routes. Sofia's static feed has four routes (94, 280, 304, 11), Patras' two (94, 280),
 * published an hour before the alerts unless a test changes them.
 */
class AlertAffectedRoutesTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final String ALERTED = "sofia/pt.alert-affected-routes/city/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("alerts-" + test.getTestMethod().orElseThrow().getName(), stateDir);
        for (String route : List.of("94", "280", "304", "11")) {
            kit.route("sofia", route, T.minus(Duration.ofHours(1)));
        }
        kit.route("patras", "94", T.minus(Duration.ofHours(1)));
        kit.route("patras", "280", T.minus(Duration.ofHours(1)));
        // The routes topic is an input partition of the city's clock: quiet for the idle time, it no longer holds
        // the city's stream time back at the routes' publication time.
        kit.wallClockRuns(Duration.ofMinutes(11));
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private static Instant minutes(double m) {
        return T.plusMillis((long) (m * 60_000));
    }

    private IndicatorValue live() {
        return kit.lastLive(ALERTED + "PT15M");
    }

    @Test
    void alertedRoutesOverRoutesOfTheStaticFeed() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94"));
        kit.send(kit.alert("sofia", "a2", minutes(1), "280", "94")); // 94 named twice: counts once
        kit.tick();

        IndicatorValue value = live();
        assertThat(value.getNumerator()).isEqualTo(2);
        assertThat(value.getDenominator()).isEqualTo(4);
        assertThat(value.getKpiValue()).isEqualTo(50.0);
        assertThat(value.getSampleCount()).isEqualTo(4);
        assertThat(value.getUnit()).isEqualTo("%");
    }

    @Test
    void routeWithTwoAlertsLeavesTheNumeratorWhenTheLastOneIsRemoved() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94"));
        kit.send(kit.alert("sofia", "a2", minutes(1), "94"));
        kit.send(kit.alert("sofia", "a1", minutes(2), "94").setRemoved(true));
        kit.tick();
        assertThat(live().getNumerator()).isEqualTo(1);

        kit.send(kit.alert("sofia", "a2", minutes(3), "94").setRemoved(true));
        kit.tick();
        IndicatorValue value = live();
        assertThat(value.getNumerator()).isEqualTo(0);
        assertThat(value.getDenominator()).isEqualTo(4);
        assertThat(value.getKpiValue()).isEqualTo(0.0);
    }

    @Test
    void alertStateSeenTwiceCountsOnce() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94"));
        kit.send(kit.alert("sofia", "a1", minutes(1), "94")); // the same poll delivered again
        kit.send(kit.alert("sofia", "a1", minutes(1), "94").setIngestedAt(minutes(2))); // re-published
        kit.tick();

        assertThat(live().getNumerator()).isEqualTo(1);
    }

    @Test
    void changedAlertMovesItsRoutes() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94", "280"));
        kit.send(kit.alert("sofia", "a1", minutes(3), "304")); // the detour now affects 304 only
        kit.tick();

        assertThat(live().getNumerator()).isEqualTo(1);
        kit.send(kit.alert("sofia", "a2", minutes(4), "304"));
        kit.send(kit.alert("sofia", "a1", minutes(5), "304").setRemoved(true));
        kit.tick();
        assertThat(live().getNumerator()).isEqualTo(1); // a2 still names 304
    }

    @Test
    void olderAlertStateThanTheOneAppliedChangesNothing() {
        kit.send(kit.alert("sofia", "a1", minutes(5), "94").setRemoved(true));
        kit.send(kit.alert("sofia", "a1", minutes(1), "94")); // delivered late: before the removal
        kit.tick();

        IndicatorValue value = live();
        assertThat(value.getNumerator()).isEqualTo(0);
        assertThat(value.getDenominator()).isEqualTo(4);
    }

    @Test
    void routeNotInTheStaticFeedIsInNeitherSide() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "999", "94"));
        kit.tick();

        IndicatorValue value = live();
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(4);
    }

    @Test
    void routeLeavingTheStaticFeedLeavesBothSides() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94", "280"));
        kit.routeRemoved("sofia", "94", minutes(1));
        kit.tick();
        IndicatorValue value = live();
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(3);

        kit.route("sofia", "94", minutes(3)); // back, and a1 still names it
        kit.send(kit.alert("sofia", "a2", minutes(3), "11")); // moves the alerts' input on to 10:03 too
        kit.tick();
        assertThat(live().getNumerator()).isEqualTo(3); // 94, 280 and 11
        assertThat(live().getDenominator()).isEqualTo(4);
    }

    @Test
    void aRouteCountsFromWhenIngestPublishedItByItsClockNotWhenKafkaReceivedIt() {
        // A replay (or a backfill) of Granada's morning: ingest's clock says 09:00, the broker's says 11:00.
        kit.route("granada", "4", T.minus(Duration.ofHours(1)), T.plus(Duration.ofHours(1)));
        kit.wallClockRuns(Duration.ofMinutes(11));
        kit.send(kit.alert("granada", "a1", minutes(1), "4"));
        kit.tick();

        IndicatorValue value = kit.lastLive("granada/pt.alert-affected-routes/city/PT15M");
        assertThat(value.getCalculationPeriodTo()).isEqualTo(minutes(2));
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(1);
    }

    @Test
    void routePublishedAgainCountsOnce() {
        kit.route("sofia", "94", minutes(1));
        kit.send(kit.alert("sofia", "a1", minutes(1), "94"));
        kit.tick();

        assertThat(live().getDenominator()).isEqualTo(4);
        assertThat(live().getNumerator()).isEqualTo(1);
    }

    @Test
    void alertCountsAtEachWindowsEndWhileInTheFeed() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94"));
        kit.send(kit.alert("sofia", "a1", minutes(20), "94").setRemoved(true));
        kit.send(kit.alert("sofia", "a2", minutes(36), "11")); // closes the windows ending 10:15 and 10:30

        assertThat(kit.finalOf(ALERTED + "PT15M", T, minutes(15)).getKpiValue()).isEqualTo(25.0);
        IndicatorValue second = kit.finalOf(ALERTED + "PT15M", minutes(15), minutes(30));
        assertThat(second.getNumerator()).isEqualTo(0);
        assertThat(second.getDenominator()).isEqualTo(4);
    }

    @Test
    void activePeriodInTheFutureTakesEffectFromItsStartToItsEnd() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94")
                .setActivePeriods(List.of(period(minutes(10), minutes(20)))));
        kit.tick();
        assertThat(live().getNumerator()).isEqualTo(0);

        kit.wallClockRuns(Duration.ofMinutes(10)); // the alert clock reaches 10:11
        assertThat(live().getNumerator()).isEqualTo(1);

        kit.wallClockRuns(Duration.ofMinutes(10)); // 10:21
        IndicatorValue after = live();
        assertThat(after.getNumerator()).isEqualTo(0);
        assertThat(after.getDenominator()).isEqualTo(4);
    }

    @Test
    void periodChangesApplyAtTheirOwnTimeWhenTheNextAlertMovesTheClock() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94")
                .setActivePeriods(List.of(period(null, minutes(10)))));
        // The next alert record is from 10:36: the period's end at 10:10 applies in the window holding 10:10.
        kit.send(kit.alert("sofia", "a2", minutes(36), "11"));

        assertThat(kit.finalOf(ALERTED + "PT15M", T, minutes(15)).getNumerator()).isEqualTo(0);
        assertThat(kit.finalOf(ALERTED + "PT15M", minutes(15), minutes(30)).getNumerator()).isEqualTo(0);
        kit.tick();
        assertThat(live().getNumerator()).isEqualTo(1); // route 11
    }

    @Test
    void alertWhosePeriodsHaveEndedIsNotInEffect() {
        kit.send(kit.alert("sofia", "a1", minutes(5), "94")
                .setActivePeriods(List.of(period(minutes(-60), minutes(-1)))));
        kit.send(kit.alert("sofia", "a2", minutes(5), "280")
                .setActivePeriods(List.of(period(minutes(-60), minutes(-1)), period(minutes(4), null))));
        kit.tick();

        assertThat(live().getNumerator()).isEqualTo(1); // a2's second period holds
    }

    @Test
    void twoCitiesWithTheSameRouteIdsAreKeptApart() {
        kit.send(kit.alert("patras", "a1", minutes(1), "94"));
        kit.send(kit.alert("sofia", "a1", minutes(1), "280", "304", "11"));
        kit.tick();

        IndicatorValue patras = kit.lastLive("patras/pt.alert-affected-routes/city/PT15M");
        assertThat(patras.getNumerator()).isEqualTo(1);
        assertThat(patras.getDenominator()).isEqualTo(2);
        assertThat(live().getNumerator()).isEqualTo(3);
        assertThat(live().getDenominator()).isEqualTo(4);
    }

    @Test
    void unusableRoutesAndAlertsAreDeadLetteredAndTheirNeighboursCounted() {
        kit.send(kit.alert("sofia", "a1", minutes(1), "94")
                .setActivePeriods(List.of(period(minutes(10), minutes(5)))));
        kit.send(kit.alert("sofia", "", minutes(1), "280"));
        kit.send(kit.alert("sofia", "a3", minutes(1), "28|0"));
        kit.send(kit.alert("sofia", "a4", minutes(1), "280").setFeedTimestamp(minutes(30)));
        kit.routes.pipeInput("no-city-key", null, minutes(1));
        kit.route("Sofia!", "94", minutes(1));
        kit.send(kit.alert("sofia", "a5", minutes(1), "304"));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactlyInAnyOrder(
                "event.invalid-field", "event.missing-field", "event.invalid-field", "event.future-timestamp",
                "event.missing-city", "event.invalid-city");
        assertThat(kit.deadLetters()).extracting(DeadLetter::getSourceTopic).containsOnly(
                "civicpulse.mobility.service-alerts.v1", "civicpulse.reference.routes.v1");
        IndicatorValue value = live();
        assertThat(value.getNumerator()).isEqualTo(1);
        assertThat(value.getDenominator()).isEqualTo(4);
    }
}
