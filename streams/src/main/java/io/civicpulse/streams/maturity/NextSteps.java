package io.civicpulse.streams.maturity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.civicpulse.schemas.indicators.DimensionScore;
import io.civicpulse.schemas.indicators.IndicatorDirection;
import io.civicpulse.schemas.indicators.IndicatorScore;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;

/**
 * What a city can do next about its maturity index: a pure function of the configuration and the city's current
 * score (the kpiValue of every indicator), in three parts.
 *
 * <ol>
 *   <li><b>Every measured indicator</b> with the index points the city gains if it alone reaches its target, the
 *   distance to the target in its unit and in score points, ranked by gain per unit of distance (the issue's
 *   "gain per unit of distance to target"). The gain is never a hand formula: the values are re-scored with
 *   {@link MaturityScoring#score} with the one indicator moved to its target, so it cannot disagree with the index
 *   the engine publishes.</li>
 *   <li><b>Indicators without data</b>, listed apart: measuring them is a step of its own, but no gain is claimed,
 *   because missing data lowers a dimension's coverage, never its score (its first value may raise or lower the
 *   index).</li>
 *   <li><b>The fewest indicator improvements that lift the index to the next level's lower bound</b> (level L
 *   needs 20 L): whole steps (an indicator moved to its target) and a last, partial one with the exact value that
 *   just reaches the bound.</li>
 * </ol>
 *
 * <p><b>Why the set is chosen by the largest gain at target, and why that is the fewest indicators.</b> Holding the
 * others fixed, an indicator that has data enters the index linearly: index = &Sigma;<sub>i</sub> c<sub>i</sub>
 * s<sub>i</sub> with c<sub>i</sub> = w<sub>i</sub>/W<sub>dim</sub> &times; W<sub>d</sub>/W<sub>index</sub>, where
 * W<sub>dim</sub> sums the weights of the dimension's indicators with data and W<sub>index</sub> the weights of the
 * dimensions with a score. Improving a measured indicator changes neither sum, so the c<sub>i</sub> stay fixed and
 * the contributions add: the objective is linear and separable. Indicator i can add at most g<sub>i</sub> =
 * (100 - s<sub>i</sub>) c<sub>i</sub>. Any k indicators can therefore add at most the sum of the k largest
 * g<sub>i</sub>, and the k largest do add exactly that; so the fewest indicators that reach a gap G are the first
 * k in decreasing g<sub>i</sub> whose sum reaches G, which is what this greedy takes (the last only as far as
 * needed). Ties in g<sub>i</sub> are broken by indicator id, so the answer is deterministic. Ranking by gain per
 * unit of distance instead (the full list's order) can need more indicators: a cheap-looking indicator with a short
 * distance in its unit may carry little weight. Both orders are shown: the list by gain per unit of distance, the
 * set by gain at target.
 */
public final class NextSteps {

    /** Gains and keys closer than this are equal: re-scoring differs from exact arithmetic in the last bits. */
    private static final double EPSILON = 1e-9;
    private static final MaturityScoring.Period PERIOD = new MaturityScoring.Period("next-steps", 0, 0, false, 0);

    private NextSteps() {
    }

    /**
     * The answer for one city and window.
     *
     * @param indexScore      the city index re-scored from the score's values with {@code config} (the published
     *                        one when the score came from the same configuration); null when nothing has data
     * @param nextLevel       null at level 5 or without a score
     * @param nextLevelAt     the index the next level starts at (20 &times; level)
     * @param indexAfterSteps the index with every step applied (at least {@code nextLevelAt})
     * @param steps           the fewest improvements that reach the next level, by decreasing gain at target
     * @param ranked          every measured indicator, by decreasing gain per unit of distance, those at their target
     *                        last
     * @param unmeasured      the scored indicators without data in the window
     */
    public record Plan(String city, String window, String configVersion, Double indexScore, Integer level,
                       Integer nextLevel, Double nextLevelAt, Double pointsToNextLevel, Double indexAfterSteps,
                       List<Step> steps, List<Option> ranked, List<Unmeasured> unmeasured, String summary) {

        public Plan {
            steps = List.copyOf(steps);
            ranked = List.copyOf(ranked);
            unmeasured = List.copyOf(unmeasured);
        }

        /** False while the city has no index: nothing with data in the window. */
        public boolean hasScore() {
            return indexScore != null;
        }

        public boolean atTopLevel() {
            return level != null && level == 5;
        }
    }

