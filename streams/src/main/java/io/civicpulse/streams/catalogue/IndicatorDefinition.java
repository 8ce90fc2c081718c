package io.civicpulse.streams.catalogue;

import java.util.List;
import java.util.Objects;

import io.civicpulse.schemas.indicators.IndicatorDirection;

/**
 * One entry of the indicator catalogue: what a value means (definition, unit, direction, the standard it follows)
 * and how it is computed (measure, quantile, scopes). Dashboards see the descriptive fields on every value; the
 * engine reads the rest.
 *
 * @param quantile the quantile for {@link Measure#PERCENTILE}, 0 otherwise
 * @param computed whether this engine computes the indicator today; an indicator that is not computed is listed
 *                 so that the catalogue stays the whole of DOMAIN.md, and publishes nothing
 */
public record IndicatorDefinition(String id, String definition, String unit, IndicatorDirection direction,
                                  String category, String follows, Measure measure, double quantile,
                                  List<ScopeKind> scopes, boolean computed) {

    public static final String PERCENT = "%";

    public IndicatorDefinition {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(measure, "measure");
        scopes = List.copyOf(scopes);
        if (measure == Measure.PERCENTILE && (quantile <= 0 || quantile >= 1)) {
            throw new IllegalArgumentException(id + ": a percentile needs a quantile in (0, 1)");
        }
    }

    public boolean isPercent() {
        return PERCENT.equals(unit);
    }
}
