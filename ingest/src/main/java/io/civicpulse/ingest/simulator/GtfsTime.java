package io.civicpulse.ingest.simulator;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Locale;

/**
 * GTFS time arithmetic. A stop time is seconds since "noon minus 12 h" of its service date, which is midnight
 * except on the two daylight-saving days; times past 24:00:00 belong to trips that run after midnight but to the
 * previous service date. Getting this wrong shifts a whole DST day by an hour, so every instant the simulator
 * serves is computed here.
 */
public final class GtfsTime {

    private GtfsTime() {
    }

    /** The instant at which GTFS time 0 of a service date falls. */
    public static Instant serviceDayOrigin(LocalDate serviceDate, ZoneId zone) {
        return serviceDate.atTime(LocalTime.NOON).atZone(zone).toInstant().minusSeconds(12 * 3600);
    }

    public static Instant instant(LocalDate serviceDate, int gtfsSeconds, ZoneId zone) {
        return serviceDayOrigin(serviceDate, zone).plusSeconds(gtfsSeconds);
    }

    /** {@code H:MM:SS} with hours past 24 kept as they are, as stop_times.txt writes them ({@code 25:10:00}). */
    public static String format(int gtfsSeconds) {
        return String.format(Locale.ROOT, "%02d:%02d:%02d", gtfsSeconds / 3600, gtfsSeconds / 60 % 60, gtfsSeconds % 60);
    }

    /** Parses {@code H:MM:SS} or {@code HH:MM:SS}, hours possibly past 24. */
    public static int parse(String text) {
        String[] parts = text.trim().split(":");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a GTFS time (H:MM:SS): '" + text + "'");
        }
        return Integer.parseInt(parts[0]) * 3600 + Integer.parseInt(parts[1]) * 60 + Integer.parseInt(parts[2]);
    }
}
