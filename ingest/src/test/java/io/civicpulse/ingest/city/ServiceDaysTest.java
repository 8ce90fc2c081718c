package io.civicpulse.ingest.city;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

class ServiceDaysTest {

    private final ServiceDays sofia = new ServiceDays(ZoneId.of("Europe/Sofia"), LocalTime.of(4, 0));

    private static Instant at(String offsetDateTime) {
        return OffsetDateTime.parse(offsetDateTime).toInstant();
    }

    @Test
    void halfPastMidnightBelongsToThePreviousServiceDay() {
        assertThat(sofia.serviceDate(at("2025-06-11T00:30:00+03:00"))).isEqualTo(LocalDate.of(2025, 6, 10));
    }

    @Test
    void serviceDayChangesAtFourLocalTime() {
        assertThat(sofia.serviceDate(at("2025-06-11T03:59:59+03:00"))).isEqualTo(LocalDate.of(2025, 6, 10));
        assertThat(sofia.serviceDate(at("2025-06-11T04:00:00+03:00"))).isEqualTo(LocalDate.of(2025, 6, 11));
    }

    @Test
    void springForwardNightKeepsTheFourOClockBoundaryInLocalTime() {
        // 2025-03-30: clocks go from 03:00 EET to 04:00 EEST.
        assertThat(sofia.serviceDate(at("2025-03-30T02:30:00+02:00"))).isEqualTo(LocalDate.of(2025, 3, 29));
        assertThat(sofia.serviceDate(at("2025-03-30T04:00:00+03:00"))).isEqualTo(LocalDate.of(2025, 3, 30));
    }

    @Test
    void fallBackNightRepeatedHourBelongsToThePreviousDayBothTimes() {
        // 2025-10-26: clocks go from 04:00 EEST back to 03:00 EET, so 03:30 happens twice.
        assertThat(sofia.serviceDate(at("2025-10-26T03:30:00+03:00"))).isEqualTo(LocalDate.of(2025, 10, 25));
        assertThat(sofia.serviceDate(at("2025-10-26T03:30:00+02:00"))).isEqualTo(LocalDate.of(2025, 10, 25));
        assertThat(sofia.serviceDate(at("2025-10-26T04:00:00+02:00"))).isEqualTo(LocalDate.of(2025, 10, 26));
    }

    @Test
    void gtfsTimesCountFromNoonMinusTwelveHoursSoDaytimeTripsKeepTheirClockTimeOnDstDays() {
        assertThat(sofia.at(LocalDate.of(2025, 3, 30), 8 * 3600)).isEqualTo(at("2025-03-30T08:00:00+03:00"));
        assertThat(sofia.at(LocalDate.of(2025, 10, 26), 8 * 3600)).isEqualTo(at("2025-10-26T08:00:00+02:00"));
    }

    @Test
    void timesPastTwentyFourHoursFallOnTheNextCalendarDay() {
        assertThat(sofia.at(LocalDate.of(2025, 6, 10), 24 * 3600 + 30 * 60)).isEqualTo(at("2025-06-11T00:30:00+03:00"));
    }
}
