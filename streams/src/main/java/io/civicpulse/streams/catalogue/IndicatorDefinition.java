package io.civicpulse.streams.catalogue;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.civicpulse.schemas.indicators.IndicatorDirection;

/**
 * One entry of the indicator catalogue: what a value means (definition, unit, direction, the standard it follows)
 * and how it is computed (measure, quantile, scopes). Dashboards see the descriptive fields on every value; the
 * engine reads the rest.
 *
 * @param quantile the quantile of a percentile measure ({@link Measure#isPercentile()}), 0 otherwise
 * @param computed whether this engine computes the indicator today; an indicator that is not computed is listed
 *                 so that the catalogue stays whole, and publishes nothing
 * @param settle   how long after an instant its contributions can still arrive by design (pt.trips-served knows
 *                 whether a trip was served only 30 minutes after its departure): the indicator's panes close this
 *                 much later than the city's other series, and its contributions are judged late the same way.
 *                 Zero for an indicator whose contributions are known when they happen.
 */
public record IndicatorDefinition(String id, String definition, String unit, IndicatorDirection direction,
                                  String category, String follows, Measure measure, double quantile,
                                  List<ScopeKind> scopes, boolean computed, Duration settle) {

    /** An indicator whose contributions are known when they happen (no settle time). */
    public IndicatorDefinition(String id, String definition, String unit, IndicatorDirection direction,
                               String category, String follows, Measure measure, double quantile,
                               List<ScopeKind> scopes, boolean computed) {
        this(id, definition, unit, direction, category, follows, measure, quantile, scopes, computed, Duration.ZERO);
    }

    public static final String PERCENT = "%";

    public IndicatorDefinition {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(measure, "measure");
        scopes = List.copyOf(scopes);
        Objects.requireNonNull(settle, "settle");
        if (settle.isNegative()) {
            throw new IllegalArgumentException(id + ": settle time must not be negative");
        }
        if (measure.isPercentile() && (quantile <= 0 || quantile >= 1)) {
            throw new IllegalArgumentException(id + ": a percentile needs a quantile in (0, 1)");
        }
    }

    /** The same indicator with its contributions arriving up to {@code settle} after their event time. */
    public IndicatorDefinition withSettle(Duration settle) {
        return new IndicatorDefinition(id, definition, unit, direction, category, follows, measure, quantile, scopes,
                computed, settle);
    }

    public boolean isPercent() {
        return PERCENT.equals(unit);
    }
}
