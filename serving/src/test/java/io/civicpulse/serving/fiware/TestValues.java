package io.civicpulse.serving.fiware;

import java.time.Instant;

import io.civicpulse.schemas.indicators.IndicatorDirection;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;

/** Realistic indicator values, as the engine publishes them, for the FIWARE tests. */
final class TestValues {

    private TestValues() {
    }

    /** A live on-time-performance value of route A94 in Sofia, as in docs/api.md. */
    static IndicatorValue.Builder onTimeRouteA94() {
        return IndicatorValue.newBuilder()
                .setCity("sofia")
                .setIndicatorId("pt.on-time-performance")
                .setScope("route:A94")
                .setWindow("PT1H")
                .setCalculationPeriodFrom(Instant.parse("2026-12-07T09:15:00Z"))
                .setCalculationPeriodTo(Instant.parse("2026-12-07T10:15:00Z"))
                .setCalculationFrequency("PT1S")
                .setKpiValue(83.4)
                .setNumerator(417)
                .setDenominator(500)
                .setSampleCount(500)
                .setUnit("%")
                .setCategory("quantitative")
                .setCurrentStanding("good")
                .setArea(null)
                .setDirection(IndicatorDirection.HIGHER_IS_BETTER)
                .setUpdatedAt(Instant.parse("2026-12-07T10:15:01Z"))
                .setFinal$(false)
                .setLateEventCount(0)
                .setCatalogueVersion(IndicatorCatalogue.VERSION);
    }

    /** A final median resolution time of a district's requests over a calendar day. */
    static IndicatorValue.Builder resolutionTimeLozenets() {
        return IndicatorValue.newBuilder()
                .setCity("sofia")
                .setIndicatorId("gov.request-resolution-time-p50")
                .setScope("district:lozenets")
                .setWindow("P1D-calendar")
                .setCalculationPeriodFrom(Instant.parse("2026-12-06T22:00:00Z"))
                .setCalculationPeriodTo(Instant.parse("2026-12-07T22:00:00Z"))
                .setCalculationFrequency("P1D")
                .setKpiValue(31.5)
                .setNumerator(31.5)
                .setDenominator(1)
                .setSampleCount(42)
                .setUnit("h")
                .setCategory("quantitative")
                .setCurrentStanding("fair")
                .setArea("Lozenets")
                .setDirection(IndicatorDirection.LOWER_IS_BETTER)
                .setUpdatedAt(Instant.parse("2026-12-07T22:05:00.250Z"))
                .setFinal$(true)
                .setLateEventCount(3)
                .setCatalogueVersion(IndicatorCatalogue.VERSION);
    }

    /** A city value with no data yet: no kpiValue, no standing. */
    static IndicatorValue.Builder noDataYet() {
        return onTimeRouteA94()
                .setScope("city")
                .setWindow("PT15M")
                .setCalculationPeriodFrom(Instant.parse("2026-12-07T10:00:00Z"))
                .setCalculationPeriodTo(Instant.parse("2026-12-07T10:15:00Z"))
                .setKpiValue(null)
                .setNumerator(0)
                .setDenominator(0)
                .setSampleCount(0)
                .setCurrentStanding(null);
    }
}
