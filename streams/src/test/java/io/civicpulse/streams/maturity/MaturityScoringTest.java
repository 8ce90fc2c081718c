package io.civicpulse.streams.maturity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.indicators.DimensionScore;
import io.civicpulse.schemas.indicators.IndicatorScore;
import io.civicpulse.schemas.indicators.MaturityScore;

class MaturityScoringTest {

    /** Two dimensions of unequal weight; in "services" e-payment counts twice as much as e-service success. */
    private static final MaturityConfig CONFIG = MaturityConfig.parse(new StringReader("""
            version = test-7
            windows = PT1H
            dimension.services.name = Services
            dimension.services.weight = 3
            dimension.transport.name = Transport
            dimension.transport.weight = 1
            indicator.gov.e-payment-share.dimension = services
            indicator.gov.e-payment-share.unit = %
            indicator.gov.e-payment-share.direction = higher
            indicator.gov.e-payment-share.weight = 2
            indicator.gov.e-payment-share.floor = 20
            indicator.gov.e-payment-share.target = 90
            indicator.gov.e-service-success.dimension = services
            indicator.gov.e-service-success.unit = %
            indicator.gov.e-service-success.direction = higher
            indicator.gov.e-service-success.weight = 1
            indicator.gov.e-service-success.floor = 80
            indicator.gov.e-service-success.target = 100
            indicator.pt.delay-p90.dimension = transport
            indicator.pt.delay-p90.unit = s
            indicator.pt.delay-p90.direction = lower
            indicator.pt.delay-p90.floor = 900
            indicator.pt.delay-p90.target = 120
            """), "test");

    private static final MaturityScoring.Period PERIOD =
            new MaturityScoring.Period("PT1H", 3_600_000, 7_200_000, true, 9_000_000);

    private static MaturityScore score(Map<String, Double> values) {
        return MaturityScoring.score(CONFIG, "sofia", PERIOD, values);
    }

    private static DimensionScore dimension(MaturityScore score, String id) {
        return score.getDimensions().stream().filter(d -> d.getDimensionId().equals(id)).findFirst().orElseThrow();
    }

