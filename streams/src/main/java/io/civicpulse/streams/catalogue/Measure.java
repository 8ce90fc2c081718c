package io.civicpulse.streams.catalogue;

/**
 * How an indicator turns the contributions of its events into one value per window. The engine's pane machinery
 * depends only on whether a measure sums over the window or reads a level at the window's end.
 */
public enum Measure {
    /** numerator / denominator summed over the window (times 100 for %). */
    RATIO(false),
    /**
     * Distinct members (routes, stops) live and scheduled in the window / distinct members scheduled in the window
     * (times 100 for %). Distinct counts do not add up over panes: the engine keeps each member's last pane seen
     * scheduled and live instead of summing ({@code DistinctCounts}).
     */
    DISTINCT_RATIO(false),
    /**
     * A percentile of the samples in the window, from a {@link io.civicpulse.streams.sketch.QuantileSketch}: within
     * 1% of the exact value. For samples that are not bounded whole numbers (fractions of a second or of an hour,
     * ages up to a day in milliseconds), where an exact histogram would keep about one entry per sample.
     */
    PERCENTILE(false),
    /**
     * A percentile of samples that are whole numbers (seconds) in a bounded range, exact: a count per value
     * ({@link io.civicpulse.streams.sketch.SecondsHistogram}), so the value is the type-7 percentile of the window's
     * samples to floating-point rounding.
     */
    EXACT_PERCENTILE(false),
    /** Events in the window per 100,000 residents per day. */
    RATE_PER_100K_PER_DAY(false),
    /** numerator / denominator of a state as it stands at the window's end (times 100 for %). */
    LEVEL_RATIO(true),
    /** A count of things as they stand at the window's end. */
    LEVEL_COUNT(true),
    /** A count as it stands at the window's end, per 100,000 residents. */
    LEVEL_PER_100K(true);

    private final boolean level;

    Measure(boolean level) {
        this.level = level;
    }

    /**
     * True for measures of a state at the window's end: their contributions are changes of that state, summed
     * over all time rather than over the window, and a change is never dropped for lateness (it would leave the
     * state wrong for ever): a late change applies from the first pane still open.
     */
    public boolean isLevel() {
        return level;
    }

    /** True for the percentiles, sketched or exact: their quantile is the indicator's. */
    public boolean isPercentile() {
        return this == PERCENTILE || this == EXACT_PERCENTILE;
    }

    /** True for the percentile kept exactly, in a histogram of whole numbers rather than a sketch. */
    public boolean isExact() {
        return this == EXACT_PERCENTILE;
    }

    /** True for measures that count distinct members rather than summing contributions. */
    public boolean isDistinct() {
        return this == DISTINCT_RATIO;
    }

    /** True for measures divided by the population of their area, which the engine must know to publish them. */
    public boolean isPerCapita() {
        return this == RATE_PER_100K_PER_DAY || this == LEVEL_PER_100K;
    }

    /**
     * True when a tally that has fallen to nothing is still a value: a count of open requests that drops to 0 must
     * be published as 0, or dashboards would keep showing the last non-zero count. For every other measure an empty
     * window means no data, which is not 0%.
     */
    public boolean zeroIsAValue() {
        return this == LEVEL_COUNT || this == LEVEL_PER_100K;
    }
}
