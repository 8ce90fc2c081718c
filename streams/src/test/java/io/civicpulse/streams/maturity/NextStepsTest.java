package io.civicpulse.streams.maturity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.StringReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.indicators.MaturityScore;

/** The next-steps arithmetic on small hand-made configurations, every number checked against a re-score. */
class NextStepsTest {

    private static final MaturityScoring.Period PERIOD =
            new MaturityScoring.Period("PT24H", 0, 86_400_000, false, 86_400_000);

    /** Five equal-weight indicators scored 0 at 0% and 100 at 100%: a value is its score. */
    private static final MaturityConfig FIVE = config("""
            dimension.services.name = Services
            dimension.services.weight = 1
            """ + percent("gov.online-service-availability", "services", 1, 0, 100)
            + percent("gov.digital-channel-share", "services", 1, 0, 100)
            + percent("gov.e-service-success", "services", 1, 0, 100)
            + percent("gov.e-payment-share", "services", 1, 0, 100)
            + percent("gov.requests-closed-on-time", "services", 1, 0, 100));

    /** Services (three indicators, realistic floors) and a transport dimension three times as heavy. */
    private static final MaturityConfig TWO = config("""
            dimension.services.name = Services
            dimension.services.weight = 1
            dimension.transport.name = Transport
            dimension.transport.weight = 3
            """ + percent("gov.e-payment-share", "services", 1, 0, 100)
            + percent("gov.digital-channel-share", "services", 1, 0, 100)
            + percent("gov.e-service-success", "services", 1, 80, 99)
            + """
            indicator.pt.delay-p90.dimension = transport
            indicator.pt.delay-p90.unit = s
            indicator.pt.delay-p90.direction = lower
            indicator.pt.delay-p90.weight = 1
            indicator.pt.delay-p90.floor = 900
            indicator.pt.delay-p90.target = 120
            """);

    private static MaturityConfig config(String body) {
        return MaturityConfig.parse(new StringReader("version = next-steps-test\nwindows = PT24H\n" + body), "test");
    }

    private static String percent(String id, String dimension, double weight, double floor, double target) {
        return "indicator." + id + ".dimension = " + dimension + "\n"
                + "indicator." + id + ".unit = %\n"
                + "indicator." + id + ".direction = higher\n"
                + "indicator." + id + ".weight = " + weight + "\n"
                + "indicator." + id + ".floor = " + floor + "\n"
                + "indicator." + id + ".target = " + target + "\n";
    }

    private static MaturityScore score(MaturityConfig config, Map<String, Double> values) {
        return MaturityScoring.score(config, "testville", PERIOD, values);
    }

    private static NextSteps.Plan plan(MaturityConfig config, Map<String, Double> values) {
        return NextSteps.plan(config, score(config, values));
    }

    /** The published index with every step of the plan applied. */
    private static MaturityScore withSteps(MaturityConfig config, Map<String, Double> values, NextSteps.Plan plan) {
        Map<String, Double> applied = new HashMap<>(values);
        plan.steps().forEach(step -> applied.put(step.indicatorId(), step.neededValue()));
        return score(config, applied);
    }

