package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class SimulationClockTest {

    private static final Instant START = Instant.parse("2026-03-29T01:00:00+02:00");

    @Test
    void aRunningClockAdvancesAtItsSpeedFactor() {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        SimulationClock clock = SimulationClock.running(START, 60, nanos::get);
        assertThat(clock.instant()).isEqualTo(START);
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(clock.instant()).isEqualTo(START.plus(Duration.ofMinutes(10)));
    }

    @Test
    void aManualClockMovesOnlyWhenToldAndNeverBackwards() {
        SimulationClock clock = SimulationClock.manual(START);
        clock.advance(Duration.ofMinutes(5));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(300));
        assertThatThrownBy(() -> clock.set(START)).hasMessageContaining("never goes backwards");
    }

    @Test
    void aRunningClockCannotBeMovedByHand() {
        SimulationClock clock = SimulationClock.running(START, 1);
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aSpeedThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> SimulationClock.running(START, 0)).hasMessageContaining("positive");
    }
}
