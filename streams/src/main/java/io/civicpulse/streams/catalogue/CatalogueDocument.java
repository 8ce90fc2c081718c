package io.civicpulse.streams.catalogue;

import java.util.Locale;
import java.util.stream.Collectors;

import io.civicpulse.schemas.indicators.IndicatorDirection;
import io.civicpulse.streams.maturity.MaturityConfig;

/**
 * The repository's own indicator catalogue page (docs/indicators.md), written from the code and the shipped maturity
 * configuration, so the page cannot say something the engine does not do: a test compares the file with this text.
 */
public final class CatalogueDocument {

    private CatalogueDocument() {
    }

    public static String render(MaturityConfig maturity) {
        StringBuilder doc = new StringBuilder();
        doc.append("# Indicator catalogue\n\n")
                .append("<!-- Generated from IndicatorCatalogue and maturity-default.properties by CatalogueDocument;")
                .append(" CatalogueDocumentTest fails when this file differs. Regenerate with\n")
                .append("     mvn -pl streams -am test -Dtest=CatalogueDocumentTest -Dcivicpulse.docs.write=true")
                .append(" -Dsurefire.failIfNoSpecifiedTests=false -->\n\n")
                .append("Catalogue version `").append(IndicatorCatalogue.VERSION).append("`, maturity configuration `")
                .append(maturity.version()).append("`. Every indicator is computed per city and per scope over the")
                .append(" rolling windows PT15M, PT1H and PT24H and the calendar day in the city's zone (see")
                .append(" [streams/README.md](../streams/README.md)); numerator, denominator and sample count travel")
                .append(" with every value.\n\n");
        doc.append("## Indicators\n\n")
                .append("| id | name | unit | better | scopes | follows |\n|---|---|---|---|---|---|\n");
        for (IndicatorDefinition definition : IndicatorCatalogue.computed()) {
            doc.append("| `").append(definition.id()).append("` | ").append(maturity.nameOf(definition.id()))
                    .append(" | ").append(definition.unit()).append(" | ")
                    .append(definition.direction() == IndicatorDirection.HIGHER_IS_BETTER ? "higher" : "lower")
                    .append(" | ").append(definition.scopes().stream()
                            .map(scope -> scope.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")))
                    .append(" | ").append(definition.follows().isEmpty() ? "" : definition.follows()).append(" |\n");
        }
        doc.append("\n## Definitions\n\n");
        for (IndicatorDefinition definition : IndicatorCatalogue.computed()) {
            doc.append("- **`").append(definition.id()).append("`** (").append(definition.unit()).append("): ")
                    .append(definition.definition()).append(".\n");
        }
        doc.append("\n## Maturity index\n\n")
                .append("Each scored indicator gets 0-100: its value placed linearly between its floor (0) and its")
                .append(" target (100), clamped; for a lower-is-better indicator the floor lies above the target. A")
                .append(" dimension's score is the weighted mean of its indicators that have data in the window, with")
                .append(" the share that had data beside it (missing data lowers the coverage, never the score); the")
                .append(" city index is the weighted mean of the dimensions that have a score; the level is 1-5 in")
                .append(" bands of 20 (below 20 is level 1, 80 and above level 5). Scored windows: ")
                .append(String.join(", ", maturity.windows())).append(" (the first is the headline one). A")
                .append(" period's final score waits until every indicator's final of that period is out (")
                .append(maturity.longestSettle().toMinutes()).append(" minutes for the settling transit")
                .append(" indicators).\n\n")
                .append("The configuration is one file (`civicpulse.maturity.config`, default")
                .append(" `streams/src/main/resources/io/civicpulse/streams/maturity/maturity-default.properties`);")
                .append(" its starting points below are to be calibrated by each city.\n\n");
        for (MaturityConfig.Dimension dimension : maturity.dimensions()) {
            doc.append("### ").append(dimension.name()).append(" (`").append(dimension.id()).append("`, weight ")
                    .append(number(dimension.weight())).append(")\n\n")
                    .append("| indicator | weight | floor (0) | target (100) |\n|---|---|---|---|\n");
            for (MaturityConfig.ScoredIndicator indicator : dimension.indicators()) {
                String unit = IndicatorCatalogue.require(indicator.indicatorId()).unit();
                doc.append("| `").append(indicator.indicatorId()).append("` | ").append(number(indicator.weight()))
                        .append(" | ").append(number(indicator.floor())).append(' ').append(unit).append(" | ")
                        .append(number(indicator.target())).append(' ').append(unit).append(" |\n");
            }
            doc.append('\n');
        }
        String unscored = IndicatorCatalogue.computed().stream().map(IndicatorDefinition::id)
                .filter(id -> maturity.scored(id).isEmpty()).map(id -> "`" + id + "`")
                .collect(Collectors.joining(", "));
        if (!unscored.isEmpty()) {
            doc.append("Not scored: ").append(unscored).append(" (published, shown on the dashboard, not part of")
                    .append(" the index).\n");
        }
        return doc.toString();
    }

    private static String number(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
