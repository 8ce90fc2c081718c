package io.civicpulse.streams;

import static io.civicpulse.schemas.services.OpenDataAccessKind.API_CALL;
import static io.civicpulse.schemas.services.OpenDataAccessKind.DOWNLOAD;
import static io.civicpulse.schemas.services.OpenDataAccessKind.UNKNOWN;
import static io.civicpulse.schemas.services.RequestLifecycle.CLOSED;
import static io.civicpulse.schemas.services.RequestLifecycle.OPENED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Instant;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.streams.aggregation.EngineMetrics;

/**
 * The per-capita indicators (civic reports and open-data use per 100,000 residents per day), against hand-computed
 * expectations: the denominator is population / 100,000 times the window's length in days.
 */
class PerCapitaIndicatorsTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final String REPORTS = "sofia/gov.civic-reports-per-100k/";
    private static final String OPEN_DATA = "sofia/gov.open-data-use-per-100k/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;
    private int requests;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("capita-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private static Instant minutes(double m) {
        return T.plusMillis((long) (m * 60_000));
    }

    private ServiceRequestEvent.Builder report(Instant at) {
        return kit.request("sofia", "r" + (++requests), "pothole", OPENED, at, at);
    }

    @Test
    void civicReportsIn15MinutesAreScaledToADay() {
        kit.population("sofia", "city", 1_000_000, T.minusSeconds(3600));
        for (int i = 1; i <= 5; i++) {
            kit.send(report(minutes(i)));
        }
        kit.send(report(minutes(6)).setReportedByResident(false)); // filed by city staff: not a civic report
        kit.send(kit.request("sofia", "r99", "pothole", CLOSED, minutes(-30), minutes(7))); // never seen OPENED
        kit.tick();

        // 5 reports in 1/96 of a day among 10 x 100,000 residents: 5 * 96 / 10.
        IndicatorValue value = kit.lastLive(REPORTS + "city/PT15M");
        assertThat(value.getNumerator()).isEqualTo(5);
        assertThat(value.getDenominator()).isCloseTo(10.0 / 96, within(1e-12));
        assertThat(value.getKpiValue()).isCloseTo(48.0, within(1e-9));
        assertThat(value.getSampleCount()).isEqualTo(5);
        assertThat(value.getUnit()).isEqualTo("count");
    }

    @Test
    void districtReportsAreDividedByTheDistrictsPopulation() {
        kit.population("sofia", "city", 1_000_000, T.minusSeconds(3600));
        kit.population("sofia", "district:lozenets", 50_000, T.minusSeconds(3600));
        kit.send(report(minutes(1)).setDistrict("lozenets"));
        kit.send(report(minutes(2)).setDistrict("lozenets"));
        kit.send(report(minutes(3)).setDistrict("mladost"));
        kit.tick();

        // An hour is 1/24 of a day: lozenets 2 * 24 / 0.5, the city 3 * 24 / 10.
        assertThat(kit.lastLive(REPORTS + "district:lozenets/PT1H").getKpiValue()).isCloseTo(96.0, within(1e-9));
        assertThat(kit.lastLive(REPORTS + "city/PT1H").getKpiValue()).isCloseTo(7.2, within(1e-9));
    }

    @Test
    void perCapitaValueWithoutAKnownPopulationIsNotPublishedButCounted() {
        kit.population("sofia", "city", 1_000_000, T.minusSeconds(3600));
        kit.send(report(minutes(1)).setDistrict("mladost")); // no population for district:mladost
        kit.tick();

        assertThat(kit.indicatorRecords()).extracting(TestRecord::key)
                .contains(REPORTS + "city/PT15M")
                .noneMatch(key -> key.startsWith(REPORTS + "district:mladost/"));
        assertThat(kit.metric(EngineMetrics.NO_POPULATION, "gov.civic-reports-per-100k")).isPositive();
    }

    @Test
    void valuesWithheldForWantOfPopulationAppearOnceItIsPublished() {
        kit.send(report(minutes(1)));
        kit.send(report(minutes(2)));
        kit.tick();
        assertThat(kit.indicatorRecords()).extracting(TestRecord::key).noneMatch(key -> key.startsWith(REPORTS));

        kit.population("sofia", "city", 2_000_000, minutes(3));
        kit.tick();
        IndicatorValue value = kit.lastLive(REPORTS + "city/PT1H");
        assertThat(value.getNumerator()).isEqualTo(2);
        assertThat(value.getKpiValue()).isCloseTo(2 * 24 / 20.0, within(1e-9));
    }

    @Test
    void calendarDayOfSpringForwardIsDividedByItsRealLengthOf23Hours() {
        kit.population("sofia", "city", 1_000_000, Instant.parse("2026-03-28T12:00:00Z"));
        kit.send(report(Instant.parse("2026-03-29T06:00:00Z")));
        kit.send(report(Instant.parse("2026-03-29T10:00:00Z")));
        kit.send(report(Instant.parse("2026-03-29T21:06:00Z"))); // 00:06 local on the 30th: closes the 29th

        IndicatorValue day = kit.finalOf(REPORTS + "city/P1D-calendar", Instant.parse("2026-03-28T22:00:00Z"),
                Instant.parse("2026-03-29T21:00:00Z"));
        assertThat(day.getNumerator()).isEqualTo(2);
        assertThat(day.getDenominator()).isCloseTo(10.0 * 23 / 24, within(1e-12));
        assertThat(day.getKpiValue()).isCloseTo(2 / (10.0 * 23 / 24), within(1e-9));
    }

    @Test
    void openDataUseCountsDownloadsAndApiCallsPerDay() {
        kit.population("sofia", "city", 2_000_000, T.minusSeconds(3600));
        kit.send(kit.openDataAccess("sofia", "air-quality", DOWNLOAD, minutes(1)));
        kit.send(kit.openDataAccess("sofia", "air-quality", DOWNLOAD, minutes(2)));
        kit.send(kit.openDataAccess("sofia", "budget", API_CALL, minutes(3)));
        kit.send(kit.openDataAccess("sofia", "budget", UNKNOWN, minutes(4)));
        kit.tick();

        // 3 accesses in 1/24 of a day among 20 x 100,000 residents.
        IndicatorValue value = kit.lastLive(OPEN_DATA + "city/PT1H");
        assertThat(value.getNumerator()).isEqualTo(3);
        assertThat(value.getKpiValue()).isCloseTo(3 * 24 / 20.0, within(1e-9));
        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.unknown-enum");
    }

    @Test
    void populationThatIsNotPositiveIsDeadLetteredAndNeverDividedBy() {
        kit.population("sofia", "city", 0, T.minusSeconds(3600));
        kit.send(kit.openDataAccess("sofia", "air-quality", DOWNLOAD, minutes(1)));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.invalid-field");
        assertThat(kit.indicatorRecords()).isEmpty();
    }

    @Test
    void populationOfAnAreaThatIsNeitherCityNorDistrictIsDeadLettered() {
        kit.population("sofia", "neighbourhood:center", 10_000, T.minusSeconds(3600));

        DeadLetter deadLetter = kit.deadLetters().get(0);
        assertThat(deadLetter.getReason()).isEqualTo("event.invalid-field");
        assertThat(deadLetter.getMessage()).contains("neither city nor district");
        assertThat(deadLetter.getPayload()).isNotNull();
    }

    @Test
    void populationTombstoneStopsThePerCapitaValues() {
        kit.population("sofia", "city", 1_000_000, T.minusSeconds(3600));
        kit.send(kit.openDataAccess("sofia", "air-quality", DOWNLOAD, minutes(1)));
        kit.tick();
        int before = kit.lives(OPEN_DATA + "city/PT15M").size();

        kit.population.pipeInput("sofia/city", null, minutes(2));
        kit.send(kit.openDataAccess("sofia", "air-quality", DOWNLOAD, minutes(2)));
        kit.tick();

        assertThat(before).isEqualTo(1);
        assertThat(kit.lives(OPEN_DATA + "city/PT15M")).hasSize(1);
        assertThat(kit.metric(EngineMetrics.NO_POPULATION, "gov.open-data-use-per-100k")).isPositive();
    }
}
