package io.civicpulse.serving.fiware;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;

class KpiEntitiesTest {

    private static ObjectNode entity(IndicatorValue.Builder value) {
        return KpiEntities.toEntity(value.build());
    }

    private static JsonNode valueOf(ObjectNode entity, String attribute) {
        JsonNode property = entity.get(attribute);
        assertThat(property).as(attribute).isNotNull();
        assertThat(property.path("type").asText()).as(attribute + " type").isEqualTo("Property");
        return property.get("value");
    }

    @Test
    void entityHasTheSeriesIdAndTheKpiType() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94());

        assertThat(entity.get("id").asText())
                .isEqualTo("urn:ngsi-ld:KeyPerformanceIndicator:sofia:pt.on-time-performance:route%3AA94:PT1H");
        assertThat(entity.get("type").asText()).isEqualTo("KeyPerformanceIndicator");
    }

    @Test
    void contextIsTheCoreAndTheKpiModelContext() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94());

        assertThat(entity.get("@context")).extracting(JsonNode::asText).containsExactly(
                "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
                "https://raw.githubusercontent.com/smart-data-models/dataModel.KeyPerformanceIndicator/master/"
                        + "context.jsonld");
    }

    @Test
    void kpiValueIsANumberPropertyWithItsUnitCode() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94());

        assertThat(valueOf(entity, "kpiValue").isNumber()).isTrue();
        assertThat(valueOf(entity, "kpiValue").asDouble()).isEqualTo(83.4);
        assertThat(entity.get("kpiValue").get("unitCode").asText()).isEqualTo("P1");
    }

    @Test
    void valueWithoutDataHasNoKpiValueRatherThanZero() {
        ObjectNode entity = entity(TestValues.noDataYet());

        assertThat(entity.has("kpiValue")).isFalse();
        assertThat(valueOf(entity, "sampleCount").asLong()).isZero();
    }

    @Test
    void nonFiniteKpiValueIsLeftOutBecauseJsonCannotHoldIt() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94().setKpiValue(Double.NaN));

        assertThat(entity.has("kpiValue")).isFalse();
    }

    @Test
    void calculationPeriodIsTheWindowAsIsoInstants() {
        JsonNode period = valueOf(entity(TestValues.onTimeRouteA94()), "calculationPeriod");

        assertThat(period.get("from").asText()).isEqualTo("2026-12-07T09:15:00Z");
        assertThat(period.get("to").asText()).isEqualTo("2026-12-07T10:15:00Z");
    }

    @Test
    void liveFrequencyMapsToTheFinestModelFrequencyAndOursIsKept() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94());

        assertThat(valueOf(entity, "calculationFrequency").asText()).isEqualTo("hourly");
        assertThat(valueOf(entity, "updateFrequency").asText()).isEqualTo("PT1S");
    }

    @Test
    void dailyFinalsHaveTheDailyFrequency() {
        ObjectNode entity = entity(TestValues.resolutionTimeLozenets());

        assertThat(valueOf(entity, "calculationFrequency").asText()).isEqualTo("daily");
        assertThat(valueOf(entity, "updateFrequency").asText()).isEqualTo("P1D");
    }

    @Test
    void frequencyIsTheNearestModelValue() {
        assertThat(KpiEntities.nearestFrequency("live")).isEqualTo("hourly");
        assertThat(KpiEntities.nearestFrequency("PT15M")).isEqualTo("hourly");
        assertThat(KpiEntities.nearestFrequency("PT20H")).isEqualTo("daily");
        assertThat(KpiEntities.nearestFrequency("P6D")).isEqualTo("weekly");
        assertThat(KpiEntities.nearestFrequency("P1M")).isEqualTo("monthly");
        assertThat(KpiEntities.nearestFrequency("P3M")).isEqualTo("quarterly");
        assertThat(KpiEntities.nearestFrequency("P1Y")).isEqualTo("yearly");
    }

    @Test
    void categoryIsAOneElementArray() {
        assertThat(valueOf(entity(TestValues.onTimeRouteA94()), "category"))
                .extracting(JsonNode::asText).containsExactly("quantitative");
    }

    @Test
    void categoryTheModelLacksBecomesQuantitativeAndOursIsKept() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94().setCategory("data quality"));

        assertThat(valueOf(entity, "category")).extracting(JsonNode::asText).containsExactly("quantitative");
        assertThat(valueOf(entity, "indicatorCategory").asText()).isEqualTo("data quality");
    }

    @Test
    void currentStandingIsKeptWhenPresent() {
        assertThat(valueOf(entity(TestValues.onTimeRouteA94()), "currentStanding").asText()).isEqualTo("good");
    }

    @Test
    void currentStandingIsLeftOutWhenThereIsNoScore() {
        assertThat(entity(TestValues.noDataYet()).has("currentStanding")).isFalse();
    }

    @Test
    void standingOutsideTheModelEnumIsLeftOut() {
        assertThat(entity(TestValues.onTimeRouteA94().setCurrentStanding("excellent")).has("currentStanding"))
                .isFalse();
    }

    @Test
    void areaIsKeptWhenTheScopeIsAnArea() {
        assertThat(valueOf(entity(TestValues.resolutionTimeLozenets()), "area").asText()).isEqualTo("Lozenets");
    }

    @Test
    void areaIsLeftOutWhenTheScopeIsNotAnArea() {
        assertThat(entity(TestValues.onTimeRouteA94()).has("area")).isFalse();
    }

    @Test
    void nameIsTheIndicatorIdAndDescriptionTheCatalogueDefinition() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94());

        assertThat(valueOf(entity, "name").asText()).isEqualTo("pt.on-time-performance");
        assertThat(valueOf(entity, "description").asText())
                .isEqualTo(IndicatorCatalogue.PT_ON_TIME_PERFORMANCE.definition());
    }

    @Test
    void indicatorTheCatalogueDoesNotKnowHasNoDescription() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94().setIndicatorId("pt.from-a-newer-engine"));

        assertThat(entity.has("description")).isFalse();
        assertThat(valueOf(entity, "name").asText()).isEqualTo("pt.from-a-newer-engine");
    }

    @Test
    void cityIsTheOrganizationAndTheAddressLocality() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94());

        assertThat(valueOf(entity, "organization").asText()).isEqualTo("sofia");
        assertThat(valueOf(entity, "address").get("addressLocality").asText()).isEqualTo("sofia");
        assertThat(valueOf(entity, "address").get("type").asText()).isEqualTo("PostalAddress");
    }

    @Test
    void methodIsAutomaticAndProcessComesFromTheIndicatorDomain() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94());

        assertThat(valueOf(entity, "calculationMethod").asText()).isEqualTo("automatic");
        assertThat(valueOf(entity, "process").asText()).isEqualTo("public transport");
        assertThat(valueOf(entity(TestValues.resolutionTimeLozenets()), "process").asText())
                .isEqualTo("digital public services");
    }

    @Test
    void modifiedAtAndUpdatedAtAreTypedDateTimes() {
        ObjectNode entity = entity(TestValues.resolutionTimeLozenets());

        for (String attribute : List.of("modifiedAt", "updatedAt")) {
            JsonNode value = valueOf(entity, attribute);
            assertThat(value.get("@type").asText()).as(attribute).isEqualTo("DateTime");
            assertThat(value.get("@value").asText()).as(attribute).isEqualTo("2026-12-07T22:05:00.250Z");
        }
    }

    @Test
    void civicPulseFieldsAreKeptAsTheirOwnProperties() {
        ObjectNode entity = entity(TestValues.resolutionTimeLozenets());

        assertThat(valueOf(entity, "numerator").asDouble()).isEqualTo(31.5);
        assertThat(valueOf(entity, "denominator").asDouble()).isEqualTo(1.0);
        assertThat(valueOf(entity, "sampleCount").asLong()).isEqualTo(42);
        assertThat(valueOf(entity, "lateEventCount").asLong()).isEqualTo(3);
        assertThat(valueOf(entity, "unit").asText()).isEqualTo("h");
        assertThat(entity.get("kpiValue").get("unitCode").asText()).isEqualTo("HUR");
        assertThat(valueOf(entity, "direction").asText()).isEqualTo("LOWER_IS_BETTER");
        assertThat(valueOf(entity, "scope").asText()).isEqualTo("district:lozenets");
        assertThat(valueOf(entity, "window").asText()).isEqualTo("P1D-calendar");
        assertThat(valueOf(entity, "final").asBoolean()).isTrue();
        assertThat(valueOf(entity, "catalogueVersion").asText()).isEqualTo(IndicatorCatalogue.VERSION);
        assertThat(valueOf(entity, "standard").asText())
                .isEqualTo(IndicatorCatalogue.GOV_REQUEST_RESOLUTION_TIME_P50.follows());
    }

    @Test
    void countUnitHasNoUnitCode() {
        ObjectNode entity = entity(TestValues.onTimeRouteA94().setIndicatorId("gov.open-requests").setUnit("count"));

        assertThat(entity.get("kpiValue").has("unitCode")).isFalse();
        assertThat(valueOf(entity, "unit").asText()).isEqualTo("count");
    }

    @Test
    void entityIdParsesBackToTheValuesSeries() {
        IndicatorValue value = TestValues.onTimeRouteA94().setScope("route:N1/night").build();

        assertThat(KpiEntityId.parse(KpiEntities.toEntity(value).get("id").asText()))
                .contains(KpiEntityId.of(value));
    }

    @Test
    void entitiesKeepTheOrderOfTheValues() {
        List<IndicatorValue> values = List.of(TestValues.resolutionTimeLozenets().build(),
                TestValues.onTimeRouteA94().build());

        assertThat(KpiEntities.toEntities(values)).extracting(entity -> entity.get("id").asText()).containsExactly(
                KpiEntityId.of(values.get(0)).urn(), KpiEntityId.of(values.get(1)).urn());
    }
}