    /** Where a measured indicator stands and what reaching its target is worth. */
    public record Option(String indicatorId, String name, String unit, IndicatorDirection direction,
                         String dimensionId, String dimensionName, double currentValue, double currentScore,
                         double floor, double target, double gainAtTarget, double distance, double scoreDistance,
                         Double gainPerUnit, double gainPerScorePoint, String arithmetic) {

        public boolean atTarget() {
            return gainAtTarget <= EPSILON;
        }
    }

    /**
     * One improvement of the set: move {@code indicatorId} from {@code currentValue} to {@code neededValue}, its
     * target for a whole step, less for the partial last one.
     */
    public record Step(String indicatorId, String name, String unit, IndicatorDirection direction,
                       String dimensionId, String dimensionName, double currentValue, double neededValue,
                       double target, double currentScore, double neededScore, double gain, boolean partial,
                       double indexBefore, double indexAfter, String arithmetic) {
    }

    /** A scored indicator without data: measuring it is the step, with no gain claimed. */
    public record Unmeasured(String indicatorId, String name, String unit, IndicatorDirection direction,
                             String dimensionId, String dimensionName, double floor, double target,
                             boolean dimensionHasScore, String note) {
    }

    /** The plan for the city of {@code score}, scored with {@code config}. */
    public static Plan plan(MaturityConfig config, MaturityScore score) {
        Map<String, Double> values = new HashMap<>();
        for (DimensionScore dimension : score.getDimensions()) {
            for (IndicatorScore indicator : dimension.getIndicators()) {
                Double value = indicator.getKpiValue();
                if (value != null && Double.isFinite(value) && config.scored(indicator.getIndicatorId()).isPresent()) {
                    values.put(indicator.getIndicatorId(), value);
                }
            }
        }
        return plan(config, score.getCity(), score.getWindow(), values);
    }

    /** The plan for a city's city-scope values of one window (absent: no data). */
    public static Plan plan(MaturityConfig config, String city, String window, Map<String, Double> values) {
        Map<String, Double> current = Map.copyOf(values);
        Double baseline = index(config, current);
        List<Unmeasured> unmeasured = unmeasured(config, current);
        if (baseline == null) {
            return new Plan(city, window, config.version(), null, null, null, null, null, null, List.of(), List.of(),
                    unmeasured, "No score yet: no scored indicator of " + city + " has data in " + window + ".");
        }
        int level = MaturityScoring.level(baseline);
        List<Option> options = options(config, current, baseline);
        List<Option> ranked = new ArrayList<>(options);
        ranked.sort(Comparator.comparing(Option::atTarget)
                .thenComparing(o -> -key(o.gainPerUnit() == null ? 0 : o.gainPerUnit()))
                .thenComparing(Option::indicatorId));
        if (level == 5) {
            return new Plan(city, window, config.version(), baseline, level, null, null, null, null, List.of(), ranked,
                    unmeasured, String.format(Locale.ROOT, "Level 5 of 5 (index %s): the top level; the list shows"
                            + " where index points remain.", one(baseline)));
        }
        double bound = 20.0 * level;
        List<Option> bySize = new ArrayList<>(options);
        bySize.removeIf(Option::atTarget);
        bySize.sort(Comparator.comparing((Option o) -> -key(o.gainAtTarget())).thenComparing(Option::indicatorId));
        List<Step> steps = steps(config, current, baseline, bound, bySize);
        double after = steps.isEmpty() ? baseline : steps.get(steps.size() - 1).indexAfter();
        String summary = after >= bound
                ? String.format(Locale.ROOT, "Level %d of 5 (index %s): %s index points to level %d (%s), reached"
                        + " with %d indicator%s.", level, one(baseline), one(bound - baseline), level + 1,
                        plain(bound), steps.size(), steps.size() == 1 ? "" : "s")
                : String.format(Locale.ROOT, "Level %d of 5 (index %s): the measured indicators cannot reach level"
                        + " %d (%s); measuring more is the way on.", level, one(baseline), level + 1, plain(bound));
        return new Plan(city, window, config.version(), baseline, level, level + 1, bound, bound - baseline, after,
                steps, ranked, unmeasured, summary);
    }

