package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.IndicatorWindowProcessor;
import io.civicpulse.streams.aggregation.SourceBacklog;
import io.civicpulse.streams.aggregation.Tally;

/**
 * How the windows behave, on gov.e-payment-share (the simplest ratio): late and duplicate events, empty windows,
 * daylight-saving days, cities side by side, rate limiting, finals and the latest-value topic. Test settings: panes
 * of one minute, grace five minutes, finals every 15 minutes.
 */
class WindowingTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");
    private static final String CITY_15M = "sofia/gov.e-payment-share/city/PT15M";
    private static final String ID = "gov.e-payment-share";

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("windowing-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private void pay(boolean electronic, Instant at) {
        kit.send(kit.payment("sofia", null, electronic, at));
    }

    private static Instant minutes(double m) {
        return T.plusMillis((long) (m * 60_000));
    }

    @Test
    void lateEventWithinGraceIsIncludedAndCounted() {
        pay(true, minutes(0.5));
        pay(true, minutes(4));
        pay(false, minutes(1.5)); // its pane ended at 10:02, before stream time 10:04, but within the 5 min grace
        pay(true, minutes(21)); // closes the window ending at 10:15

        IndicatorValue window = kit.finalOf(CITY_15M, T, minutes(15));
        assertThat(window.getNumerator()).isEqualTo(2);
        assertThat(window.getDenominator()).isEqualTo(3);
        assertThat(window.getLateEventCount()).isZero();
        assertThat(kit.metric(EngineMetrics.LATE_WITHIN_GRACE, ID)).isEqualTo(1);
        assertThat(kit.deadLetters()).isEmpty();
    }

    @Test
    void lateEventBeyondGraceIsCountedAsLateNotInTheValueAndDeadLettered() {
        pay(true, minutes(1));
        pay(true, minutes(12)); // stream time 10:12: panes up to 10:07 are closed
        PaymentEvent late = kit.payment("sofia", null, false, minutes(3));
        kit.send(late);
        pay(true, minutes(21));

        IndicatorValue window = kit.finalOf(CITY_15M, T, minutes(15));
        assertThat(window.getNumerator()).isEqualTo(2);
        assertThat(window.getDenominator()).isEqualTo(2);
        assertThat(window.getKpiValue()).isEqualTo(100.0);
        assertThat(window.getLateEventCount()).isEqualTo(1);
        assertThat(kit.metric(EngineMetrics.LATE_BEYOND_GRACE, ID)).isEqualTo(1);
        List<DeadLetter> deadLetters = kit.deadLetters();
        assertThat(deadLetters).hasSize(1);
        DeadLetter deadLetter = deadLetters.get(0);
        assertThat(deadLetter.getReason()).isEqualTo("event.late-beyond-grace");
        assertThat(deadLetter.getCity()).isEqualTo("sofia");
        assertThat(deadLetter.getSourceTopic()).isEqualTo(Topics.PAYMENTS.name());
        assertThat(deadLetter.getHeaders()).containsEntry("indicatorId", ID)
                .containsEntry("eventId", late.getEventId());
        assertThat(deadLetter.getPayloadReference()).startsWith("kafka:" + Topics.PAYMENTS.name() + "/0@");
        assertThat(deadLetter.getPayloadSize()).isPositive();
        assertThat(kit.deadLetterKeys()).containsExactly("streams/event.late-beyond-grace");
    }

    @Test
    void duplicateEventCountsOnce() {
        PaymentEvent payment = kit.payment("sofia", null, true, minutes(1));
        kit.send(payment);
        kit.send(payment); // the same push retried
        pay(false, minutes(2));
        kit.tick();

        IndicatorValue value = kit.lastLive(CITY_15M);
        assertThat(value.getDenominator()).isEqualTo(2);
        assertThat(value.getSampleCount()).isEqualTo(2);
        assertThat(kit.metric(EngineMetrics.DUPLICATES, "payments")).isEqualTo(1);
    }

    @Test
    void emptyWindowHasNoValueRatherThanZeroPercent() {
        pay(true, minutes(1));
        pay(true, minutes(40)); // closes every pane up to 10:35

        assertThat(kit.finalOf(CITY_15M, T, minutes(15)).getKpiValue()).isEqualTo(100.0);
        // Nothing happened from 10:15 to 10:30: no value at all for that window, not 0%.
        assertThat(kit.finals(CITY_15M)).extracting(IndicatorValue::getCalculationPeriodFrom)
                .doesNotContain(minutes(15));
        // The hour ending at 10:30 still holds the 10:01 payment.
        assertThat(kit.finalOf("sofia/gov.e-payment-share/city/PT1H", minutes(-30), minutes(30)).getDenominator())
                .isEqualTo(1);
    }

    @Test
    void indicatorWithoutEventsPublishesNothing() {
        kit.send(kit.session("sofia", "parking-permit", io.civicpulse.schemas.services.SessionPhase.STARTED,
                io.civicpulse.schemas.common.ServiceChannel.WEB, minutes(1)));
        kit.tick();
        assertThat(kit.indicatorRecords()).isEmpty();
    }

    @Test
    void springForwardCalendarDayInSofiaIs23Hours() {
        pay(false, Instant.parse("2026-03-28T22:30:00Z")); // 00:30 local on the 29th
        pay(true, Instant.parse("2026-03-29T10:00:00Z"));
        pay(true, Instant.parse("2026-03-29T21:06:00Z")); // 00:06 local on the 30th; closes the 29th

        IndicatorValue day = kit.finalOf("sofia/gov.e-payment-share/city/P1D-calendar",
                Instant.parse("2026-03-28T22:00:00Z"), Instant.parse("2026-03-29T21:00:00Z"));
        assertThat(Duration.between(day.getCalculationPeriodFrom(), day.getCalculationPeriodTo()))
                .isEqualTo(Duration.ofHours(23));
        assertThat(day.getNumerator()).isEqualTo(1);
        assertThat(day.getDenominator()).isEqualTo(2);
        assertThat(day.getCalculationFrequency()).isEqualTo("P1D");
    }

    @Test
    void fallBackCalendarDayInSofiaIs25Hours() {
        pay(true, Instant.parse("2026-10-24T21:30:00Z")); // 00:30 local on the 25th (EEST)
        pay(false, Instant.parse("2026-10-25T21:30:00Z")); // 23:30 local on the 25th (EET)
        pay(true, Instant.parse("2026-10-25T22:06:00Z")); // 00:06 local on the 26th; closes the 25th

        IndicatorValue day = kit.finalOf("sofia/gov.e-payment-share/city/P1D-calendar",
                Instant.parse("2026-10-24T21:00:00Z"), Instant.parse("2026-10-25T22:00:00Z"));
        assertThat(Duration.between(day.getCalculationPeriodFrom(), day.getCalculationPeriodTo()))
                .isEqualTo(Duration.ofHours(25));
        assertThat(day.getNumerator()).isEqualTo(1);
        assertThat(day.getDenominator()).isEqualTo(2);
    }

    @Test
    void twoCitiesWithTheSameServiceIdsAreKeptApart() {
        kit.send(kit.payment("sofia", "parking-permit", true, minutes(0.2)));
        kit.send(kit.payment("patras", "parking-permit", false, minutes(120)));
        // Patras is two hours ahead; that must not make Sofia's own events late.
        kit.send(kit.payment("sofia", "parking-permit", false, minutes(0.4)));
        kit.tick();

        assertThat(kit.lastLive("sofia/gov.e-payment-share/service:parking-permit/PT15M").getKpiValue())
                .isEqualTo(50.0);
        IndicatorValue patras = kit.lastLive("patras/gov.e-payment-share/service:parking-permit/PT15M");
        assertThat(patras.getKpiValue()).isEqualTo(0.0);
        assertThat(patras.getDenominator()).isEqualTo(1);
        assertThat(kit.deadLetters()).isEmpty();
    }

    @Test
    void severalUpdatesWithinOneIntervalGiveOneLiveRecordPerKey() {
        for (int i = 1; i <= 5; i++) {
            pay(i % 2 == 0, minutes(i * 0.1));
        }
        kit.tick();
        assertThat(kit.lives(CITY_15M)).hasSize(1);
        assertThat(kit.lastLive(CITY_15M).getDenominator()).isEqualTo(5);

        kit.tick(); // nothing changed: nothing published
        assertThat(kit.lives(CITY_15M)).hasSize(1);

        pay(true, minutes(0.7));
        kit.tick();
        assertThat(kit.lives(CITY_15M)).hasSize(2);
        assertThat(kit.lastLive(CITY_15M).getDenominator()).isEqualTo(6);
    }

    @Test
    void eachWindowGetsExactlyOneFinal() {
        pay(true, minutes(1));
        pay(false, minutes(5));
        pay(true, minutes(14));
        kit.tick();
        pay(true, minutes(21));
        pay(true, minutes(22));
        kit.tick();
        pay(true, minutes(40));
        kit.tick();

        long finalsOfFirstQuarter = kit.finals(CITY_15M).stream()
                .filter(v -> v.getCalculationPeriodFrom().equals(T)).count();
        assertThat(finalsOfFirstQuarter).isEqualTo(1);
        IndicatorValue window = kit.finalOf(CITY_15M, T, minutes(15));
        assertThat(window.getNumerator()).isEqualTo(2);
        assertThat(window.getDenominator()).isEqualTo(3);
        assertThat(window.getCalculationFrequency()).isEqualTo("PT15M");
        assertThat(kit.finalOf(CITY_15M, minutes(15), minutes(30)).getDenominator()).isEqualTo(2);
    }

    @Test
    void latestTopicKeepsTheNewestPeriodWhenAnOlderFinalFollows() {
        pay(true, minutes(1));
        pay(true, minutes(16));
        kit.tick(); // live value of the 15 minutes ending 10:17
        pay(true, minutes(21)); // the final of the window ending 10:15 comes after it

        assertThat(kit.finals(CITY_15M)).extracting(IndicatorValue::getCalculationPeriodTo).contains(minutes(15));
        IndicatorValue latest = kit.latest().get(CITY_15M);
        assertThat(latest.getFinal$()).isFalse();
        assertThat(latest.getCalculationPeriodTo()).isEqualTo(minutes(17));
    }

    @Test
    void panesAreForgottenOnceTheyLeaveTheLongestWindow() {
        for (int i = 0; i <= 50 * 6; i++) { // a payment every 10 minutes for 50 hours
            pay(true, minutes(i * 10));
        }
        KeyValueStore<String, Tally> panes = kit.driver.getKeyValueStore(IndicatorWindowProcessor.PANES_STORE);
        long count = 0;
        try (KeyValueIterator<String, Tally> all = panes.all()) {
            while (all.hasNext()) {
                KeyValue<String, Tally> pane = all.next();
                count += pane.value == null ? 0 : 1;
            }
        }
        // 24 hours of one pane every 10 minutes, plus the open panes: about 145, not 300.
        assertThat(count).isBetween(140L, 150L);
        IndicatorValue day = kit.finalOf("sofia/gov.e-payment-share/city/PT24H", minutes(49 * 60 - 24 * 60),
                minutes(49 * 60));
        assertThat(day.getDenominator()).isEqualTo(144);
    }

    @Test
    void whenEverySourceHasGoneQuietTheCityReachesItsNewestEvent() {
        pay(true, minutes(2));
        kit.send(kit.session("sofia", "parking-permit", io.civicpulse.schemas.services.SessionPhase.COMPLETED,
                io.civicpulse.schemas.common.ServiceChannel.WEB, minutes(25)));
        kit.tick();
        // The payments partition, at 10:02, holds the city's clock while it may still be catching up.
        assertThat(kit.finals(CITY_15M)).isEmpty();

        kit.driver.advanceWallClockTime(java.time.Duration.ofSeconds(31));

        // Both partitions quiet: everything sent has arrived, so the clock is at 10:25 and 10:00-10:15 is final.
        assertThat(kit.finalOf(CITY_15M, T, minutes(15)).getDenominator()).isEqualTo(1);
    }

    @Test
    void aBurstAfterEverySourceWentQuietDoesNotMakeThePartitionsDeliveringItLastLate() {
        pay(true, minutes(2));
        kit.send(kit.session("sofia", "parking-permit", io.civicpulse.schemas.services.SessionPhase.COMPLETED,
                io.civicpulse.schemas.common.ServiceChannel.WEB, minutes(3)));
        kit.driver.advanceWallClockTime(Duration.ofSeconds(31)); // both quiet: the clock goes to 10:03

        // A system pushes twenty minutes it held back; the sessions partition's share reaches the engine first.
        kit.send(kit.session("sofia", "parking-permit", io.civicpulse.schemas.services.SessionPhase.COMPLETED,
                io.civicpulse.schemas.common.ServiceChannel.WEB, minutes(25)));
        pay(false, minutes(8));
        kit.driver.advanceWallClockTime(Duration.ofSeconds(31));

        assertThat(kit.deadLetters()).as("the payments partition's 10:08 is not late").isEmpty();
        IndicatorValue quarter = kit.finalOf(CITY_15M, T, minutes(15));
        assertThat(quarter.getDenominator()).isEqualTo(2);
        assertThat(quarter.getNumerator()).isEqualTo(1);
    }

    @Test
    void aCitysFirstEventsFromTwoPartitionsAreNotLateWhicheverArrivesFirst(@TempDir Path otherState) {
        try (EngineTestKit warming = new EngineTestKit("windowing-warming", otherState,
                java.util.Map.of(io.civicpulse.streams.config.EngineConfig.SOURCE_STARTUP_GRACE, "PT30S",
                        io.civicpulse.streams.config.EngineConfig.SOURCE_QUIET_AFTER, "PT60S"))) {
            // The sessions partition's task runs ahead: its 10:50 event reaches the engine before the payments
            // partition's 10:02 one.
            warming.send(warming.session("sofia", "parking-permit", io.civicpulse.schemas.services.SessionPhase.COMPLETED,
                    io.civicpulse.schemas.common.ServiceChannel.WEB, minutes(50)));
            warming.send(warming.payment("sofia", "parking-permit", true, minutes(2)));
            warming.tick();
            assertThat(warming.indicatorRecords()).as("no clock, so no value, during the startup grace").isEmpty();
            warming.driver.advanceWallClockTime(java.time.Duration.ofSeconds(31));
            assertThat(warming.lastLive(CITY_15M).getDenominator()).as("live once the grace is over").isEqualTo(1);
            warming.driver.advanceWallClockTime(java.time.Duration.ofSeconds(31)); // both partitions quiet

            assertThat(warming.deadLetters()).isEmpty();
            assertThat(warming.finalOf(CITY_15M, T, minutes(15)).getDenominator()).isEqualTo(1);
        }
    }

    /** What the consumers know of unfetched input, set by the test: partitions as {@code topic#partition}. */
    private static final class Backlog implements SourceBacklog {
        final Set<String> behind = new HashSet<>();

        @Override
        public boolean behind(String topic, int partition) {
            return behind.contains(topic + "#" + partition);
        }
    }

    /**
     * A payment at 10:02 and a session at 10:25, then both partitions quiet for 31 s while {@code partition} is
     * behind: no final yet, the clock is held at 10:02.
     */
    private static void paymentAndSessionThenQuietWhileBehind(EngineTestKit behind, Backlog backlog,
                                                             String partition) {
        behind.send(behind.payment("sofia", "parking-permit", true, minutes(2)));
        behind.send(behind.session("sofia", "parking-permit", io.civicpulse.schemas.services.SessionPhase.COMPLETED,
                io.civicpulse.schemas.common.ServiceChannel.WEB, minutes(25)));
        backlog.behind.add(partition);
        behind.driver.advanceWallClockTime(Duration.ofSeconds(31));
        assertThat(behind.finals(CITY_15M)).as("quiet for 31 s, but " + partition + " is behind").isEmpty();
    }

    @Test
    void aQuietSourceWhosePartitionIsStillBehindHoldsTheCitysClock(@TempDir Path otherState) {
        Backlog backlog = new Backlog();
        try (EngineTestKit behind = new EngineTestKit("windowing-behind", otherState, java.util.Map.of(), backlog)) {
            // The stream thread has not reached the rest of the payments partition (a catch-up after a restart).
            paymentAndSessionThenQuietWhileBehind(behind, backlog, Topics.PAYMENTS.name() + "#0");

            behind.send(behind.payment("sofia", "parking-permit", false, minutes(5))); // its next record
            backlog.behind.clear();
            behind.driver.advanceWallClockTime(Duration.ofSeconds(31));

            assertThat(behind.deadLetters()).as("nothing late").isEmpty();
            assertThat(behind.finalOf(CITY_15M, T, minutes(15)).getDenominator()).isEqualTo(2);
        }
    }

    @Test
    void whileTheTasksOwnInputIsBehindEvenQuietSourcesHoldTheCitysClock(@TempDir Path otherState) {
        Backlog backlog = new Backlog();
        try (EngineTestKit behind = new EngineTestKit("windowing-own", otherState, java.util.Map.of(), backlog)) {
            // Contributions wait in the window task's own input: they may come from either source.
            paymentAndSessionThenQuietWhileBehind(behind, backlog, "indicators-windowing-own-"
                    + IndicatorTopology.CONTRIBUTIONS_REPARTITION + "-repartition#0");

            backlog.behind.clear();
            behind.driver.advanceWallClockTime(Duration.ofSeconds(31));
            assertThat(behind.finalOf(CITY_15M, T, minutes(15)).getDenominator()).isEqualTo(1);
        }
    }

    @Test
    void sparseEventsGiveTheFinalsOfEveryWindowHoldingThem() {
        pay(true, minutes(1));           // 10:01
        pay(false, minutes(3 * 60 + 1)); // 13:01
        pay(true, minutes(30 * 60));     // the next day, 16:00: closes every window holding the first two

        List<IndicatorValue> hourly = kit.finals("sofia/gov.e-payment-share/city/PT1H");
        assertThat(hourly).extracting(IndicatorValue::getCalculationPeriodTo).containsExactly(
                minutes(15), minutes(30), minutes(45), minutes(60),
                minutes(195), minutes(210), minutes(225), minutes(240));
        List<IndicatorValue> daily = kit.finals("sofia/gov.e-payment-share/city/PT24H");
        // Ends 10:15 to 13:00 hold the first payment, 13:15 to 10:00 the next day both, then until 13:00 the second.
        assertThat(daily).hasSize(12 + 84 + 12);
        assertThat(daily.stream().filter(v -> v.getDenominator() == 2)).hasSize(84);
        assertThat(daily.get(daily.size() - 1).getKpiValue()).isEqualTo(0.0);
        assertThat(daily.get(0).getKpiValue()).isEqualTo(100.0);
    }
}
