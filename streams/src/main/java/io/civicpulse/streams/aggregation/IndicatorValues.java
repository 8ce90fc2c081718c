package io.civicpulse.streams.aggregation;

import java.time.Instant;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;
import io.civicpulse.streams.catalogue.Measure;

/**
 * Turns a window's tally into the published record, following the field rules of IndicatorValue.avsc: numerator
 * and denominator are always kept, kpiValue is null when there is nothing to divide by (no data is not 0%), and
 * percentiles carry their value as numerator with denominator 1.
 */
final class IndicatorValues {

    private IndicatorValues() {
    }

    /** Context of one value: where and when it was computed. */
    record Period(String windowLabel, long from, long to, String calculationFrequency, boolean isFinal,
                  long updatedAt) {
    }

    static IndicatorValue of(IndicatorDefinition definition, SeriesKey series, Period period, Tally tally) {
        double numerator;
        double denominator;
        Double kpi;
        Measure measure = definition.measure();
        switch (measure) {
            case PERCENTILE -> {
                boolean any = tally.sketch().count() > 0;
                kpi = any ? tally.sketch().quantile(definition.quantile()) : null;
                numerator = any ? kpi : 0;
                denominator = any ? 1 : 0;
            }
            case LEVEL_COUNT -> {
                numerator = tally.numerator();
                denominator = 1;
                kpi = numerator;
            }
            case RATIO, LEVEL_RATIO -> {
                numerator = tally.numerator();
                denominator = tally.denominator();
                kpi = denominator == 0 ? null : numerator / denominator * (definition.isPercent() ? 100 : 1);
            }
            default -> throw new IllegalStateException(definition.id() + ": measure " + measure
                    + " needs reference data this engine does not join yet");
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
}
