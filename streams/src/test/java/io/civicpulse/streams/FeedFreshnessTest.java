package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.nio.file.Path;
import java.time.Instant;

import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.freshness.VehiclePositionRules;
import io.civicpulse.streams.sketch.QuantileSketch;

/**
 * pt.feed-freshness: the 90th percentile of ingestedAt - positionTime over the vehicle positions that arrived in the
 * window, against hand-computed percentiles (linear interpolation between ranks, within the sketch's 1%).
 */
class FeedFreshnessTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final String FRESHNESS = "sofia/pt.feed-freshness/city/";
    private static final String ID = "pt.feed-freshness";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("fresh-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private static Instant minutes(double m) {
        return T.plusMillis((long) (m * 60_000));
    }

    /** A position of {@code vehicleId} received at {@code arrival}, measured {@code ageSeconds} before. */
    private void arrives(String city, String vehicleId, Instant arrival, double ageSeconds) {
        kit.send(kit.position(city, vehicleId, arrival.minusMillis((long) (ageSeconds * 1000)), arrival));
    }

    @Test
    void freshnessIsTheNinetiethPercentileOfTheAges() {
        for (int age = 1; age <= 10; age++) {
            arrives("sofia", "A" + age, minutes(2), age);
        }
        kit.tick();

        // Rank 0.9 * (10 - 1) = 8.1: a tenth of the way from 9 s to 10 s.
        IndicatorValue value = kit.lastLive(FRESHNESS + "PT15M");
        assertThat(value.getKpiValue()).isCloseTo(9.1, withinPercentage(QuantileSketch.ALPHA * 100));
        assertThat(value.getSampleCount()).isEqualTo(10);
        assertThat(value.getUnit()).isEqualTo("s");
    }

    @Test
    void positionRepeatedInLaterPollsCountsOnceAtItsFirstArrival() {
        kit.send(kit.position("sofia", "A1", minutes(1), minutes(1).plusSeconds(4)));
        kit.send(kit.position("sofia", "A1", minutes(1), minutes(1).plusSeconds(34))); // same position, next poll
        kit.send(kit.position("sofia", "A1", minutes(1), minutes(1).plusSeconds(64)));
        kit.tick();

        IndicatorValue value = kit.lastLive(FRESHNESS + "PT15M");
        assertThat(value.getSampleCount()).isEqualTo(1);
        assertThat(value.getKpiValue()).isCloseTo(4.0, withinPercentage(QuantileSketch.ALPHA * 100));
    }

    @Test
    void stalePositionCountsInTheWindowOfItsArrival() {
        arrives("sofia", "A1", minutes(20), 2);
        arrives("sofia", "A2", minutes(21), 1200); // measured at 10:01, received at 10:21
        arrives("sofia", "A3", minutes(36), 3);    // closes the windows ending 10:30

        IndicatorValue window = kit.finalOf(FRESHNESS + "PT15M", minutes(15), minutes(30));
        assertThat(window.getSampleCount()).isEqualTo(2);
        // Rank 0.9 * (2 - 1) = 0.9: nine tenths of the way from 2 s to 1200 s.
        assertThat(window.getKpiValue()).isCloseTo(2 + 0.9 * 1198, withinPercentage(QuantileSketch.ALPHA * 100));
        assertThat(kit.finals(FRESHNESS + "PT15M")).extracting(IndicatorValue::getCalculationPeriodTo)
                .containsExactly(minutes(30));
    }

    @Test
    void negativeAgeWithinTheAllowedSkewCountsAsZero() {
        arrives("sofia", "A1", minutes(2), -20); // the vehicle's clock 20 s ahead of ingest's
        kit.tick();

        IndicatorValue value = kit.lastLive(FRESHNESS + "PT15M");
        assertThat(value.getKpiValue()).isEqualTo(0.0);
        assertThat(value.getSampleCount()).isEqualTo(1);
        assertThat(kit.metric(VehiclePositionRules.NEGATIVE_AGE, ID)).isEqualTo(1.0);
        assertThat(kit.deadLetters()).isEmpty();
    }

    @Test
    void positionTimeFurtherAheadThanTheSkewIsDeadLettered() {
        arrives("sofia", "A1", minutes(2), -600); // 10 minutes in the future; the allowed skew is 5
        arrives("sofia", "A2", minutes(2), 6);
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.future-timestamp");
        IndicatorValue value = kit.lastLive(FRESHNESS + "PT15M");
        assertThat(value.getSampleCount()).isEqualTo(1);
        assertThat(value.getKpiValue()).isCloseTo(6.0, withinPercentage(QuantileSketch.ALPHA * 100));
    }

    @Test
    void ageAboveADayIsFeedNoiseLeftOutAndCounted() {
        arrives("sofia", "A1", minutes(2), 25 * 3600);
        arrives("sofia", "A2", minutes(2), 23 * 3600); // stale, but within a day: counted
        kit.tick();

        IndicatorValue value = kit.lastLive(FRESHNESS + "PT15M");
        assertThat(value.getSampleCount()).isEqualTo(1);
        assertThat(value.getKpiValue()).isCloseTo(23 * 3600.0, withinPercentage(QuantileSketch.ALPHA * 100));
        assertThat(kit.metric(VehiclePositionRules.AGE_NOISE, ID)).isEqualTo(1.0);
        assertThat(kit.deadLetters()).isEmpty();
    }

    @Test
    void unusablePositionsAreDeadLetteredAndTheirNeighboursCounted() {
        kit.send(kit.position("sofia", "", minutes(1), minutes(1).plusSeconds(5)));
        kit.send(kit.position("sofia", "A2", minutes(1), minutes(1).plusSeconds(5)).setLatitude(95.0));
        kit.send(kit.position("sofia", "A3", minutes(1), minutes(1).plusSeconds(5)).setLongitude(Double.NaN));
        kit.send(kit.position("Sofia!", "A4", minutes(1), minutes(1).plusSeconds(5)));
        kit.send(kit.position("sofia", "A5", minutes(1), minutes(1).plusSeconds(8)));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.missing-field",
                "event.invalid-field", "event.invalid-field", "event.invalid-city");
        assertThat(kit.deadLetters()).allSatisfy(letter ->
                assertThat(letter.getSourceTopic()).isEqualTo("civicpulse.mobility.vehicle-positions.v1"));
        IndicatorValue value = kit.lastLive(FRESHNESS + "PT15M");
        assertThat(value.getSampleCount()).isEqualTo(1);
        assertThat(value.getKpiValue()).isCloseTo(8.0, withinPercentage(QuantileSketch.ALPHA * 100));
    }

    @Test
    void twoCitiesWithTheSameVehicleIdsAreKeptApart() {
        kit.send(kit.position("sofia", "A1", minutes(1), minutes(1).plusSeconds(10)));
        kit.send(kit.position("patras", "A1", minutes(1), minutes(1).plusSeconds(40)));
        kit.tick();

        assertThat(kit.lastLive(FRESHNESS + "PT15M").getKpiValue())
                .isCloseTo(10.0, withinPercentage(QuantileSketch.ALPHA * 100));
        assertThat(kit.lastLive("patras/pt.feed-freshness/city/PT15M").getKpiValue())
                .isCloseTo(40.0, withinPercentage(QuantileSketch.ALPHA * 100));
        assertThat(kit.indicatorRecords()).extracting(TestRecord::key)
                .filteredOn(key -> key.contains("/pt.feed-freshness/"))
                .allMatch(key -> key.contains("/city/"));
    }
}
