package io.civicpulse.serving.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.streams.maturity.MaturityConfig;
import io.civicpulse.streams.maturity.MaturityScoring;
import io.civicpulse.streams.maturity.NextSteps;

/** The next-steps answer as docs/api.md describes it, for the default configuration. */
class JsonViewsTest {

    private static final MaturityConfig CONFIG = MaturityConfig.defaults();

    /** The data of deploy's QueryApiIT: 75% e-payments, 50% digital channel, every session completed. */
    static JsonNode queryApiCity() {
        MaturityScore score = MaturityScoring.score(CONFIG, "sofia", new MaturityScoring.Period("PT24H",
                0, 86_400_000, false, 86_400_000), Map.of("gov.e-payment-share", 75.0,
                "gov.digital-channel-share", 50.0, "gov.e-service-success", 100.0));
        return JsonViews.nextSteps(NextSteps.plan(CONFIG, score), score);
    }

    @Test
    void nextStepsCarryTheSetTheRankedListAndTheUnmeasured() {
        JsonNode body = queryApiCity();

        assertThat(body.path("city").asText()).isEqualTo("sofia");
        assertThat(body.path("window").asText()).isEqualTo("PT24H");
        assertThat(body.path("level").asInt()).isEqualTo(4);
        assertThat(body.path("nextLevelAt").asDouble()).isEqualTo(80.0);
        JsonNode step = body.path("steps").get(0);
        assertThat(body.path("steps")).hasSize(1);
        assertThat(step.path("indicatorId").asText()).isEqualTo("gov.digital-channel-share");
        assertThat(step.path("partial").asBoolean()).isTrue();
        assertThat(step.path("dimensionName").asText()).isEqualTo("Digital public services");
        // (3 × 80 − 78.57 − 100) score points more than 50, over 20-80%: 20 + 61.43% × 60.
        double neededScore = 3 * 80 - CONFIG.scored("gov.e-payment-share").orElseThrow().score(75) - 100;
        assertThat(step.path("neededValue").asDouble()).isCloseTo(20 + neededScore / 100 * 60, within(1e-9));
        assertThat(step.path("arithmetic").asText()).contains("× weight 1/3 in Digital public services");
        assertThat(body.path("indicators").findValuesAsText("indicatorId")).containsExactly(
                "gov.digital-channel-share", "gov.e-payment-share", "gov.e-service-success");
        assertThat(body.path("indicators").get(2).path("gainPerUnit").isNull()).isTrue();
        assertThat(body.path("unmeasured").findValuesAsText("indicatorId")).hasSize(16)
                .contains("gov.online-service-availability", "pt.delay-p90");
    }
}
