package io.civicpulse.streams.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

class WindowSpecTest {

    private static final ZoneId SOFIA = ZoneId.of("Europe/Sofia");

    private static long ms(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void springForwardDayInSofiaIs23HoursLong() {
        long noon = ms("2026-03-29T10:00:00Z");
        assertThat(WindowSpec.dayStart(noon, SOFIA)).isEqualTo(ms("2026-03-28T22:00:00Z"));
        assertThat(WindowSpec.dayEnd(noon, SOFIA)).isEqualTo(ms("2026-03-29T21:00:00Z"));
        assertThat(WindowSpec.dayEnd(noon, SOFIA) - WindowSpec.dayStart(noon, SOFIA))
                .isEqualTo(Duration.ofHours(23).toMillis());
    }

    @Test
    void fallBackDayInSofiaIs25HoursLong() {
        long lateEvening = ms("2026-10-25T21:30:00Z"); // 23:30 local, after the clocks went back
        assertThat(WindowSpec.dayStart(lateEvening, SOFIA)).isEqualTo(ms("2026-10-24T21:00:00Z"));
        assertThat(WindowSpec.dayEnd(lateEvening, SOFIA)).isEqualTo(ms("2026-10-25T22:00:00Z"));
    }

    @Test
    void instantAtLocalMidnightStartsTheNewDay() {
        long midnight = ms("2026-03-10T22:00:00Z");
        assertThat(WindowSpec.dayStart(midnight, SOFIA)).isEqualTo(midnight);
        assertThat(WindowSpec.dayStart(midnight - 1, SOFIA)).isEqualTo(ms("2026-03-09T22:00:00Z"));
    }

    @Test
    void paneIsTheFloorOfEventTimeEvenBeforeTheEpoch() {
        Panes panes = Panes.of(Duration.ofMinutes(1));
        assertThat(panes.startOf(ms("2026-03-10T10:00:59.999Z"))).isEqualTo(ms("2026-03-10T10:00:00Z"));
        assertThat(panes.endOf(ms("2026-03-10T10:00:00Z"))).isEqualTo(ms("2026-03-10T10:01:00Z"));
        assertThat(panes.startOf(-1)).isEqualTo(-60_000);
    }

    @Test
    void paneThatDoesNotDivideAQuarterHourIsRefused() {
        assertThatThrownBy(() -> Panes.of(Duration.ofMinutes(7)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("divide 15 minutes");
    }

    @Test
    void rollingWindowNotMadeOfWholePanesIsRefused() {
        WindowSpec window = WindowSpec.rolling(Duration.ofSeconds(90), Duration.ofSeconds(90));
        assertThatThrownBy(() -> window.requireCompatibleWith(Panes.of(Duration.ofMinutes(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT1M30S");
    }

    @Test
    void rollingWindowIsLabelledWithItsIsoLength() {
        assertThat(WindowSpec.rolling(Duration.ofHours(24), Duration.ofMinutes(15)).label()).isEqualTo("PT24H");
        assertThat(WindowSpec.calendarDay().label()).isEqualTo("P1D-calendar");
    }
}