    private static IndicatorScore indicator(MaturityScore score, String id) {
        return score.getDimensions().stream().flatMap(d -> d.getIndicators().stream())
                .filter(i -> i.getIndicatorId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void aValueBetweenFloorAndTargetScoresLinearly() {
        MaturityScore score = score(Map.of("gov.e-payment-share", 55.0));
        assertThat(indicator(score, "gov.e-payment-share").getScore()).isCloseTo(50.0, within(1e-9));
    }

    @Test
    void scoresAreClampedAtTheFloorAndTheTarget() {
        assertThat(indicator(score(Map.of("gov.e-payment-share", 5.0)), "gov.e-payment-share").getScore())
                .isEqualTo(0.0);
        assertThat(indicator(score(Map.of("gov.e-payment-share", 20.0)), "gov.e-payment-share").getScore())
                .isEqualTo(0.0);
        assertThat(indicator(score(Map.of("gov.e-payment-share", 90.0)), "gov.e-payment-share").getScore())
                .isEqualTo(100.0);
        assertThat(indicator(score(Map.of("gov.e-payment-share", 99.0)), "gov.e-payment-share").getScore())
                .isEqualTo(100.0);
    }

    @Test
    void aLowerIsBetterIndicatorScoresHigherAsItsValueFalls() {
        assertThat(indicator(score(Map.of("pt.delay-p90", 900.0)), "pt.delay-p90").getScore()).isEqualTo(0.0);
        assertThat(indicator(score(Map.of("pt.delay-p90", 510.0)), "pt.delay-p90").getScore())
                .isCloseTo(50.0, within(1e-9));
        assertThat(indicator(score(Map.of("pt.delay-p90", 60.0)), "pt.delay-p90").getScore()).isEqualTo(100.0);
        assertThat(indicator(score(Map.of("pt.delay-p90", 2000.0)), "pt.delay-p90").getScore()).isEqualTo(0.0);
    }

    @Test
    void aDimensionIsTheWeightedMeanOfItsIndicatorsWithData() {
        // e-payment 55% scores 50 (weight 2), e-service success 95% scores 75 (weight 1).
        MaturityScore score = score(Map.of("gov.e-payment-share", 55.0, "gov.e-service-success", 95.0));
        DimensionScore services = dimension(score, "services");
        assertThat(services.getScore()).isCloseTo((50.0 * 2 + 75.0) / 3, within(1e-9));
        assertThat(services.getIndicatorCoverage()).isEqualTo(1.0);
    }

    @Test
    void missingDataLowersTheCoverageNotTheScore() {
        MaturityScore score = score(Map.of("gov.e-payment-share", 55.0));
        DimensionScore services = dimension(score, "services");
        assertThat(services.getScore()).isCloseTo(50.0, within(1e-9));
        assertThat(services.getIndicatorCoverage()).isEqualTo(0.5);
        IndicatorScore missing = indicator(score, "gov.e-service-success");
        assertThat(missing.getKpiValue()).isNull();
        assertThat(missing.getScore()).isNull();
        assertThat(missing.getFloor()).isEqualTo(80.0);
        assertThat(missing.getTarget()).isEqualTo(100.0);
    }

    @Test
    void aNonFiniteValueCountsAsMissing() {
        Map<String, Double> values = new HashMap<>();
        values.put("gov.e-payment-share", Double.NaN);
        values.put("gov.e-service-success", null);
        MaturityScore score = score(values);
        assertThat(dimension(score, "services").getScore()).isNull();
        assertThat(dimension(score, "services").getIndicatorCoverage()).isEqualTo(0.0);
    }

    @Test
    void theIndexIsTheWeightedMeanOfTheDimensionsWithAScore() {
        // services 50 (weight 3), transport 100 (weight 1).
        MaturityScore both = score(Map.of("gov.e-payment-share", 55.0, "pt.delay-p90", 100.0));
        assertThat(both.getIndexScore()).isCloseTo((50.0 * 3 + 100.0) / 4, within(1e-9));
        assertThat(both.getLevel()).isEqualTo(4);

        // Without transport data, the index is the services score alone, not dragged down by a zero.
        MaturityScore servicesOnly = score(Map.of("gov.e-payment-share", 55.0));
        assertThat(servicesOnly.getIndexScore()).isCloseTo(50.0, within(1e-9));
        assertThat(dimension(servicesOnly, "transport").getScore()).isNull();
        assertThat(servicesOnly.getLevel()).isEqualTo(3);
    }

    @Test
    void noDataAtAllHasNoIndexAndNoLevel() {
        MaturityScore score = score(Map.of());
        assertThat(score.getIndexScore()).isNull();
        assertThat(score.getLevel()).isNull();
        assertThat(score.getDimensions()).hasSize(2);
    }

    @Test
    void levelsAreBandsOfTwenty() {
        assertThat(MaturityScoring.level(0)).isEqualTo(1);
        assertThat(MaturityScoring.level(19.999)).isEqualTo(1);
        assertThat(MaturityScoring.level(20)).isEqualTo(2);
        assertThat(MaturityScoring.level(59.9)).isEqualTo(3);
        assertThat(MaturityScoring.level(79.999)).isEqualTo(4);
        assertThat(MaturityScoring.level(80)).isEqualTo(5);
        assertThat(MaturityScoring.level(100)).isEqualTo(5);
    }

    @Test
    void standingFollowsTheScoreBands() {
        assertThat(MaturityScoring.standing(0)).isEqualTo("veryBad");
        assertThat(MaturityScoring.standing(20)).isEqualTo("bad");
        assertThat(MaturityScoring.standing(59.9)).isEqualTo("fair");
        assertThat(MaturityScoring.standing(60)).isEqualTo("good");
        assertThat(MaturityScoring.standing(80)).isEqualTo("veryGood");
    }

    @Test
    void everyScoreCarriesTheVersionsAndPeriodThatProducedIt() {
        MaturityScore score = score(Map.of("gov.e-payment-share", 55.0));
        assertThat(score.getConfigVersion()).isEqualTo("test-7");
        assertThat(score.getCatalogueVersion()).isEqualTo(io.civicpulse.streams.catalogue.IndicatorCatalogue.VERSION);
        assertThat(score.getWindow()).isEqualTo("PT1H");
        assertThat(score.getCalculationPeriodFrom().toEpochMilli()).isEqualTo(3_600_000);
        assertThat(score.getCalculationPeriodTo().toEpochMilli()).isEqualTo(7_200_000);
        assertThat(score.getFinal$()).isTrue();
        assertThat(dimension(score, "services").getName()).isEqualTo("Services");
        assertThat(dimension(score, "services").getWeight()).isEqualTo(3.0);
    }
}