    /** Every measured indicator, re-scored at its target with the others held where they are. */
    private static List<Option> options(MaturityConfig config, Map<String, Double> current, double baseline) {
        Weights weights = Weights.of(config, current);
        List<Option> options = new ArrayList<>();
        for (MaturityConfig.Dimension dimension : config.dimensions()) {
            for (MaturityConfig.ScoredIndicator indicator : dimension.indicators()) {
                Double value = current.get(indicator.indicatorId());
                if (value == null) {
                    continue;
                }
                IndicatorDefinition definition = IndicatorCatalogue.require(indicator.indicatorId());
                double score = indicator.score(value);
                double gain = Math.max(0, index(config, with(current, indicator.indicatorId(), indicator.target()))
                        - baseline);
                // Distance still to go toward the target; a value already past it has none.
                double distance = Math.max(0, Math.signum(indicator.target() - indicator.floor())
                        * (indicator.target() - value));
                double scoreDistance = 100 - score;
                boolean atTarget = gain <= EPSILON;
                options.add(new Option(indicator.indicatorId(), config.nameOf(indicator.indicatorId()),
                        definition.unit(), definition.direction(), dimension.id(), dimension.name(), value, score,
                        indicator.floor(), indicator.target(), atTarget ? 0 : gain, distance, scoreDistance,
                        atTarget || distance == 0 ? null : gain / distance,
                        scoreDistance == 0 ? 0 : gain / scoreDistance,
                        arithmetic(weights, dimension, indicator, definition.unit(), score, 100, value,
                                indicator.target(), atTarget ? 0 : gain)));
            }
        }
        return options;
    }

    /** Whole steps by decreasing gain at target while they fall short, then the one partial step that reaches. */
    private static List<Step> steps(MaturityConfig config, Map<String, Double> current, double baseline, double bound,
                                    List<Option> bySize) {
        Weights weights = Weights.of(config, current);
        Map<String, Double> applied = new HashMap<>(current);
        double index = baseline;
        List<Step> steps = new ArrayList<>();
        for (Option option : bySize) {
            if (index >= bound) {
                break;
            }
            MaturityConfig.ScoredIndicator indicator = config.scored(option.indicatorId()).orElseThrow();
            MaturityConfig.Dimension dimension = dimension(config, option.dimensionId());
            Map<String, Double> whole = with(applied, option.indicatorId(), indicator.target());
            double wholeIndex = index(config, whole);
            double needed = indicator.target();
            double after = wholeIndex;
            if (wholeIndex > bound) {
                // The index is linear in this score with the others fixed: solve for the score that just reaches
                // the bound, then the value, then re-score and step toward the target by the last bits that
                // rounding may have left short.
                double perPoint = (wholeIndex - index) / (100 - option.currentScore());
                double neededScore = Math.min(100, option.currentScore() + (bound - index) / perPoint);
                needed = indicator.floor() + neededScore / 100 * (indicator.target() - indicator.floor());
                after = index(config, with(applied, option.indicatorId(), needed));
                for (int nudge = 0; after < bound && nudge < 1_000_000 && needed != indicator.target(); nudge++) {
                    needed = Math.nextAfter(needed, indicator.target());
                    after = index(config, with(applied, option.indicatorId(), needed));
                }
                if (after < bound) {
                    needed = indicator.target();
                    after = wholeIndex;
                }
            }
            double neededScore = indicator.score(needed);
            boolean partial = needed != indicator.target();
            steps.add(new Step(option.indicatorId(), option.name(), option.unit(), option.direction(),
                    option.dimensionId(), option.dimensionName(), option.currentValue(), needed, indicator.target(),
                    option.currentScore(), neededScore, after - index, partial, index, after,
                    arithmetic(weights, dimension, indicator, option.unit(), option.currentScore(), neededScore,
                            option.currentValue(), needed, after - index)));
            applied.put(option.indicatorId(), needed);
            index = after;
        }
        return steps;
    }