    private static NextSteps.Option option(NextSteps.Plan plan, String id) {
        return plan.ranked().stream().filter(o -> o.indicatorId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void theSetTakesWholeStepsByLargestGainThenOnePartialStep() {
        // Index 60 (level 4), 20 points to level 5; gains at target 12, 10, 8, 6, 4.
        Map<String, Double> values = Map.of("gov.online-service-availability", 40.0, "gov.digital-channel-share", 50.0,
                "gov.e-service-success", 60.0, "gov.e-payment-share", 70.0, "gov.requests-closed-on-time", 80.0);
        NextSteps.Plan plan = plan(FIVE, values);

        assertThat(plan.indexScore()).isCloseTo(60.0, within(1e-9));
        assertThat(plan.nextLevel()).isEqualTo(5);
        assertThat(plan.nextLevelAt()).isEqualTo(80.0);
        assertThat(plan.steps()).extracting(NextSteps.Step::indicatorId)
                .containsExactly("gov.online-service-availability", "gov.digital-channel-share");
        NextSteps.Step whole = plan.steps().get(0);
        assertThat(whole.partial()).isFalse();
        assertThat(whole.neededValue()).isEqualTo(100.0);
        assertThat(whole.gain()).isCloseTo(12.0, within(1e-9));
        NextSteps.Step last = plan.steps().get(1);
        assertThat(last.partial()).isTrue();
        // 8 points still needed at 1/5 of a point per score point: 50 + 40 = 90.
        assertThat(last.neededValue()).isCloseTo(90.0, within(1e-9));
    }

    @Test
    void thePartialLastStepJustReachesTheNextLevel() {
        Map<String, Double> values = Map.of("gov.e-payment-share", 37.3, "gov.digital-channel-share", 41.9,
                "gov.e-service-success", 84.7, "pt.delay-p90", 611.0);
        NextSteps.Plan plan = plan(TWO, values);
        assertThat(plan.steps()).isNotEmpty();
        assertThat(plan.steps().get(plan.steps().size() - 1).partial()).isTrue();

        MaturityScore after = withSteps(TWO, values, plan);
        assertThat(after.getIndexScore()).isGreaterThanOrEqualTo(plan.nextLevelAt())
                .isCloseTo(plan.nextLevelAt(), within(1e-9));
        assertThat(after.getLevel()).isEqualTo(plan.level() + 1);
        assertThat(plan.indexAfterSteps()).isEqualTo(after.getIndexScore());
    }

    @Test
    void tiesAreBrokenByIndicatorId() {
        // Every indicator at 60: each is worth 8 points at its target, 20 are needed.
        Map<String, Double> values = Map.of("gov.requests-closed-on-time", 60.0, "gov.e-payment-share", 60.0,
                "gov.e-service-success", 60.0, "gov.online-service-availability", 60.0,
                "gov.digital-channel-share", 60.0);
        NextSteps.Plan plan = plan(FIVE, values);

        assertThat(plan.steps()).extracting(NextSteps.Step::indicatorId).containsExactly(
                "gov.digital-channel-share", "gov.e-payment-share", "gov.e-service-success");
        assertThat(plan.steps()).extracting(NextSteps.Step::partial).containsExactly(false, false, true);
        assertThat(plan.ranked()).extracting(NextSteps.Option::indicatorId).containsExactly(
                "gov.digital-channel-share", "gov.e-payment-share", "gov.e-service-success",
                "gov.online-service-availability", "gov.requests-closed-on-time");
    }

    @Test
    void missingDataIsAStepOfItsOwnWithNoGainAndTheGainsUseTheWeightsWithData() {
        // e-service success and the whole transport dimension have no data: services is the index alone.
        NextSteps.Plan plan = plan(TWO, Map.of("gov.e-payment-share", 50.0, "gov.digital-channel-share", 50.0));

        assertThat(plan.indexScore()).isCloseTo(50.0, within(1e-9));
        assertThat(plan.ranked()).extracting(NextSteps.Option::indicatorId)
                .containsExactly("gov.digital-channel-share", "gov.e-payment-share");
        // Half of a dimension that is the whole index: 50 score points are 25 index points, not 50/3.
        assertThat(option(plan, "gov.e-payment-share").gainAtTarget()).isCloseTo(25.0, within(1e-9));
        assertThat(plan.unmeasured()).extracting(NextSteps.Unmeasured::indicatorId)
                .containsExactly("gov.e-service-success", "pt.delay-p90");
        assertThat(plan.unmeasured()).extracting(NextSteps.Unmeasured::dimensionHasScore)
                .containsExactly(true, false);
        assertThat(plan.steps()).extracting(NextSteps.Step::indicatorId)
                .doesNotContain("gov.e-service-success", "pt.delay-p90");
    }

    @Test
    void theArithmeticShowsTheWeightsWithDataAndTheRescoredGain() {
        NextSteps.Plan plan = plan(TWO, Map.of("gov.e-payment-share", 50.0, "gov.digital-channel-share", 50.0));
        assertThat(option(plan, "gov.e-payment-share").arithmetic()).isEqualTo("(100 − 50.0) score points (value"
                + " 50.0% → target 100%) × weight 1/2 in Services × dimension weight 1/1 = +25.0 index points");
    }

    @Test
    void anIndicatorAtItsTargetGainsNothingAndIsNotAStep() {
        // e-service success is past its target (99%); the others are at 40 and 45.
        NextSteps.Plan plan = plan(TWO, Map.of("gov.e-payment-share", 40.0, "gov.digital-channel-share", 45.0,
                "gov.e-service-success", 99.6));

        NextSteps.Option atTarget = option(plan, "gov.e-service-success");
        assertThat(atTarget.atTarget()).isTrue();
        assertThat(atTarget.gainAtTarget()).isZero();
        assertThat(atTarget.distance()).isZero();
        assertThat(atTarget.gainPerUnit()).isNull();
        assertThat(plan.ranked().get(plan.ranked().size() - 1).indicatorId()).isEqualTo("gov.e-service-success");
        assertThat(plan.steps()).extracting(NextSteps.Step::indicatorId).doesNotContain("gov.e-service-success");
    }

    @Test
    void aCityAtLevelFiveHasNoSetButStillItsList() {
        NextSteps.Plan plan = plan(FIVE, Map.of("gov.online-service-availability", 90.0,
                "gov.digital-channel-share", 85.0, "gov.e-service-success", 80.0));

        assertThat(plan.level()).isEqualTo(5);
        assertThat(plan.atTopLevel()).isTrue();
        assertThat(plan.nextLevel()).isNull();
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.ranked()).hasSize(3);
        assertThat(option(plan, "gov.e-service-success").gainAtTarget()).isCloseTo(20.0 / 3, within(1e-9));
    }

    @Test
    void aCityWithoutDataHasNoScoreYet() {
        NextSteps.Plan plan = plan(TWO, Map.of());

        assertThat(plan.hasScore()).isFalse();
        assertThat(plan.level()).isNull();
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.ranked()).isEmpty();
        assertThat(plan.unmeasured()).hasSize(4);
        assertThat(plan.summary()).startsWith("No score yet");
    }

