package io.civicpulse.serving.fiware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class KpiEntityIdTest {

    /** RFC 8141 NSS characters (pchar and "/"), which is what a URN may hold after its NID. */
    private static final Pattern URN = Pattern.compile(
            "urn:ngsi-ld:[A-Za-z0-9()+,\\-.:=@;$_!*'%/?#~&]+");

    @Test
    void idHasTypeCityIndicatorScopeAndWindowInOrder() {
        KpiEntityId id = new KpiEntityId("sofia", "pt.on-time-performance", "city", "PT1H");

        assertThat(id.urn()).isEqualTo("urn:ngsi-ld:KeyPerformanceIndicator:sofia:pt.on-time-performance:city:PT1H");
    }

    @Test
    void colonOfAScopeIsPercentEncodedSoThePartsStaySeparable() {
        KpiEntityId id = new KpiEntityId("sofia", "pt.on-time-performance", "route:A94", "PT1H");

        assertThat(id.urn())
                .isEqualTo("urn:ngsi-ld:KeyPerformanceIndicator:sofia:pt.on-time-performance:route%3AA94:PT1H");
    }

    @Test
    void slashOfAScopeIsPercentEncodedSoTheIdIsOnePathSegment() {
        KpiEntityId id = new KpiEntityId("sofia", "pt.delay-p50", "route:N1/night", "PT15M");

        assertThat(id.urn()).endsWith(":route%3AN1%2Fnight:PT15M").doesNotContain("/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"city", "route:A94", "route:N1/night", "stop:a:b:c", "service:parking permit",
            "district:лозенец", "route:100%", "route:a,b?c#d&e=f", "route:%3A", "route:~._-", "stop:😀"})
    void parseGivesBackTheSeriesTheIdWasMadeFrom(String scope) {
        KpiEntityId id = new KpiEntityId("são-paulo", "gov.e-payment-share", scope, "P1D-calendar");

        assertThat(id.urn()).matches(URN);
        assertThat(KpiEntityId.parse(id.urn())).contains(id);
    }

    @Test
    void idDecodedOnceTooOftenStillFindsItsSeries() {
        String decodedByAFramework = "urn:ngsi-ld:KeyPerformanceIndicator:sofia:pt.on-time-performance:route:A94:PT1H";

        assertThat(KpiEntityId.parse(decodedByAFramework))
                .contains(new KpiEntityId("sofia", "pt.on-time-performance", "route:A94", "PT1H"));
    }

    @Test
    void lowerCaseEscapesAreAccepted() {
        assertThat(KpiEntityId.parse("urn:ngsi-ld:KeyPerformanceIndicator:sofia:x:route%3aA94:PT1H"))
                .map(KpiEntityId::scope).contains("route:A94");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "urn:ngsi-ld:Vehicle:sofia:x:city:PT1H", "urn:ngsi-ld:KeyPerformanceIndicator:sofia",
            "urn:ngsi-ld:KeyPerformanceIndicator:sofia:x:city", "urn:ngsi-ld:KeyPerformanceIndicator:sofia::city:PT1H",
            "urn:ngsi-ld:KeyPerformanceIndicator:sofia:x:route%3:PT1H",
            "urn:ngsi-ld:KeyPerformanceIndicator:sofia:x:route%ZZ:PT1H"})
    void idThatIsNotOneOfOursIsNotFound(String id) {
        assertThat(KpiEntityId.parse(id)).isEmpty();
    }

    @Test
    void nullIdIsNotFound() {
        assertThat(KpiEntityId.parse(null)).isEmpty();
    }

    @Test
    void emptyPartIsRefusedBecauseItCouldNotBeParsedBack() {
        assertThatThrownBy(() -> new KpiEntityId("sofia", "x", "", "PT1H"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void seriesOfAValueIsItsCityIndicatorScopeAndWindow() {
        assertThat(KpiEntityId.of(TestValues.onTimeRouteA94().build()))
                .isEqualTo(new KpiEntityId("sofia", "pt.on-time-performance", "route:A94", "PT1H"));
    }
}
