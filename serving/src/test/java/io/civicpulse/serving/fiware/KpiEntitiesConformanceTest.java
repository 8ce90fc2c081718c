package io.civicpulse.serving.fiware;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;
import io.civicpulse.streams.catalogue.ScopeKind;

/**
 * The entities against the Smart Data Models' own KeyPerformanceIndicator files (JSON schema and examples), which
 * are not part of this repository: found in a {@code shared/samples/ngsi-ld} folder above the working directory,
 * or where the system property {@value #SAMPLES_PROPERTY} says. Skipped, with the reason, when neither has them.
 */
class KpiEntitiesConformanceTest {

    static final String SAMPLES_PROPERTY = "civicpulse.ngsi-ld.samples";
    private static final Path SAMPLES_BELOW_AN_ANCESTOR = Path.of("shared", "samples", "ngsi-ld");
    private static final String SCHEMA = "KeyPerformanceIndicator-schema.json";
    private static final String NORMALIZED_EXAMPLE = "KeyPerformanceIndicator-example-normalized.jsonld";
    private static final String KEY_VALUES_EXAMPLE = "KeyPerformanceIndicator-example.jsonld";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static Path samples;
    private static Schema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        samples = locateSamples();
        if (samples == null) {
            return;
        }
        ObjectNode model = (ObjectNode) MAPPER.readTree(samples.resolve(SCHEMA).toFile());
        // The model's allOf starts with $refs to the GSMA and location commons, which live on the web: a test
        // must not fetch, so they are left out, and the KPI model's own part (every attribute the model defines)
        // is what is checked. The commons' attributes we use (name, description, address) are tested by shape
        // against the model's normalized example below.
        ArrayNode allOf = (ArrayNode) model.get("allOf");
        for (Iterator<JsonNode> part = allOf.elements(); part.hasNext(); ) {
            if (part.next().has("$ref")) {
                part.remove();
            }
        }
        assertThat(allOf).as("the KPI model's own part of the schema").isNotEmpty();
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(MAPPER.writeValueAsString(model), InputFormat.JSON);
    }

    /** Per test rather than in {@link #loadSchema}, so that each test is reported as skipped, with the reason. */
    @BeforeEach
    void requireSamples() {
        Assumptions.assumeTrue(samples != null, "no Smart Data Models samples: neither -D" + SAMPLES_PROPERTY
                + " nor a " + SAMPLES_BELOW_AN_ANCESTOR + " folder above " + Path.of("").toAbsolutePath());
    }

    /** The property, or the nearest {@code shared/samples/ngsi-ld} folder from the working directory upwards. */
    static Path locateSamples() {
        String configured = System.getProperty(SAMPLES_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isRegularFile(path.resolve(SCHEMA)) ? path : null;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(SAMPLES_BELOW_AN_ANCESTOR);
            if (Files.isRegularFile(candidate.resolve(SCHEMA))) {
                return candidate;
            }
        }
        return null;
    }

    @Test
    void modelsOwnKeyValuesExampleIsValidSoTheCheckBelowMeansSomething() throws IOException {
        assertThat(validate(MAPPER.readTree(samples.resolve(KEY_VALUES_EXAMPLE).toFile()))).isEmpty();
    }

    @Test
    void entityWithAValueOutsideAModelEnumIsInvalidSoTheCheckCanFail() {
        ObjectNode keyValues = keyValues(KpiEntities.toEntity(TestValues.onTimeRouteA94().build()));
        keyValues.set("currentStanding", MAPPER.getNodeFactory().textNode("excellent"));

        assertThat(validate(keyValues)).isNotEmpty();
    }

    @Test
    void entitiesOfRealisticValuesOfEveryIndicatorAreValidAgainstTheModelSchema() {
        for (IndicatorValue value : realisticValues()) {
            ObjectNode keyValues = keyValues(KpiEntities.toEntity(value));

            assertThat(validate(keyValues)).as(keyValues.get("id").asText())
                    .filteredOn(error -> !isCalculationPeriodFormat(error))
                    .isEmpty();
        }
    }

    /**
     * The one known deviation, on purpose (docs/fiware.md): the model's calculationPeriod members have the format
     * "date", and ours are the window's instants, since a date cannot say which 15 minutes a PT15M value covers
     * (nor a calendar day in the city's zone, which starts at 22:00 UTC in Sofia). This pins it down: only the
     * format of those two members differs, and they are ISO-8601 instants.
     */
    @Test
    void calculationPeriodIsTheOnlyDeviationAndHoldsInstants() {
        ObjectNode keyValues = keyValues(KpiEntities.toEntity(TestValues.onTimeRouteA94().build()));

        assertThat(validate(keyValues)).allMatch(KpiEntitiesConformanceTest::isCalculationPeriodFormat);
        assertThat(Instant.parse(keyValues.get("calculationPeriod").get("from").asText()))
                .isBefore(Instant.parse(keyValues.get("calculationPeriod").get("to").asText()));
    }

    private static boolean isCalculationPeriodFormat(Error error) {
        String where = error.getInstanceLocation().toString();
        return "format".equals(error.getKeyword())
                && (where.endsWith("calculationPeriod/from") || where.endsWith("calculationPeriod/to")
                || where.endsWith("calculationPeriod.from") || where.endsWith("calculationPeriod.to"));
    }

    @Test
    void contextIsTheOneOfTheModelsNormalizedExample() throws IOException {
        JsonNode example = MAPPER.readTree(samples.resolve(NORMALIZED_EXAMPLE).toFile());

        assertThat(KpiEntities.toEntity(TestValues.onTimeRouteA94().build()).get("@context"))
                .isEqualTo(example.get("@context"));
    }

    @Test
    void everyAttributeTheNormalizedExampleAlsoHasIsShapedAsThere() throws IOException {
        JsonNode example = MAPPER.readTree(samples.resolve(NORMALIZED_EXAMPLE).toFile());
        ObjectNode entity = KpiEntities.toEntity(TestValues.resolutionTimeLozenets().build());
        List<String> shared = new ArrayList<>();

        for (Iterator<Map.Entry<String, JsonNode>> it = example.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> attribute = it.next();
            String name = attribute.getKey();
            JsonNode ours = entity.get(name);
            if (ours == null || name.equals("@context")) {
                continue;
            }
            shared.add(name);
            JsonNode theirs = attribute.getValue();
            assertThat(ours.getNodeType()).as(name).isEqualTo(theirs.getNodeType());
            if (theirs.isObject()) {
                assertThat(ours.path("type").asText()).as(name + " type").isEqualTo(theirs.path("type").asText());
                JsonNode ourValue = ours.get("value");
                JsonNode theirValue = theirs.get("value");
                assertThat(ourValue.getNodeType()).as(name + " value").isEqualTo(theirValue.getNodeType());
                if (theirValue.isObject()) {
                    assertThat(theirValue.properties()).as(name + " value members")
                            .extracting(Map.Entry::getKey)
                            .containsAll(fieldNames(ourValue));
                }
            }
        }
        assertThat(shared).as("attributes of the example that the entity has too").contains("id", "type",
                "address", "calculationFrequency", "calculationMethod", "calculationPeriod", "category",
                "currentStanding", "description", "kpiValue", "modifiedAt", "name", "organization", "process");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * One value of every indicator of the catalogue, for each of its scope kinds, as the engine would publish it:
     * the schema is about keyValues, whatever the indicator, scope or window.
     */
    private static List<IndicatorValue> realisticValues() {
        List<IndicatorValue> values = new ArrayList<>(List.of(TestValues.onTimeRouteA94().build(),
                TestValues.resolutionTimeLozenets().build(), TestValues.noDataYet().build()));
        String[] standings = {"veryBad", "bad", "fair", "good", "veryGood", null};
        int n = 0;
        for (IndicatorDefinition definition : IndicatorCatalogue.all()) {
            for (ScopeKind kind : definition.scopes()) {
                n++;
                values.add(TestValues.onTimeRouteA94()
                        .setIndicatorId(definition.id())
                        .setScope(kind.scope("a:b/c " + n))
                        .setWindow(n % 2 == 0 ? "PT15M" : "P1D-calendar")
                        .setCalculationFrequency(n % 3 == 0 ? "PT15M" : "PT1S")
                        .setUnit(definition.unit())
                        .setCategory(definition.category())
                        .setDirection(definition.direction())
                        .setCurrentStanding(standings[n % standings.length])
                        .setArea(kind == ScopeKind.DISTRICT ? "District " + n : null)
                        .setKpiValue(n % 5 == 0 ? null : 10.0 * n)
                        .setUpdatedAt(Instant.parse("2026-12-07T10:15:01.123Z").plusSeconds(n))
                        .setFinal$(n % 2 == 0)
                        .build());
            }
        }
        return values;
    }

    private static List<Error> validate(JsonNode keyValues) {
        try {
            // Formats asserted, not just annotated: updatedAt must be a date-time, not any string.
            return schema.validate(MAPPER.writeValueAsString(keyValues), InputFormat.JSON,
                    context -> context.executionConfig(config -> config.formatAssertionsEnabled(true)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keyValues form the schema describes: each Property's value, a DateTime as its string. */
    static ObjectNode keyValues(ObjectNode normalized) {
        ObjectNode keyValues = MAPPER.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = normalized.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> attribute = it.next();
            JsonNode node = attribute.getValue();
            if (node.isObject() && "Property".equals(node.path("type").asText())) {
                JsonNode value = node.get("value");
                keyValues.set(attribute.getKey(),
                        value.isObject() && value.has("@value") ? value.get("@value") : value);
            } else {
                keyValues.set(attribute.getKey(), node);
            }
        }
        return keyValues;
    }
}
