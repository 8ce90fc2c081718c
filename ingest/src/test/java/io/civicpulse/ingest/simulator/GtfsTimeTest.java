package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

class GtfsTimeTest {

    private static final ZoneId SOFIA = ZoneId.of("Europe/Sofia");

    @Test
    void onTheSpringForwardDayTimesCountFromNoonMinusTwelveHours() {
        // 29 March 2026: clocks go from 03:00 EET to 04:00 EEST; "noon minus 12h" is 23:00 EET on the 28th.
        assertThat(GtfsTime.serviceDayOrigin(LocalDate.of(2026, 3, 29), SOFIA))
                .isEqualTo(Instant.parse("2026-03-28T21:00:00Z"));
        assertThat(GtfsTime.instant(LocalDate.of(2026, 3, 29), 4 * 3600 + 30 * 60, SOFIA))
                .isEqualTo(Instant.parse("2026-03-29T01:30:00Z")); // 04:30 EEST
    }

    @Test
    void onTheFallBackDayTheSameRuleHolds() {
        assertThat(GtfsTime.instant(LocalDate.of(2026, 10, 25), 4 * 3600 + 30 * 60, SOFIA))
                .isEqualTo(Instant.parse("2026-10-25T02:30:00Z")); // 04:30 EET
    }

    @Test
    void timesPast24HoursFallOnTheNextCalendarDay() {
        assertThat(GtfsTime.instant(LocalDate.of(2026, 3, 30), 25 * 3600 + 10 * 60, SOFIA))
                .isEqualTo(Instant.parse("2026-03-30T22:10:00Z")); // 01:10 EEST on the 31st
        assertThat(GtfsTime.format(25 * 3600 + 10 * 60)).isEqualTo("25:10:00");
        assertThat(GtfsTime.parse("25:10:00")).isEqualTo(25 * 3600 + 10 * 60);
    }

    @Test
    void aMalformedTimeIsRefusedWithItsText() {
        assertThatThrownBy(() -> GtfsTime.parse("7:30")).hasMessageContaining("'7:30'");
    }
}
