package io.civicpulse.streams.catalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.indicators.IndicatorDirection;

class IndicatorCatalogueTest {

    @Test
    void holdsEveryIndicatorOfTheDomainOnce() {
        assertThat(IndicatorCatalogue.all()).extracting(IndicatorDefinition::id).containsExactly(
                "pt.realtime-route-coverage", "pt.realtime-stop-coverage", "pt.on-time-performance", "pt.delay-p50",
                "pt.delay-p90", "pt.trips-served", "pt.gps-tracked-trips", "pt.feed-freshness",
                "pt.alert-affected-routes", "micromobility.vehicles-available-per-100k",
                "micromobility.station-availability", "gov.online-service-availability", "gov.digital-channel-share",
                "gov.e-service-success", "gov.e-payment-share", "gov.request-resolution-time-p50",
                "gov.requests-closed-on-time", "gov.open-requests", "gov.civic-reports-per-100k",
                "gov.open-data-use-per-100k");
    }

    @Test
    void serviceUsageIndicatorsArePercentagesWhereHigherIsBetter() {
        for (IndicatorDefinition definition : new IndicatorDefinition[] {
                IndicatorCatalogue.GOV_DIGITAL_CHANNEL_SHARE, IndicatorCatalogue.GOV_E_SERVICE_SUCCESS,
                IndicatorCatalogue.GOV_E_PAYMENT_SHARE, IndicatorCatalogue.GOV_ONLINE_SERVICE_AVAILABILITY}) {
            assertThat(definition.unit()).as(definition.id()).isEqualTo("%");
            assertThat(definition.direction()).as(definition.id()).isEqualTo(IndicatorDirection.HIGHER_IS_BETTER);
        }
    }

    @Test
    void percentilesCarryTheirQuantile() {
        assertThat(IndicatorCatalogue.PT_DELAY_P90.quantile()).isEqualTo(0.9);
        assertThat(IndicatorCatalogue.GOV_REQUEST_RESOLUTION_TIME_P50.unit()).isEqualTo("h");
    }

    @Test
    void saysWhichIndicatorsAreComputed() {
        assertThat(IndicatorCatalogue.computed()).extracting(IndicatorDefinition::id).containsExactly(
                "pt.realtime-route-coverage", "pt.realtime-stop-coverage", "pt.on-time-performance", "pt.delay-p50", "pt.delay-p90", "pt.trips-served",
                "pt.gps-tracked-trips", "pt.feed-freshness", "pt.alert-affected-routes",
                "micromobility.vehicles-available-per-100k", "micromobility.station-availability",
                "gov.online-service-availability",
                "gov.digital-channel-share", "gov.e-service-success", "gov.e-payment-share",
                "gov.request-resolution-time-p50", "gov.requests-closed-on-time", "gov.open-requests",
                "gov.civic-reports-per-100k", "gov.open-data-use-per-100k");
        assertThat(IndicatorCatalogue.all()).allMatch(IndicatorDefinition::computed);
    }

    @Test
    void onlyTheScheduleBasedIndicatorsSettle() {
        assertThat(IndicatorCatalogue.all()).filteredOn(definition -> !definition.settle().isZero())
                .extracting(IndicatorDefinition::id, IndicatorDefinition::settle)
                .containsExactly(tuple("pt.realtime-route-coverage", Duration.ofMinutes(10)),
                        tuple("pt.realtime-stop-coverage", Duration.ofMinutes(10)),
                        tuple("pt.trips-served", Duration.ofMinutes(30)),
                        tuple("pt.gps-tracked-trips", Duration.ofMinutes(30)));
    }

    @Test
    void perCapitaIndicatorsAreCountsPerDayOverPopulation() {
        assertThat(IndicatorCatalogue.GOV_CIVIC_REPORTS_PER_100K.measure()).isEqualTo(Measure.RATE_PER_100K_PER_DAY);
        assertThat(IndicatorCatalogue.GOV_OPEN_DATA_USE_PER_100K.measure().isPerCapita()).isTrue();
        assertThat(IndicatorCatalogue.GOV_OPEN_DATA_USE_PER_100K.unit()).isEqualTo("count");
    }

    @Test
    void unknownIdIsAnError() {
        assertThat(IndicatorCatalogue.find("gov.nonsense")).isEmpty();
        assertThatThrownBy(() -> IndicatorCatalogue.require("gov.nonsense"))
                .hasMessageContaining(IndicatorCatalogue.VERSION);
    }
}
