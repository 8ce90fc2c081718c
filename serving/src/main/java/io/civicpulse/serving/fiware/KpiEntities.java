package io.civicpulse.serving.fiware;

import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;

/**
 * Indicator values as NGSI-LD entities of the Smart Data Models {@code KeyPerformanceIndicator} type, in normalized
 * form ({@code {"type":"Property","value":...}} per attribute) with the {@code @context} in the body, ready for an
 * {@code application/ld+json} answer or a broker's batch upsert. Pure: the same value gives the same entity, and
 * nothing is read but the value and its catalogue definition.
 *
 * <p>The model's enumerations are kept: where a Civic Pulse value is not one of them (our calculationFrequency is
 * {@code PT1S} or {@code P1D}, not {@code hourly}), the attribute gets the nearest model value and ours is kept in
 * a property of its own. Civic Pulse's own fields are attributes whose names neither the model nor the GSMA
 * commons use. docs/fiware.md lists the whole mapping.
 */
public final class KpiEntities {

    public static final String TYPE = "KeyPerformanceIndicator";
    public static final String NGSI_LD_CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld";
    public static final String KPI_CONTEXT =
            "https://raw.githubusercontent.com/smart-data-models/dataModel.KeyPerformanceIndicator/master/context.jsonld";
    /** The {@code @context} of every entity, as in the data model's own normalized example. */
    public static final List<String> CONTEXT = List.of(NGSI_LD_CORE_CONTEXT, KPI_CONTEXT);
    /** The media type of an entity with its {@code @context} in the body. */
    public static final String MEDIA_TYPE = "application/ld+json";

    /** The model's calculationFrequency values with their length, finest first. */
    private static final Map<String, Duration> FREQUENCIES = frequencies();
    private static final Set<String> CATEGORIES = Set.of("actionable", "directional", "financial", "input", "lagging",
            "leading", "output", "practical", "process", "qualitative", "quantitative");
    private static final Set<String> STANDINGS = Set.of("veryGood", "good", "fair", "bad", "veryBad");
    /** Every Civic Pulse indicator is a number, so this is the nearest model category for one the model lacks. */
    private static final String DEFAULT_CATEGORY = "quantitative";
    /** The catalogue's units as UN/CEFACT common codes, NGSI-LD's unitCode; "count" has none that fits. */
    private static final Map<String, String> UNIT_CODES = Map.of("%", "P1", "s", "SEC", "h", "HUR");
    /** The process the KPI evaluates, from the first part of the indicator id. */
    private static final Map<String, String> PROCESSES = Map.of(
            "pt", "public transport",
            "micromobility", "shared micromobility",
            "gov", "digital public services");
    private static final String CALCULATED_BY = "Civic Pulse";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private KpiEntities() {
    }

    /** The entity of a value, with its definition from the catalogue when the catalogue knows the indicator. */
    public static ObjectNode toEntity(IndicatorValue value) {
        return toEntity(value, IndicatorCatalogue.find(value.getIndicatorId()).orElse(null));
    }

    /** The entities of some values, in their order, as a JSON array: the body of a query answer or an upsert. */
    public static ArrayNode toEntities(Iterable<IndicatorValue> values) {
        ArrayNode entities = JSON.arrayNode();
        for (IndicatorValue value : values) {
            entities.add(toEntity(value));
        }
        return entities;
    }

