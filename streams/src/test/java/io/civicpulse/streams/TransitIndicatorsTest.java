package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.mobility.StopObservationRules;
import io.civicpulse.streams.validation.DeadLetters;

/** pt.on-time-performance and pt.delay-p50/p90 over observed stop events, against hand-computed expectations. */
class TransitIndicatorsTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final String OTP = "sofia/pt.on-time-performance/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;
    private int stops;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("transit-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    /** A stop event observed 30 s after the previous one, whatever its delay, so that none is late. */
    private void observed(String city, String route, int delaySeconds) {
        stops++;
        kit.send(kit.observation(city, route, "trip-" + stops, "S" + stops,
                T.plusSeconds(30L * stops - delaySeconds), delaySeconds));
    }

    @Test
    void onTimePerformanceIncludesBothBoundsOfMinus60ToPlus180Seconds() {
        for (int delay : new int[] {-61, -60, 0, 180, 181}) {
            observed("sofia", "94", delay);
        }
        kit.tick();

        IndicatorValue city = kit.lastLive(OTP + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(3);
        assertThat(city.getDenominator()).isEqualTo(5);
        assertThat(city.getKpiValue()).isEqualTo(60.0);
        assertThat(kit.lastLive(OTP + "route:94/PT15M").getKpiValue()).isEqualTo(60.0);
    }

    @Test
    void delayPercentilesInterpolateBetweenRanks() {
        for (int delay : new int[] {600, 0, 300, 60, 120}) {
            observed("sofia", "94", delay);
        }
        kit.tick();

        // p50: rank 0.5 * 4 = 2 -> 120 s. p90: rank 3.6 -> 300 + 0.6 * (600 - 300) = 480 s, exactly (to rounding).
        assertThat(kit.lastLive("sofia/pt.delay-p50/city/PT15M").getKpiValue()).isEqualTo(120.0);
        IndicatorValue p90 = kit.lastLive("sofia/pt.delay-p90/route:94/PT1H");
        assertThat(p90.getKpiValue()).isCloseTo(480.0, within(1e-9));
        assertThat(p90.getSampleCount()).isEqualTo(5);
        assertThat(p90.getUnit()).isEqualTo("s");
    }

    @Test
    void delayPercentilesOfTheCalendarDayAreTheExactType7ValuesOfItsDelays() {
        // Ties, a negative delay and values a 1% sketch cannot hold exactly (its p90 here was 278.7 s, not 276).
        int[] delays = {312, -45, 12, 0, 276, 60, 12, 181, 95, 240, 130};
        for (int delay : delays) {
            observed("sofia", "A94", delay);
        }
        // 00:10 local time on the 11th (Sofia is UTC+2 in March): closes the 10th once the grace has passed.
        kit.send(kit.observation("sofia", "7", "trip-next-day", "S-next", Instant.parse("2026-03-10T22:10:00Z"), 0));
        kit.tick();

        Instant from = Instant.parse("2026-03-09T22:00:00Z");
        Instant to = Instant.parse("2026-03-10T22:00:00Z");
        // Sorted: -45 0 12 12 60 95 130 181 240 276 312. p50: h = 0.5 * 10 = 5 -> 95. p90: h = 9 -> 276.
        IndicatorValue p90 = kit.finalOf("sofia/pt.delay-p90/route:A94/P1D-calendar", from, to);
        assertThat(p90.getKpiValue()).isEqualTo(276.0);
        assertThat(p90.getNumerator()).isEqualTo(276.0);
        assertThat(p90.getSampleCount()).isEqualTo(delays.length);
        assertThat(kit.finalOf("sofia/pt.delay-p50/route:A94/P1D-calendar", from, to).getKpiValue()).isEqualTo(95.0);
    }

    @Test
    void delayBeyondThreeHoursIsCountedAsNoiseNotUsed() {
        observed("sofia", "94", 30);
        observed("sofia", "94", 3 * 3600 + 1);
        kit.tick();

        assertThat(kit.lastLive(OTP + "city/PT15M").getDenominator()).isEqualTo(1);
        assertThat(kit.metric(StopObservationRules.NOISE, "stop-observations")).isEqualTo(1);
    }

    @Test
    void stopEventsCountInTheDistrictOfTheirStop() {
        // An unreadable stop record: its stop's events count without a district, and nothing fails.
        kit.rawStops.pipeInput("sofia/S5", new byte[] {0, 0, 0, 0, 42, 1}, T.minusSeconds(7200));
        kit.stop("sofia", "S1", "sredets", T.minusSeconds(3600));
        kit.stop("sofia", "S2", "lozenets", T.minusSeconds(3600));
        kit.stop("sofia", "S3", null, T.minusSeconds(3600)); // outside every district
        observed("sofia", "94", 0);     // S1
        observed("sofia", "94", 600);   // S2
        observed("sofia", "94", 30);    // S3
        observed("sofia", "94", 900);   // S4: not in the static feed
        observed("sofia", "94", 0);     // S5: unreadable
        kit.tick();

        assertThat(kit.lastLive(OTP + "district:sredets/PT15M").getKpiValue()).isEqualTo(100.0);
        IndicatorValue lozenets = kit.lastLive(OTP + "district:lozenets/PT15M");
        assertThat(lozenets.getNumerator()).isEqualTo(0);
        assertThat(lozenets.getDenominator()).isEqualTo(1);
        assertThat(kit.lastLive("sofia/pt.delay-p90/district:lozenets/PT15M").getKpiValue())
                .isEqualTo(600.0);
        assertThat(kit.lastLive(OTP + "city/PT15M").getDenominator()).as("every stop in the city").isEqualTo(5);
        assertThat(kit.metric(EngineMetrics.REJECTED, "stops:" + DeadLetters.UNDESERIALIZABLE)).isEqualTo(1);
        assertThat(kit.latest().keySet()).filteredOn(key -> key.contains("/district:"))
                .allMatch(key -> key.contains("district:sredets/") || key.contains("district:lozenets/"));
    }

    @Test
    void twoCitiesWithTheSameRouteIdsAreKeptApart() {
        observed("sofia", "94", 0);
        observed("patras", "94", 600);
        kit.tick();

        assertThat(kit.lastLive(OTP + "route:94/PT15M").getKpiValue()).isEqualTo(100.0);
        assertThat(kit.lastLive("patras/pt.on-time-performance/route:94/PT15M").getKpiValue()).isEqualTo(0.0);
    }

    @Test
    void stopEventDerivedTwiceCountsOnce() {
        var observation = kit.observation("sofia", "94", "trip-1", "S1", T.plusSeconds(30), 45);
        kit.send(observation);
        kit.send(observation);
        kit.tick();

        assertThat(kit.lastLive(OTP + "city/PT15M").getDenominator()).isEqualTo(1);
    }

    @Test
    void tripUpdatesFlowThroughStopObservationsIntoOnTimePerformance() {
        LocalDate day = LocalDate.of(2026, 3, 10);
        kit.send(kit.tripUpdate("sofia", "t1", "94", day, T,
                EngineTestKit.arrival("A1", T.plusSeconds(60), T.plusSeconds(60 + 240))));
        kit.send(kit.tripUpdate("sofia", "t1", "94", day, T.plusSeconds(400)));
        kit.tick();

        IndicatorValue city = kit.lastLive(OTP + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(0);
        assertThat(city.getDenominator()).isEqualTo(1);
    }
    /**
     * A stop event feeds six series (on-time, p50, p90 x city, route): it counts in all of them or, late, in none.
     * Here the city's clock is behind its watermark when the event arrives (the positions partition that held it
     * went quiet, and no live interval has passed since to move it): the event is judged against the clock as it
     * stands, so it is in; the clock then moves on past its pane. It used to move after the event's first
     * contribution, which made the other five late: on-time counted an event the delay percentiles left out.
     */
    @Test
    void stopEventCountsInEveryOneOfItsSeriesEvenWhenTheClockMovesPastItsPane(@TempDir Path otherState) {
        try (EngineTestKit slow = new EngineTestKit("transit-clock-behind", otherState, java.util.Map.of(
                io.civicpulse.streams.config.EngineConfig.LIVE_INTERVAL, "PT1H",
                io.civicpulse.streams.config.EngineConfig.SOURCE_QUIET_AFTER, "PT30S"))) {
            slow.send(slow.position("sofia", "v1", T.minusSeconds(5), T)); // the positions partition at 10:00
            slow.send(slow.observation("sofia", "94", "trip-1", "S1", T.plusSeconds(30 * 60), 0)); // 10:30
            assertThat(slow.finals("sofia/pt.on-time-performance/city/PT15M")).as("held at 10:00").isEmpty();
            slow.driver.advanceWallClockTime(java.time.Duration.ofSeconds(20));
            slow.send(slow.observation("sofia", "94", "trip-3", "S3", T.plusSeconds(31 * 60), 0)); // still held
            slow.driver.advanceWallClockTime(java.time.Duration.ofSeconds(11)); // positions quiet, no live interval

            slow.send(slow.observation("sofia", "94", "trip-2", "S2", T.plusSeconds(10 * 60), 45)); // 10:10

            java.time.Instant to = T.plusSeconds(15 * 60);
            for (String series : new String[] {"pt.on-time-performance/city", "pt.delay-p50/city",
                    "pt.delay-p90/city", "pt.on-time-performance/route:94", "pt.delay-p50/route:94",
                    "pt.delay-p90/route:94"}) {
                assertThat(slow.finalOf("sofia/" + series + "/PT15M", T, to).getSampleCount()).as(series)
                        .isEqualTo(1);
            }
            assertThat(slow.deadLetters()).as("nothing late").isEmpty();
        }
    }
}
