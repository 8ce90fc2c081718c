package io.civicpulse.serving.api;

import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.civicpulse.schemas.indicators.DimensionScore;
import io.civicpulse.schemas.indicators.IndicatorScore;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.maturity.MaturityConfig;
import io.civicpulse.streams.maturity.NextSteps;
import io.civicpulse.streams.windows.WindowSpec;

/**
 * The JSON the API answers with (docs/api.md): the engine's Avro records with their periods as ISO instants under
 * short names, and the catalogue with the maturity configuration beside it.
 */
public final class JsonViews {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonViews() {
    }

    public static ObjectNode value(IndicatorValue value) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("city", value.getCity());
        node.put("indicatorId", value.getIndicatorId());
        node.put("scope", value.getScope());
        node.put("window", value.getWindow());
        node.put("from", value.getCalculationPeriodFrom().toString());
        node.put("to", value.getCalculationPeriodTo().toString());
        node.put("kpiValue", value.getKpiValue());
        node.put("numerator", value.getNumerator());
        node.put("denominator", value.getDenominator());
        node.put("sampleCount", value.getSampleCount());
        node.put("unit", value.getUnit());
        node.put("direction", value.getDirection().name());
        node.put("currentStanding", value.getCurrentStanding());
        node.put("area", value.getArea());
        node.put("calculationFrequency", value.getCalculationFrequency());
        node.put("final", value.getFinal$());
        node.put("updatedAt", value.getUpdatedAt().toString());
        node.put("lateEventCount", value.getLateEventCount());
        node.put("catalogueVersion", value.getCatalogueVersion());
        return node;
    }

    public static ObjectNode maturity(MaturityScore score) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("city", score.getCity());
        node.put("window", score.getWindow());
        node.put("from", score.getCalculationPeriodFrom().toString());
        node.put("to", score.getCalculationPeriodTo().toString());
        node.put("indexScore", score.getIndexScore());
        node.put("level", score.getLevel());
        node.put("configVersion", score.getConfigVersion());
        node.put("catalogueVersion", score.getCatalogueVersion());
        node.put("final", score.getFinal$());
        node.put("updatedAt", score.getUpdatedAt().toString());
        ArrayNode dimensions = node.putArray("dimensions");
        for (DimensionScore dimension : score.getDimensions()) {
            ObjectNode d = dimensions.addObject();
            d.put("dimensionId", dimension.getDimensionId());
            d.put("name", dimension.getName());
            d.put("score", dimension.getScore());
            d.put("weight", dimension.getWeight());
            d.put("indicatorCoverage", dimension.getIndicatorCoverage());
            ArrayNode indicators = d.putArray("indicators");
            for (IndicatorScore indicator : dimension.getIndicators()) {
                ObjectNode i = indicators.addObject();
                i.put("indicatorId", indicator.getIndicatorId());
                i.put("kpiValue", indicator.getKpiValue());
                i.put("score", indicator.getScore());
                i.put("weight", indicator.getWeight());
                i.put("floor", indicator.getFloor());
                i.put("target", indicator.getTarget());
            }
        }
        return node;
    }

    /** The catalogue of computed indicators and how the maturity configuration scores them. */
    public static ObjectNode catalogue(MaturityConfig config, List<WindowSpec> windows) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("catalogueVersion", IndicatorCatalogue.VERSION);
        node.put("configVersion", config.version());
        node.put("scoredWindow", config.scoredWindow());
        ArrayNode windowLabels = node.putArray("windows");
        windows.forEach(window -> windowLabels.add(window.label()));
        ArrayNode scoredWindows = node.putArray("scoredWindows");
        config.windows().forEach(scoredWindows::add);
        ArrayNode dimensions = node.putArray("dimensions");
        for (MaturityConfig.Dimension dimension : config.dimensions()) {
            ObjectNode d = dimensions.addObject();
            d.put("dimensionId", dimension.id());
            d.put("name", dimension.name());
            d.put("weight", dimension.weight());
            ArrayNode ids = d.putArray("indicators");
            dimension.indicators().forEach(indicator -> ids.add(indicator.indicatorId()));
        }
        ArrayNode indicators = node.putArray("indicators");
        for (IndicatorDefinition definition : IndicatorCatalogue.computed()) {
            ObjectNode i = indicators.addObject();
            i.put("id", definition.id());
            i.put("name", config.nameOf(definition.id()));
            i.put("definition", definition.definition());
            i.put("unit", definition.unit());
            i.put("direction", definition.direction().name());
            i.put("standard", definition.follows());
            ArrayNode scopes = i.putArray("scopes");
            for (ScopeKind scope : definition.scopes()) {
                scopes.add(scope.name().toLowerCase(Locale.ROOT));
            }
            MaturityConfig.ScoredIndicator scored = config.scored(definition.id()).orElse(null);
            i.put("dimensionId", scored == null ? null : scored.dimensionId());
            i.put("weight", scored == null ? null : scored.weight());
            i.put("floor", scored == null ? null : scored.floor());
            i.put("target", scored == null ? null : scored.target());
        }
        return node;
    }

    /** A city's next steps (docs/api.md): the set to the next level, every measured indicator, the unmeasured. */
    public static ObjectNode nextSteps(NextSteps.Plan plan, MaturityScore score) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("city", plan.city());
        node.put("window", plan.window());
        node.put("from", score.getCalculationPeriodFrom().toString());
        node.put("to", score.getCalculationPeriodTo().toString());
        node.put("updatedAt", score.getUpdatedAt().toString());
        node.put("final", score.getFinal$());
        node.put("configVersion", plan.configVersion());
        node.put("indexScore", plan.indexScore());
        node.put("level", plan.level());
        node.put("nextLevel", plan.nextLevel());
        node.put("nextLevelAt", plan.nextLevelAt());
        node.put("pointsToNextLevel", plan.pointsToNextLevel());
        node.put("indexAfterSteps", plan.indexAfterSteps());
        node.put("summary", plan.summary());
        ArrayNode steps = node.putArray("steps");
        for (NextSteps.Step step : plan.steps()) {
            ObjectNode s = steps.addObject();
            s.put("indicatorId", step.indicatorId());
            s.put("name", step.name());
            s.put("unit", step.unit());
            s.put("direction", step.direction().name());
            s.put("dimensionId", step.dimensionId());
            s.put("dimensionName", step.dimensionName());
            s.put("currentValue", step.currentValue());
            s.put("neededValue", step.neededValue());
            s.put("target", step.target());
            s.put("partial", step.partial());
            s.put("currentScore", step.currentScore());
            s.put("neededScore", step.neededScore());
            s.put("gain", step.gain());
            s.put("indexBefore", step.indexBefore());
            s.put("indexAfter", step.indexAfter());
            s.put("arithmetic", step.arithmetic());
        }
        ArrayNode indicators = node.putArray("indicators");
        int rank = 0;
        for (NextSteps.Option option : plan.ranked()) {
            ObjectNode o = indicators.addObject();
            o.put("rank", ++rank);
            o.put("indicatorId", option.indicatorId());
            o.put("name", option.name());
            o.put("unit", option.unit());
            o.put("direction", option.direction().name());
            o.put("dimensionId", option.dimensionId());
            o.put("dimensionName", option.dimensionName());
            o.put("currentValue", option.currentValue());
            o.put("currentScore", option.currentScore());
            o.put("floor", option.floor());
            o.put("target", option.target());
            o.put("atTarget", option.atTarget());
            o.put("gainAtTarget", option.gainAtTarget());
            o.put("distance", option.distance());
            o.put("scoreDistance", option.scoreDistance());
            o.put("gainPerUnit", option.gainPerUnit());
            o.put("gainPerScorePoint", option.gainPerScorePoint());
            o.put("arithmetic", option.arithmetic());
        }
        ArrayNode unmeasured = node.putArray("unmeasured");
        for (NextSteps.Unmeasured missing : plan.unmeasured()) {
            ObjectNode u = unmeasured.addObject();
            u.put("indicatorId", missing.indicatorId());
            u.put("name", missing.name());
            u.put("unit", missing.unit());
            u.put("direction", missing.direction().name());
            u.put("dimensionId", missing.dimensionId());
            u.put("dimensionName", missing.dimensionName());
            u.put("floor", missing.floor());
            u.put("target", missing.target());
            u.put("dimensionHasScore", missing.dimensionHasScore());
            u.put("note", missing.note());
        }
        return node;
    }

    public static ObjectNode error(String code, String message) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("error", code);
        node.put("message", message);
        return node;
    }
}
