package io.civicpulse.streams.aggregation;

import java.time.Instant;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;
import io.civicpulse.streams.catalogue.Measure;

/**
 * Turns a window's tally into the published record, following the field rules of IndicatorValue.avsc: numerator
 * and denominator are always kept, kpiValue is null when there is nothing to divide by (no data is not 0%), and
 * percentiles carry their value as numerator with denominator 1, per-capita values divide by the area's population
 * in units of 100,000 residents (times the window's length in days for the per-day ones).
 */
final class IndicatorValues {

    private IndicatorValues() {
    }

    /** Context of one value: where and when it was computed. */
    record Period(String windowLabel, long from, long to, String calculationFrequency, boolean isFinal,
                  long updatedAt) {
    }

    private static final double PER_RESIDENTS = 100_000;
    private static final double DAY_MS = 86_400_000;

    /**
     * @param population residents of the series' area; only read for per-capita measures, where it must be
     *                   positive (the caller publishes nothing without one)
     */
    static IndicatorValue of(IndicatorDefinition definition, SeriesKey series, Period period, Tally tally,
                             long population) {
        double numerator;
        double denominator;
        Double kpi;
        Measure measure = definition.measure();
        switch (measure) {
            case PERCENTILE, EXACT_PERCENTILE -> {
                boolean any = tally.percentileSamples() > 0;
                kpi = any ? tally.quantile(definition.quantile()) : null;
                numerator = any ? kpi : 0;
                denominator = any ? 1 : 0;
            }
            case LEVEL_COUNT -> {
                numerator = tally.numerator();
                denominator = 1;
                kpi = numerator;
            }
            case RATIO, LEVEL_RATIO, DISTINCT_RATIO -> {
                numerator = tally.numerator();
                denominator = tally.denominator();
                kpi = denominator == 0 ? null : numerator / denominator * (definition.isPercent() ? 100 : 1);
            }
            case RATE_PER_100K_PER_DAY -> {
                // Per day of this window: a 15-minute window counts 1/96 of a day, a DST calendar day 23/24 or 25/24.
                numerator = tally.numerator();
                denominator = perResidents(population) * ((period.to() - period.from()) / DAY_MS);
                kpi = numerator / denominator;
            }
            case LEVEL_PER_100K -> {
                numerator = tally.numerator();
                denominator = perResidents(population);
                kpi = numerator / denominator;
            }
            default -> throw new IllegalStateException(definition.id() + ": unknown measure " + measure);
        }
        return IndicatorValue.newBuilder()
                .setCity(series.city())
                .setIndicatorId(definition.id())
                .setScope(series.scope())
                .setWindow(period.windowLabel())
                .setCalculationPeriodFrom(Instant.ofEpochMilli(period.from()))
                .setCalculationPeriodTo(Instant.ofEpochMilli(period.to()))
                .setCalculationFrequency(period.calculationFrequency())
                .setKpiValue(kpi)
                .setNumerator(numerator)
                .setDenominator(denominator)
                .setSampleCount(tally.samples())
                .setUnit(definition.unit())
                .setCategory(definition.category())
                .setCurrentStanding(null)
                .setArea(null)
                .setDirection(definition.direction())
                .setUpdatedAt(Instant.ofEpochMilli(period.updatedAt()))
                .setFinal$(period.isFinal())
                .setLateEventCount(tally.late())
                .setCatalogueVersion(IndicatorCatalogue.VERSION)
                .build();
    }

    private static double perResidents(long population) {
        if (population <= 0) {
            throw new IllegalArgumentException("a per-capita value needs a positive population, got " + population);
        }
        return population / PER_RESIDENTS;
    }
}
