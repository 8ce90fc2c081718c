package io.civicpulse.streams.maturity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.civicpulse.schemas.indicators.DimensionScore;
import io.civicpulse.schemas.indicators.IndicatorScore;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.streams.aggregation.Emission;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;

/**
 * The arithmetic of the maturity index, a pure function of the configuration and the city-scope values of one
 * window: indicator scores, dimension scores as weighted means over the indicators that have data (and the share
 * that had), the index as the weighted mean of the dimensions that have a score, and the level in bands of 20.
 * Missing data lowers the coverage, never the score: an indicator without a value is left out, not scored 0.
 */
public final class MaturityScoring {

    private MaturityScoring() {
    }

    /** The period a score covers and whether it is the window's final one. */
    public record Period(String window, long from, long to, boolean isFinal, long updatedAt) {
    }

    /**
     * @param values the city-scope kpiValue of each indicator in the window; an indicator absent (or null) had no data
     */
    public static MaturityScore score(MaturityConfig config, String city, Period period, Map<String, Double> values) {
        List<DimensionScore> dimensions = new ArrayList<>();
        double weightedSum = 0;
        double weights = 0;
        for (MaturityConfig.Dimension dimension : config.dimensions()) {
            List<IndicatorScore> indicators = new ArrayList<>();
            double dimensionSum = 0;
            double dimensionWeights = 0;
            int withData = 0;
            for (MaturityConfig.ScoredIndicator indicator : dimension.indicators()) {
                Double value = values.get(indicator.indicatorId());
                Double score = value == null || !Double.isFinite(value) ? null : indicator.score(value);
                if (score != null) {
                    withData++;
                    dimensionSum += score * indicator.weight();
                    dimensionWeights += indicator.weight();
                }
                indicators.add(IndicatorScore.newBuilder()
                        .setIndicatorId(indicator.indicatorId())
                        .setKpiValue(score == null ? null : value)
                        .setScore(score)
                        .setWeight(indicator.weight())
                        .setFloor(indicator.floor())
                        .setTarget(indicator.target())
                        .build());
            }
            Double dimensionScore = withData == 0 ? null : dimensionSum / dimensionWeights;
            if (dimensionScore != null) {
                weightedSum += dimensionScore * dimension.weight();
                weights += dimension.weight();
            }
            dimensions.add(DimensionScore.newBuilder()
                    .setDimensionId(dimension.id())
                    .setName(dimension.name())
                    .setScore(dimensionScore)
                    .setWeight(dimension.weight())
                    .setIndicatorCoverage((double) withData / dimension.indicators().size())
                    .setIndicators(indicators)
                    .build());
        }
        Double index = weights == 0 ? null : weightedSum / weights;
        return MaturityScore.newBuilder()
                .setCity(city)
                .setWindow(period.window())
                .setCalculationPeriodFrom(Instant.ofEpochMilli(period.from()))
                .setCalculationPeriodTo(Instant.ofEpochMilli(period.to()))
                .setIndexScore(index)
                .setLevel(index == null ? null : level(index))
                .setDimensions(dimensions)
                .setConfigVersion(config.version())
                .setCatalogueVersion(IndicatorCatalogue.VERSION)
                .setUpdatedAt(Instant.ofEpochMilli(period.updatedAt()))
                .setFinal$(period.isFinal())
                .build();
    }

    /**
     * The value with its FIWARE currentStanding set from its score, when the configuration scores its indicator and
     * it has a value; left null otherwise (IndicatorValue.avsc: no score, no standing).
     */
    public static Emission.Value withStanding(MaturityConfig config, Emission.Value emitted) {
        IndicatorValue value = emitted.value();
        if (value.getKpiValue() != null) {
            config.scored(value.getIndicatorId())
                    .ifPresent(scored -> value.setCurrentStanding(standing(scored.score(value.getKpiValue()))));
        }
        return emitted;
    }

    /** Level 1-5 in bands of 20: below 20 is 1, 80 and above (100 included) is 5. */
    public static int level(double index) {
        return (int) Math.min(5, Math.floor(index / 20) + 1);
    }

    /**
     * FIWARE's currentStanding of a 0-100 score, as IndicatorValue.avsc defines it: veryBad below 20, bad below 40,
     * fair below 60, good below 80, veryGood from 80.
     */
    public static String standing(double score) {
        if (score < 20) {
            return "veryBad";
        } else if (score < 40) {
            return "bad";
        } else if (score < 60) {
            return "fair";
        } else if (score < 80) {
            return "good";
        }
        return "veryGood";
    }
}