    /**
     * The entity of a value.
     *
     * @param definition the indicator's catalogue entry, or null for an indicator this catalogue does not know (a
     *                   value from a newer engine): then the entity has no description, the rest comes from the value
     */
    public static ObjectNode toEntity(IndicatorValue value, IndicatorDefinition definition) {
        ObjectNode entity = JSON.objectNode();
        entity.put("id", KpiEntityId.of(value).urn());
        entity.put("type", TYPE);

        // No data is not 0: a value without a kpiValue has no kpiValue attribute at all.
        Double kpi = value.getKpiValue();
        if (kpi != null && Double.isFinite(kpi)) {
            ObjectNode kpiValue = property(JSON.numberNode(kpi));
            String unitCode = UNIT_CODES.get(value.getUnit());
            if (unitCode != null) {
                kpiValue.put("unitCode", unitCode);
            }
            entity.set("kpiValue", kpiValue);
        }
        ObjectNode period = JSON.objectNode();
        period.put("from", value.getCalculationPeriodFrom().toString());
        period.put("to", value.getCalculationPeriodTo().toString());
        entity.set("calculationPeriod", property(period));

        String frequency = value.getCalculationFrequency();
        entity.set("calculationFrequency", property(JSON.textNode(nearestFrequency(frequency))));
        entity.set("updateFrequency", property(JSON.textNode(frequency)));

        String category = value.getCategory();
        boolean modelCategory = CATEGORIES.contains(category);
        entity.set("category", property(JSON.arrayNode().add(modelCategory ? category : DEFAULT_CATEGORY)));
        if (!modelCategory) {
            entity.set("indicatorCategory", property(JSON.textNode(category)));
        }
        String standing = value.getCurrentStanding();
        if (standing != null && STANDINGS.contains(standing)) {
            entity.set("currentStanding", property(JSON.textNode(standing)));
        }
        if (value.getArea() != null && !value.getArea().isBlank()) {
            entity.set("area", property(JSON.textNode(value.getArea())));
        }
        entity.set("name", property(JSON.textNode(value.getIndicatorId())));
        if (definition != null && definition.definition() != null && !definition.definition().isBlank()) {
            entity.set("description", property(JSON.textNode(definition.definition())));
        }
        entity.set("calculationMethod", property(JSON.textNode("automatic")));
        entity.set("calculatedBy", property(JSON.textNode(CALCULATED_BY)));
        entity.set("process", property(JSON.textNode(process(value.getIndicatorId()))));
        // The KPI evaluates the city; the city id is all a value knows of it.
        entity.set("organization", property(JSON.textNode(value.getCity())));
        ObjectNode address = JSON.objectNode();
        address.put("addressLocality", value.getCity());
        address.put("type", "PostalAddress");
        entity.set("address", property(address));
        // modifiedAt as the model's example has it; a broker keeps its own modifiedAt (system attribute) and may
        // ignore this one, so the model's updatedAt carries the same time where a broker keeps it.
        entity.set("modifiedAt", property(dateTime(value.getUpdatedAt())));
        entity.set("updatedAt", property(dateTime(value.getUpdatedAt())));

        if (Double.isFinite(value.getNumerator())) {
            entity.set("numerator", property(JSON.numberNode(value.getNumerator())));
        }
        if (Double.isFinite(value.getDenominator())) {
            entity.set("denominator", property(JSON.numberNode(value.getDenominator())));
        }
        entity.set("sampleCount", property(JSON.numberNode(value.getSampleCount())));
        entity.set("lateEventCount", property(JSON.numberNode(value.getLateEventCount())));
        entity.set("unit", property(JSON.textNode(value.getUnit())));
        entity.set("direction", property(JSON.textNode(value.getDirection().name())));
        entity.set("scope", property(JSON.textNode(value.getScope())));
        entity.set("window", property(JSON.textNode(value.getWindow())));
        entity.set("final", property(JSON.booleanNode(value.getFinal$())));
        entity.set("catalogueVersion", property(JSON.textNode(value.getCatalogueVersion())));
        if (definition != null && definition.follows() != null && !definition.follows().isBlank()) {
            entity.set("standard", property(JSON.textNode(definition.follows())));
        }

        ArrayNode context = JSON.arrayNode();
        CONTEXT.forEach(context::add);
        entity.set("@context", context);
        return entity;
    }

    /**
     * The model's calculationFrequency nearest to ours: ours is an ISO-8601 duration or period ({@code PT1S} for
     * live values, {@code PT15M} or {@code P1D} for finals) or {@code live}. Nearest by ratio, so PT1S and PT15M are
     * hourly (the finest the model has); {@code live} and anything unreadable are hourly too.
     */
    static String nearestFrequency(String ours) {
        Optional<Duration> length = length(ours);
        if (length.isEmpty() || length.get().isZero() || length.get().isNegative()) {
            return "hourly";
        }
        double seconds = length.get().toSeconds() + length.get().toNanosPart() / 1e9;
        String nearest = "hourly";
        double best = Double.MAX_VALUE;
        for (Map.Entry<String, Duration> candidate : FREQUENCIES.entrySet()) {
            double distance = Math.abs(Math.log(seconds / candidate.getValue().toSeconds()));
            if (distance < best) {
                best = distance;
                nearest = candidate.getKey();
            }
        }
        return nearest;
    }

    private static Optional<Duration> length(String iso) {
        if (iso == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.parse(iso));
        } catch (DateTimeParseException notADuration) {
            try {
                Period period = Period.parse(iso);
                return Optional.of(Duration.ofDays(period.toTotalMonths() * 30 + period.getDays()));
            } catch (DateTimeParseException notAPeriod) {
                return Optional.empty();
            }
        }
    }

    private static String process(String indicatorId) {
        int dot = indicatorId.indexOf('.');
        String domain = dot > 0 ? indicatorId.substring(0, dot) : indicatorId;
        return PROCESSES.getOrDefault(domain, domain);
    }

    private static ObjectNode property(JsonNode value) {
        ObjectNode property = JSON.objectNode();
        property.put("type", "Property");
        property.set("value", value);
        return property;
    }

    private static ObjectNode dateTime(Instant instant) {
        ObjectNode dateTime = JSON.objectNode();
        dateTime.put("@type", "DateTime");
        dateTime.put("@value", instant.toString());
        return dateTime;
    }

    private static Map<String, Duration> frequencies() {
        Map<String, Duration> frequencies = new LinkedHashMap<>();
        frequencies.put("hourly", Duration.ofHours(1));
        frequencies.put("daily", Duration.ofDays(1));
        frequencies.put("weekly", Duration.ofDays(7));
        frequencies.put("biweekly", Duration.ofDays(14));
        frequencies.put("monthly", Duration.ofDays(30));
        frequencies.put("bimonthly", Duration.ofDays(61));
        frequencies.put("quarterly", Duration.ofDays(91));
        frequencies.put("yearly", Duration.ofDays(365));
        return Collections.unmodifiableMap(frequencies);
    }
}