    @Test
    void aLowerIsBetterIndicatorNeedsAValueBelowItsCurrentOne() {
        // Transport alone: p90 delay 510 s scores 50 between 900 s (0) and 120 s (100); level 4 starts at 60.
        Map<String, Double> values = Map.of("pt.delay-p90", 510.0);
        NextSteps.Plan plan = plan(TWO, values);

        assertThat(plan.steps()).hasSize(1);
        NextSteps.Step step = plan.steps().get(0);
        assertThat(step.partial()).isTrue();
        assertThat(step.neededValue()).isLessThan(step.currentValue()).isCloseTo(900 - 0.6 * 780, within(1e-9));
        assertThat(option(plan, "pt.delay-p90").distance()).isCloseTo(390.0, within(1e-9));
        MaturityScore after = withSteps(TWO, values, plan);
        assertThat(after.getIndexScore()).isGreaterThanOrEqualTo(60.0).isCloseTo(60.0, within(1e-9));
        assertThat(after.getLevel()).isEqualTo(4);
    }

    @Test
    void theSetIsByGainAtTargetWhereGainPerUnitWouldNeedMoreIndicators() {
        // Transport (weight 3) at its floor; the services indicators 10 points short, cheap per percentage point.
        Map<String, Double> values = Map.of("gov.e-payment-share", 90.0, "gov.digital-channel-share", 90.0,
                "pt.delay-p90", 900.0);
        NextSteps.Plan plan = plan(TWO, values);

        // Per unit of distance the services indicators come first (1.25 points over 10 % against 75 over 780 s)...
        assertThat(plan.ranked()).extracting(NextSteps.Option::indicatorId)
                .containsExactly("gov.digital-channel-share", "gov.e-payment-share", "pt.delay-p90");
        double servicesGains = option(plan, "gov.digital-channel-share").gainAtTarget()
                + option(plan, "gov.e-payment-share").gainAtTarget();
        // ...but both of them cannot close the gap, so taking them first would need three indicators.
        assertThat(servicesGains).isLessThan(plan.pointsToNextLevel());
        assertThat(plan.steps()).extracting(NextSteps.Step::indicatorId).containsExactly("pt.delay-p90");
        assertThat(withSteps(TWO, values, plan).getLevel()).isEqualTo(plan.level() + 1);
    }

    @Test
    void theIndexIsTheOneTheEnginePublishes() {
        Map<String, Double> values = Map.of("gov.e-payment-share", 37.3, "gov.e-service-success", 84.7,
                "pt.delay-p90", 611.0);
        MaturityScore published = score(TWO, values);
        NextSteps.Plan plan = NextSteps.plan(TWO, published);
        assertThat(plan.indexScore()).isEqualTo(published.getIndexScore());
        assertThat(plan.level()).isEqualTo(published.getLevel());
        assertThat(plan.city()).isEqualTo("testville");
        assertThat(plan.window()).isEqualTo("PT24H");
    }

    @Test
    void eachGainIsTheRescoredDifferenceWithTheIndicatorAtItsTarget() {
        Map<String, Double> values = Map.of("gov.e-payment-share", 37.3, "gov.digital-channel-share", 41.9,
                "gov.e-service-success", 84.7, "pt.delay-p90", 611.0);
        NextSteps.Plan plan = plan(TWO, values);
        double before = score(TWO, values).getIndexScore();
        for (NextSteps.Option option : plan.ranked()) {
            Map<String, Double> atTarget = new HashMap<>(values);
            atTarget.put(option.indicatorId(), option.target());
            assertThat(option.gainAtTarget()).as(option.indicatorId())
                    .isCloseTo(score(TWO, atTarget).getIndexScore() - before, within(1e-12));
        }
        assertThat(List.copyOf(plan.ranked())).hasSize(4);
    }
}
