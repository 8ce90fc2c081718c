package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;

/**
 * Inputs that must not corrupt state: ids that collide across cities, ids that would break keys, and the
 * partitioning that keeps one city's series on one task.
 */
class InputHardeningTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        kit = new EngineTestKit("hardening-" + test.getTestMethod().orElseThrow().getName(), stateDir);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void twoCitiesUsingTheSameEventIdAreBothCounted() {
        PaymentEvent sofia = kit.payment("sofia", "parking-permit", true, T.plusSeconds(10));
        PaymentEvent patras = kit.payment("patras", "parking-permit", true, T.plusSeconds(20));
        sofia.setEventId("PAY-1001");
        patras.setEventId("PAY-1001");
        kit.send(sofia);
        kit.send(patras);
        kit.tick();

        assertThat(kit.lastLive("sofia/gov.e-payment-share/city/PT15M").getDenominator()).isEqualTo(1);
        assertThat(kit.lastLive("patras/gov.e-payment-share/city/PT15M").getDenominator()).isEqualTo(1);
    }

    @Test
    void serviceIdThatWouldBreakKeysRejectsTheWholeEventNotOneScope() {
        kit.send(kit.payment("sofia", "parking-permit", true, T.plusSeconds(10)));
        kit.send(kit.payment("sofia", "x".repeat(70_000), true, T.plusSeconds(20)));
        kit.send(kit.payment("sofia", "a|b", true, T.plusSeconds(30)));
        kit.tick();

        IndicatorValue city = kit.lastLive("sofia/gov.e-payment-share/city/PT15M");
        assertThat(city.getDenominator()).as("only the valid payment, in every scope").isEqualTo(1);
        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason)
                .containsExactly("event.invalid-field", "event.invalid-field");
    }

    @Test
    void eventFromAYearAheadOfTheEngineClockIsDeadLetteredAndDoesNotMakeTheCityLate() {
        Instant nextYear = EngineTestKit.WALL_CLOCK_START.plus(java.time.Duration.ofDays(365));
        // A producer whose clock is a year ahead stamps the event and its ingestedAt alike.
        PaymentEvent fromTheFuture = PaymentEvent.newBuilder(kit.payment("sofia", "parking-permit", true, nextYear))
                .setIngestedAt(nextYear).build();
        kit.send(fromTheFuture);
        kit.send(kit.payment("sofia", "parking-permit", true, T.plusSeconds(10)));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason).containsExactly("event.future-timestamp");
        assertThat(kit.lastLive("sofia/gov.e-payment-share/city/PT15M").getDenominator())
                .as("the true event is not late").isEqualTo(1);
    }

    @Test
    void deadLettersAreStampedWhenWrittenNotWithTheRejectedEventsTime() {
        // Two hours ahead: a broker refuses records stamped more than an hour ahead of its clock, so a dead letter
        // carrying the event's own time would fail the task on the record it rejects, at every restart.
        Instant ahead = EngineTestKit.WALL_CLOCK_START.plus(java.time.Duration.ofHours(2));
        kit.send(PaymentEvent.newBuilder(kit.payment("sofia", "parking-permit", true, ahead)).setIngestedAt(ahead)
                .build());
        // And one from months before the engine's clock, which the topic's retention would delete at once.
        kit.send(PaymentEvent.newBuilder(kit.payment("sofia", "parking-permit", true, T)).setCity("so|fia").build());
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason)
                .containsExactly("event.future-timestamp", "event.invalid-city");
        // The test's wall clock starts at WALL_CLOCK_START and moves on by a few seconds of ticks.
        assertThat(kit.deadLetterTimestamps()).hasSize(2).allSatisfy(timestamp -> assertThat(timestamp).isBetween(
                EngineTestKit.WALL_CLOCK_START.toEpochMilli(),
                EngineTestKit.WALL_CLOCK_START.plus(java.time.Duration.ofMinutes(1)).toEpochMilli()));
    }

    @Test
    void catalogueEntryWithACityThatIsNotAnIdIsDeadLetteredAndTheCityKeepsWorking() {
        kit.publish(kit.service("so|fia", "parking-permit", true, true), T);
        kit.publish(kit.service("Sofia", "parking-permit", true, true), T);
        kit.publish(kit.service("sofia", "parking-permit", true, true), T.plusSeconds(5));
        kit.send(kit.payment("sofia", "parking-permit", true, T.plusSeconds(10)));
        kit.tick();

        assertThat(kit.deadLetters()).extracting(DeadLetter::getReason)
                .containsExactly("event.invalid-city", "event.invalid-city");
        assertThat(kit.lastLive("sofia/gov.online-service-availability/city/PT15M").getDenominator()).isEqualTo(1);
        assertThat(kit.lastLive("sofia/gov.e-payment-share/city/PT15M").getDenominator()).isEqualTo(1);
    }

    @Test
    void everySeriesOfACityIsPartitionedTogether() {
        EventOrigin origin = new EventOrigin("e", "t", 0, 0, "k", 0);
        Set<Integer> sofia = new HashSet<>();
        for (String indicator : new String[] {"gov.e-payment-share", "gov.digital-channel-share"}) {
            for (String scope : new String[] {"city", "service:parking-permit", "service:birth-certificate"}) {
                Contribution c = Contribution.count("sofia", indicator, scope, 0, 1, 1, origin);
                sofia.addAll(IndicatorTopology.partitionByCity("t", "sofia", List.of(c), 6).orElseThrow());
            }
        }
        assertThat(sofia).hasSize(1);
    }

    @Test
    void aCityThatGoesQuietStillGetsItsFinals() {
        kit.send(kit.payment("sofia", "parking-permit", true, T.plusSeconds(60)));
        kit.tick();
        assertThat(kit.finals("sofia/gov.e-payment-share/city/PT15M")).isEmpty();

        // Ten quiet minutes (the default idle time), then the wall clock runs on for an hour.
        kit.driver.advanceWallClockTime(java.time.Duration.ofMinutes(10));
        kit.driver.advanceWallClockTime(java.time.Duration.ofMinutes(60));

        IndicatorValue quarter = kit.finalOf("sofia/gov.e-payment-share/city/PT15M", T.minusSeconds(0),
                T.plus(java.time.Duration.ofMinutes(15)));
        assertThat(quarter.getDenominator()).isEqualTo(1);
        assertThat(quarter.getKpiValue()).isEqualTo(100.0);
    }

    @Test
    void aCityThatKeepsSendingIsNotMovedOnByTheWallClock() {
        for (int minute = 1; minute <= 12; minute++) {
            kit.send(kit.payment("sofia", "parking-permit", true, T.plusSeconds(60L * minute)));
            kit.driver.advanceWallClockTime(java.time.Duration.ofMinutes(1));
        }
        kit.driver.advanceWallClockTime(java.time.Duration.ofMinutes(5));

        // Stream time is 10:12; nothing closes the 10:00-10:15 window yet.
        assertThat(kit.finals("sofia/gov.e-payment-share/city/PT15M")).isEmpty();
    }
}
