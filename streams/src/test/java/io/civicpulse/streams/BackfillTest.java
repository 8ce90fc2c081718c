package io.civicpulse.streams;

import static io.civicpulse.schemas.services.RequestLifecycle.OPENED;
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

import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.services.SessionPhase;

/**
 * A backfill: an Open311 endpoint's first poll returns a month of history, so a city's clock has weeks of panes
 * to close at once. The engine closes them in bounded chunks (never holding the stream thread past the
 * transaction timeout); what dashboards get must be exactly what closing them in one go would give.
 */
class BackfillTest {

    private static final Instant NOW = Instant.parse("2026-03-10T10:00:00Z");
    private static final Instant MONTH_AGO = NOW.minus(Duration.ofDays(30));
    private static final String OPEN = "sofia/gov.open-requests/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("backfill-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void aMonthOfPanesClosedInChunksGivesEveryFinalOnceWithTheLevelOfItsTime() {
        kit.send(kit.request("sofia", "r1", "pothole", OPENED, MONTH_AGO, MONTH_AGO));
        // Day 10: a second request; then the present: the clock jumps twenty days in one record.
        Instant tenDaysLater = MONTH_AGO.plus(Duration.ofDays(10));
        kit.send(kit.request("sofia", "r2", "pothole", OPENED, tenDaysLater, tenDaysLater));
        kit.send(kit.request("sofia", "r3", "pothole", OPENED, NOW, NOW));
        for (int i = 0; i < 5; i++) {
            kit.tick(); // a slow machine may leave part of the catch-up to the next live intervals
        }

        List<IndicatorValue> finals = kit.finals(OPEN + "city/PT15M");
        // Windows end every 15 minutes from a month ago + 15 min up to the last end before NOW - 5 min of grace.
        assertThat(finals).hasSize(30 * 96 - 1);
        assertThat(finals.stream().map(IndicatorValue::getCalculationPeriodTo).distinct()).hasSize(30 * 96 - 1);
        assertThat(kit.finalOf(OPEN + "city/PT15M", tenDaysLater.minus(Duration.ofMinutes(15)), tenDaysLater)
                .getKpiValue()).isEqualTo(1.0);
        assertThat(kit.finalOf(OPEN + "city/PT15M", tenDaysLater, tenDaysLater.plus(Duration.ofMinutes(15)))
                .getKpiValue()).isEqualTo(2.0);
        assertThat(kit.finalOf(OPEN + "city/PT15M", NOW.minus(Duration.ofMinutes(30)), NOW.minus(Duration.ofMinutes(15)))
                .getKpiValue()).isEqualTo(2.0);
    }

    @Test
    void liveServicesArePublishedWhileTheCityCatchesUpOnABackfill() {
        // The first poll of an Open311 endpoint: a month of history, ending an hour ago.
        for (int day = 30; day >= 0; day--) {
            Instant at = NOW.minus(Duration.ofDays(day)).minus(Duration.ofHours(1));
            kit.send(kit.request("sofia", "r" + day, "pothole", OPENED, at, at));
        }
        kit.send(kit.session("sofia", "parking-permit", SessionPhase.COMPLETED, ServiceChannel.WEB, NOW));
        kit.send(kit.request("sofia", "r-now", "pothole", OPENED, NOW, NOW));
        for (int i = 0; i < 5; i++) {
            kit.tick();
        }

        assertThat(kit.lastLive("sofia/gov.e-service-success/city/PT15M").getDenominator()).isEqualTo(1);
    }
}
