package io.civicpulse.ingest.city;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;

/**
 * Converts between instants and a city's transit service days. A service day does not change at midnight but at
 * a configured local time (Sofia: 04:00), so a trip running at 00:30 belongs to the previous day; and GTFS times
 * are seconds after "noon minus 12 h" of the service date, which is midnight except on DST-change days. Both
 * rules live here so that the static loader and the realtime poller cannot disagree about them.
 */
public record ServiceDays(ZoneId zone, LocalTime dayStart) {

    private static final LocalTime NOON = LocalTime.NOON;

    public ServiceDays {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(dayStart, "dayStart");
    }

    /** The service date an instant falls in: its local date, or the day before when before {@link #dayStart}. */
    public LocalDate serviceDate(Instant instant) {
        ZonedDateTime local = instant.atZone(zone);
        LocalDate date = local.toLocalDate();
        return local.toLocalTime().isBefore(dayStart) ? date.minusDays(1) : date;
    }

    /** The GTFS reference instant of a service date: noon local time minus twelve hours. */
    public Instant reference(LocalDate serviceDate) {
        return serviceDate.atTime(NOON).atZone(zone).toInstant().minusSeconds(12 * 3600);
    }

    /** The instant of a GTFS time (seconds after the reference, may exceed 24 h) on a service date. */
    public Instant at(LocalDate serviceDate, int gtfsSeconds) {
        return reference(serviceDate).plusSeconds(gtfsSeconds);
    }
}
