package io.civicpulse.streams;

import static io.civicpulse.schemas.common.ServiceChannel.COUNTER;
import static io.civicpulse.schemas.common.ServiceChannel.WEB;
import static io.civicpulse.schemas.services.SessionPhase.COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.indicators.DimensionScore;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.schemas.services.RequestLifecycle;
import io.civicpulse.streams.maturity.MaturityConfig;
import io.civicpulse.streams.maturity.MaturityProcessor;
import io.civicpulse.streams.results.IndicatorResultsProcessor;

/** The maturity index and the query stores, computed by the production topology from the city's values. */
class MaturityIndexTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("maturity-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    /** 3 of 4 payments electronic (75%) and 1 of 2 completed transactions digital (50%), at 10:00-10:01. */
    private void sendServiceUsage() {
        kit.send(kit.payment("sofia", "parking", true, T.plusSeconds(5)));
        kit.send(kit.payment("sofia", "parking", true, T.plusSeconds(10)));
        kit.send(kit.payment("sofia", "parking", true, T.plusSeconds(15)));
        kit.send(kit.payment("sofia", "parking", false, T.plusSeconds(20)));
        kit.send(kit.session("sofia", "parking", COMPLETED, WEB, T.plusSeconds(30)));
        kit.send(kit.session("sofia", "parking", COMPLETED, COUNTER, T.plusSeconds(40)));
    }

    private static DimensionScore dimension(MaturityScore score, String id) {
        return score.getDimensions().stream().filter(d -> d.getDimensionId().equals(id)).findFirst().orElseThrow();
    }

    /**
     * The default configuration's score of the public-services dimension for these values (the two completed
     * sessions also make e-service success 100%).
     */
    private static double expectedPublicServices(double ePaymentShare, double digitalShare) {
        MaturityConfig config = MaturityConfig.defaults();
        MaturityConfig.ScoredIndicator payment = config.scored("gov.e-payment-share").orElseThrow();
        MaturityConfig.ScoredIndicator digital = config.scored("gov.digital-channel-share").orElseThrow();
        MaturityConfig.ScoredIndicator success = config.scored("gov.e-service-success").orElseThrow();
        return (payment.score(ePaymentShare) * payment.weight() + digital.score(digitalShare) * digital.weight()
                + success.score(100) * success.weight()) / (payment.weight() + digital.weight() + success.weight());
    }

    /**
     * A payment at {@code at}, then 31 s of wall time: the sessions partition, quiet since, stops holding the city's
     * clock, which moves to {@code at}.
     */
    private void paymentThenQuiet(Instant at) {
        kit.send(kit.payment("sofia", "parking", true, at));
        kit.driver.advanceWallClockTime(java.time.Duration.ofSeconds(31));
        kit.tick();
    }

    @Test
    void liveScoreFollowsTheCitysValuesInEveryScoredWindow() {
        sendServiceUsage();
        kit.tick();
        kit.tick();

        for (String window : List.of("PT24H", "PT1H", "P1D-calendar")) {
            List<MaturityScore> scores = kit.maturityScores("sofia/" + window);
            assertThat(scores).as(window).isNotEmpty();
            MaturityScore live = scores.get(scores.size() - 1);
            assertThat(live.getFinal$()).isFalse();
            DimensionScore services = dimension(live, "public-services");
            assertThat(services.getScore()).isCloseTo(expectedPublicServices(75, 50), within(1e-9));
            assertThat(services.getIndicatorCoverage()).isEqualTo(0.75);
            // Only public services has data: the index is its score, the other dimensions have none.
            assertThat(live.getIndexScore()).isCloseTo(services.getScore(), within(1e-9));
            assertThat(dimension(live, "mobility").getScore()).isNull();
            assertThat(live.getConfigVersion()).isEqualTo(MaturityConfig.defaults().version());
        }
        assertThat(kit.maturityLatest()).containsKeys("sofia/PT24H", "sofia/PT1H", "sofia/P1D-calendar");
    }

    @Test
    void liveScoresAreRateLimitedToOneAWindowPerLiveInterval() {
        sendServiceUsage();
        kit.tick();
        int afterFirst = kit.maturityScores("sofia/PT1H").size();
        kit.send(kit.payment("sofia", "parking", false, T.plusSeconds(50)));
        kit.send(kit.payment("sofia", "parking", false, T.plusSeconds(55)));
        kit.tick();

        assertThat(afterFirst).isEqualTo(1);
        assertThat(kit.maturityScores("sofia/PT1H")).hasSize(2);
    }

    @Test
    void aClosedPeriodGetsExactlyOneFinalScoreOnceEveryIndicatorHasSettled() {
        sendServiceUsage();
        kit.tick();
        // 10:40: the city's clock passes 10:35, closing 10:15 and 10:30; pt.trips-served settles 30 minutes later,
        // so 10:15 is not complete yet.
        paymentThenQuiet(T.plusSeconds(40 * 60));
        assertThat(kit.maturityScores("sofia/PT1H")).noneMatch(MaturityScore::getFinal$);

        // 11:00 closes up to 10:55: the period ending 10:15 is complete (10:15 + 30 min <= 10:45).
        paymentThenQuiet(T.plusSeconds(60 * 60));

        List<MaturityScore> finals = kit.maturityScores("sofia/PT1H").stream().filter(MaturityScore::getFinal$)
                .toList();
        assertThat(finals).extracting(s -> s.getCalculationPeriodTo().toString())
                .containsExactly("2026-03-10T10:15:00Z");
        MaturityScore first = finals.get(0);
        assertThat(first.getCalculationPeriodFrom()).isEqualTo(Instant.parse("2026-03-10T09:15:00Z"));
        assertThat(dimension(first, "public-services").getScore())
                .isCloseTo(expectedPublicServices(75, 50), within(1e-9));
        // The final went to the history topic only: the latest topic already holds a newer live score.
        assertThat(kit.maturityLatest().get("sofia/PT1H").getFinal$()).isFalse();
    }

    @Test
    void scoredValuesCarryTheirStandingAndUnscoredOnesNone() {
        sendServiceUsage();
        kit.tick();

        // e-payment 75% between floor 20 and target 90 scores 78.6: good.
        assertThat(kit.lastLive("sofia/gov.e-payment-share/city/PT1H").getCurrentStanding()).isEqualTo("good");
        kit.send(kit.request("sofia", "r1", "pothole", RequestLifecycle.OPENED, T.plusSeconds(50), T.plusSeconds(50)));
        kit.tick();
        assertThat(kit.lastLive("sofia/gov.open-requests/city/PT1H").getCurrentStanding()).isNull();
    }

    @Test
    void theQueryStoresHoldTheNewestValueAndTheFinals() {
        sendServiceUsage();
        kit.tick();
        paymentThenQuiet(T.plusSeconds(60 * 60));

        KeyValueStore<String, IndicatorValue> latest =
                kit.driver.getKeyValueStore(IndicatorResultsProcessor.LATEST_STORE);
        assertThat(latest.get("sofia/gov.e-payment-share/city/PT1H").getCalculationPeriodTo())
                .isEqualTo(kit.latest().get("sofia/gov.e-payment-share/city/PT1H").getCalculationPeriodTo());
        ReadOnlyWindowStore<String, IndicatorValue> history =
                kit.driver.getWindowStore(IndicatorResultsProcessor.HISTORY_STORE);
        List<String> ends = new java.util.ArrayList<>();
        try (var finals = history.fetch("sofia/gov.e-payment-share/city/PT1H", T, T.plusSeconds(3600))) {
            finals.forEachRemaining(kv -> {
                assertThat(kv.value.getFinal$()).isTrue();
                ends.add(kv.value.getCalculationPeriodTo().toString());
            });
        }
        assertThat(ends).containsExactly("2026-03-10T10:15:00Z", "2026-03-10T10:30:00Z", "2026-03-10T10:45:00Z");
        KeyValueStore<String, MaturityScore> maturity = kit.driver.getKeyValueStore(MaturityProcessor.LATEST_STORE);
        assertThat(maturity.get("sofia/PT24H")).isEqualTo(kit.maturityLatest().get("sofia/PT24H"));
    }
}
