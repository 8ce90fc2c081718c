package io.civicpulse.streams;

import static io.civicpulse.schemas.services.RequestLifecycle.CLOSED;
import static io.civicpulse.schemas.services.RequestLifecycle.OPENED;
import static io.civicpulse.schemas.services.RequestLifecycle.REOPENED;
import static io.civicpulse.schemas.services.RequestLifecycle.UNKNOWN;
import static io.civicpulse.schemas.services.RequestLifecycle.UPDATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.streams.sketch.QuantileSketch;

/**
 * The Open311 indicators (closed on time, resolution time p50, open requests), each against a hand-computed
 * expectation. Test settings: panes of one minute, grace five minutes, finals every 15 minutes.
 */
class Open311IndicatorsTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final String ON_TIME = "sofia/gov.requests-closed-on-time/";
    private static final String RESOLUTION = "sofia/gov.request-resolution-time-p50/";
    private static final String OPEN = "sofia/gov.open-requests/";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("open311-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private static Instant minutes(double m) {
        return T.plusMillis((long) (m * 60_000));
    }

    private ServiceRequestEvent.Builder opened(String id, String service, Instant at) {
        return kit.request("sofia", id, service, OPENED, at, at);
    }

    /** A request first seen closed at {@code closedAt}, requested {@code open} earlier. */
    private ServiceRequestEvent.Builder closed(String id, String service, Instant closedAt, Duration open) {
        return kit.request("sofia", id, service, CLOSED, closedAt.minus(open), closedAt);
    }

    @Test
    void closedOnTimeIsRequestsClosedByTheirExpectedTimeOverRequestsClosed() {
        kit.send(closed("r1", "pothole", minutes(1), Duration.ofHours(1)).setExpectedAt(minutes(5)));
        kit.send(closed("r2", "pothole", minutes(2), Duration.ofHours(1)).setExpectedAt(minutes(2))); // exactly on
        kit.send(closed("r3", "pothole", minutes(3), Duration.ofHours(1)).setExpectedAt(minutes(2)));
        kit.send(closed("r4", "pothole", minutes(4), Duration.ofHours(1))); // no expected time: on neither side
        kit.tick();

        IndicatorValue city = kit.lastLive(ON_TIME + "city/PT15M");
        assertThat(city.getNumerator()).isEqualTo(2);
        assertThat(city.getDenominator()).isEqualTo(3);
        assertThat(city.getKpiValue()).isCloseTo(200.0 / 3, withinPercentage(1e-9));
        assertThat(kit.lastLive(ON_TIME + "service:pothole/PT1H").getDenominator()).isEqualTo(3);
    }

    @Test
    void requestWithoutExpectedTimeIsOnNeitherSideOfClosedOnTime() {
        kit.send(closed("r1", "pothole", minutes(1), Duration.ofHours(2)));
        kit.tick();

        assertThat(kit.indicatorRecords()).extracting(TestRecord::key)
                .noneMatch(key -> key.startsWith(ON_TIME))
                .contains(RESOLUTION + "city/PT15M");
    }

    @Test
    void closedOnTimeCountsInTheWindowWhereTheRequestCloses() {
        kit.send(opened("r1", "pothole", minutes(5)).setExpectedAt(minutes(40)));
        kit.send(kit.request("sofia", "r1", "pothole", CLOSED, minutes(5), minutes(20)).setExpectedAt(minutes(40)));
        kit.send(opened("r2", "pothole", minutes(36))); // stream time 10:36 closes the window ending 10:30

        assertThat(kit.finals(ON_TIME + "city/PT15M")).extracting(IndicatorValue::getCalculationPeriodFrom)
                .containsExactly(minutes(15));
        IndicatorValue window = kit.finalOf(ON_TIME + "city/PT15M", minutes(15), minutes(30));
        assertThat(window.getNumerator()).isEqualTo(1);
        assertThat(window.getDenominator()).isEqualTo(1);
    }

    @Test
    void resolutionTimeIsTheMedianOfNonEmergencyRequestsInHours() {
        kit.send(closed("r1", "pothole", minutes(1), Duration.ofHours(1)));
        kit.send(closed("r2", "pothole", minutes(2), Duration.ofHours(2)));
        kit.send(closed("r3", "streetlight", minutes(3), Duration.ofHours(4)));
        kit.send(closed("r4", "streetlight", minutes(4), Duration.ofHours(10)));
        kit.send(closed("r5", "gas-leak", minutes(5), Duration.ofMinutes(30)).setEmergency(true)); // left out
        kit.tick();

        // Ranks around 0.5 * (4 - 1) = 1.5: halfway between 2 h and 4 h.
        IndicatorValue city = kit.lastLive(RESOLUTION + "city/PT15M");
        assertThat(city.getKpiValue()).isCloseTo(3.0, withinPercentage(QuantileSketch.ALPHA * 100));
        assertThat(city.getSampleCount()).isEqualTo(4);
        assertThat(city.getUnit()).isEqualTo("h");
        assertThat(kit.lastLive(RESOLUTION + "service:streetlight/PT15M").getKpiValue())
                .isCloseTo(7.0, withinPercentage(QuantileSketch.ALPHA * 100));
    }

    @Test
    void openedSeenTwiceCountsOneOpenRequest() {
        kit.send(opened("r1", "pothole", minutes(1)));
        // The same request reported OPENED again in a later version (e.g. after an ingest restart): a new eventId.
        kit.send(kit.request("sofia", "r1", "pothole", OPENED, minutes(1), minutes(2)));
        kit.tick();

        assertThat(kit.lastLive(OPEN + "city/PT15M").getKpiValue()).isEqualTo(1.0);
        assertThat(kit.lastLive(OPEN + "service:pothole/PT15M").getKpiValue()).isEqualTo(1.0);
    }

    @Test
    void closedWithoutOpenedDoesNotLowerTheOpenCount() {
        kit.send(opened("r1", "pothole", minutes(1)));
        kit.send(closed("r2", "pothole", minutes(2), Duration.ofHours(3))); // opened before the engine saw it
        kit.tick();

        assertThat(kit.lastLive(OPEN + "city/PT15M").getKpiValue()).isEqualTo(1.0);
    }

    @Test
    void reopenedRequestIsOpenAgain() {
        kit.send(opened("r1", "pothole", minutes(1)));
        kit.send(kit.request("sofia", "r1", "pothole", CLOSED, minutes(1), minutes(2)));
        kit.send(kit.request("sofia", "r1", "pothole", REOPENED, minutes(1), minutes(3)));
        kit.tick();

        IndicatorValue open = kit.lastLive(OPEN + "city/PT15M");
        assertThat(open.getKpiValue()).isEqualTo(1.0);
        assertThat(open.getSampleCount()).isEqualTo(1);
    }

    @Test
    void openRequestsIsTheCountAtEachWindowsEnd() {
        kit.send(opened("r1", "pothole", minutes(1)));
        kit.send(opened("r2", "pothole", minutes(2)));
        kit.send(kit.request("sofia", "r1", "pothole", CLOSED, minutes(1), minutes(20)));
        kit.send(opened("r3", "pothole", minutes(36))); // closes the windows ending 10:15 and 10:30

        assertThat(kit.finalOf(OPEN + "city/PT15M", T, minutes(15)).getKpiValue()).isEqualTo(2.0);
        assertThat(kit.finalOf(OPEN + "city/PT15M", minutes(15), minutes(30)).getKpiValue()).isEqualTo(1.0);
    }

    @Test
    void openRequestsFallingToZeroIsPublishedAsZero() {
        kit.send(opened("r1", "pothole", minutes(1)));
        kit.tick();
        kit.send(kit.request("sofia", "r1", "pothole", CLOSED, minutes(1), minutes(3)));
        kit.tick();

        IndicatorValue open = kit.lastLive(OPEN + "city/PT15M");
        assertThat(open.getKpiValue()).isEqualTo(0.0);
        assertThat(open.getNumerator()).isEqualTo(0);
    }

    @Test
    void olderVersionOfARequestDoesNotChangeItsState() {
        kit.send(closed("r1", "pothole", minutes(5), Duration.ofHours(1)));
        kit.send(opened("r2", "pothole", minutes(4)));
        // A replay of a version from before r1 closed: open, but older than what is known.
        kit.send(kit.request("sofia", "r1", "pothole", UPDATED, minutes(-60), minutes(3)));
        kit.tick();

        assertThat(kit.lastLive(OPEN + "city/PT15M").getKpiValue()).isEqualTo(1.0);
    }

    @Test
    void requestMovedToAnotherServiceWhileOpenMovesItsCount() {
        kit.send(opened("r1", "pothole", minutes(1)));
        kit.send(kit.request("sofia", "r1", "streetlight", UPDATED, minutes(1), minutes(2)));
        kit.tick();

        assertThat(kit.lastLive(OPEN + "service:pothole/PT15M").getKpiValue()).isEqualTo(0.0);
        assertThat(kit.lastLive(OPEN + "service:streetlight/PT15M").getKpiValue()).isEqualTo(1.0);
        assertThat(kit.lastLive(OPEN + "city/PT15M").getKpiValue()).isEqualTo(1.0);
    }

    @Test
    void requestsOfADistrictAreCountedInItsScope() {
        kit.send(opened("r1", "pothole", minutes(1)).setDistrict("lozenets"));
        kit.send(opened("r2", "pothole", minutes(2)).setDistrict("mladost"));
        kit.tick();

        assertThat(kit.lastLive(OPEN + "district:lozenets/PT15M").getKpiValue()).isEqualTo(1.0);
        assertThat(kit.lastLive(OPEN + "city/PT15M").getKpiValue()).isEqualTo(2.0);
    }

    @Test
    void requestOfUnknownLifecycleIsDeadLettered() {
        kit.send(kit.request("sofia", "r1", "pothole", UNKNOWN, minutes(1), minutes(1)));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.unknown-enum");
        assertThat(kit.indicatorRecords()).isEmpty();
    }

    @Test
    void requestClosedBeforeItWasRequestedIsDeadLettered() {
        kit.send(kit.request("sofia", "r1", "pothole", CLOSED, minutes(3), minutes(3)).setClosedAt(minutes(1)));
        kit.send(opened("r2", "pothole", minutes(2)));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.invalid-field");
        assertThat(kit.lastLive(OPEN + "city/PT15M").getKpiValue()).isEqualTo(1.0);
    }
}