    private static List<Unmeasured> unmeasured(MaturityConfig config, Map<String, Double> current) {
        List<Unmeasured> unmeasured = new ArrayList<>();
        for (MaturityConfig.Dimension dimension : config.dimensions()) {
            boolean dimensionHasScore = dimension.indicators().stream()
                    .anyMatch(i -> current.containsKey(i.indicatorId()));
            for (MaturityConfig.ScoredIndicator indicator : dimension.indicators()) {
                if (current.containsKey(indicator.indicatorId())) {
                    continue;
                }
                IndicatorDefinition definition = IndicatorCatalogue.require(indicator.indicatorId());
                String note = dimensionHasScore
                        ? "No data: measuring it raises " + dimension.name() + "'s coverage; its first value may"
                                + " raise or lower the dimension's score, so no gain is claimed."
                        : "No data in " + dimension.name() + " at all: measuring it gives the dimension a score"
                                + " and brings it into the index, up or down, so no gain is claimed.";
                unmeasured.add(new Unmeasured(indicator.indicatorId(), config.nameOf(indicator.indicatorId()),
                        definition.unit(), definition.direction(), dimension.id(), dimension.name(),
                        indicator.floor(), indicator.target(), dimensionHasScore, note));
            }
        }
        return unmeasured;
    }

    /**
     * The weight sums the arithmetic shows: w_i / W_dim over the dimension's indicators with data, W_d / W_index
     * over the dimensions with a score. Only for the text; every number in it comes from re-scoring.
     */
    private record Weights(Map<String, Double> dimensionWeights, double indexWeight) {
        static Weights of(MaturityConfig config, Map<String, Double> current) {
            Map<String, Double> byDimension = new HashMap<>();
            double index = 0;
            for (MaturityConfig.Dimension dimension : config.dimensions()) {
                double sum = dimension.indicators().stream().filter(i -> current.containsKey(i.indicatorId()))
                        .mapToDouble(MaturityConfig.ScoredIndicator::weight).sum();
                byDimension.put(dimension.id(), sum);
                if (sum > 0) {
                    index += dimension.weight();
                }
            }
            return new Weights(byDimension, index);
        }
    }

    /**
     * "(100 − 42.0) score points (value 62.0% → 90%) × weight 1/4 in Digital public services × dimension weight
     * 1/5 = +2.9 index points".
     */
    private static String arithmetic(Weights weights, MaturityConfig.Dimension dimension,
                                     MaturityConfig.ScoredIndicator indicator, String unit, double fromScore,
                                     double toScore, double fromValue, double toValue, double gain) {
        boolean higher = indicator.target() > indicator.floor();
        String to = toValue == indicator.target() ? "target " + withUnit(plain(toValue), unit)
                : withUnit(towardTarget(toValue, higher), unit);
        return String.format(Locale.ROOT, "(%s − %s) score points (value %s → %s) × weight %s/%s in %s × dimension"
                        + " weight %s/%s = +%s index points", toScore == 100 ? "100" : one(toScore), one(fromScore),
                withUnit(one(fromValue), unit), to, plain(indicator.weight()),
                plain(weights.dimensionWeights().get(dimension.id())), dimension.name(), plain(dimension.weight()),
                plain(weights.indexWeight()), gain < 1 ? String.format(Locale.ROOT, "%.2f", gain) : one(gain));
    }

    private static MaturityConfig.Dimension dimension(MaturityConfig config, String id) {
        return config.dimensions().stream().filter(d -> d.id().equals(id)).findFirst().orElseThrow();
    }

    private static Double index(MaturityConfig config, Map<String, Double> values) {
        return MaturityScoring.score(config, "", PERIOD, values).getIndexScore();
    }

    private static Map<String, Double> with(Map<String, Double> values, String indicatorId, double value) {
        Map<String, Double> changed = new HashMap<>(values);
        changed.put(indicatorId, value);
        return changed;
    }

    /** A sort key on a 1e-9 grid, so that gains equal but for rounding tie and fall to the id. */
    private static long key(double value) {
        return Math.round(value / EPSILON);
    }

    /**
     * One decimal, rounded toward the target: a value needed, shown so that reaching the shown number is enough.
     */
    public static String towardTarget(double value, boolean higherIsBetter) {
        double tenths = value * 10;
        double rounded = (higherIsBetter ? Math.ceil(tenths - EPSILON) : Math.floor(tenths + EPSILON)) / 10;
        return one(rounded);
    }

    private static String one(double value) {
        String text = String.format(Locale.ROOT, "%.1f", value);
        return text.equals("-0.0") ? "0.0" : text;
    }

    /** A configured number without a needless fraction: 1, 2.5, 0.25. */
    private static String plain(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.valueOf((long) value);
        }
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String withUnit(String number, String unit) {
        return switch (unit) {
            case "%" -> number + "%";
            case "count" -> number;
            default -> number + " " + unit;
        };
    }
}
