package io.civicpulse.streams.windows;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * One window kind an indicator is published over: a rolling window of fixed length by event time ({@code PT15M},
 * {@code PT1H}, {@code PT24H}), or the calendar day in the city's time zone ({@code P1D-calendar}), which is 23 or
 * 25 hours long on daylight-saving days. A rolling window is published live as it changes and gets a final value
 * at every {@code finalStep} boundary (the window ending there); a calendar day gets its final value at local
 * midnight.
 */
public record WindowSpec(String label, Kind kind, Duration length, Duration finalStep) {

    /** The label of the calendar-day window, as it appears in keys and in IndicatorValue.window. */
    public static final String CALENDAR_DAY_LABEL = "P1D-calendar";

    public enum Kind {
        /** The last {@code length} of event time, ending at a pane boundary. */
        ROLLING,
        /** From local midnight to the next local midnight in the city's zone. */
        CALENDAR_DAY
    }

    public WindowSpec {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.ROLLING) {
            Objects.requireNonNull(length, "length");
            Objects.requireNonNull(finalStep, "finalStep");
            if (length.isNegative() || length.isZero() || finalStep.isNegative() || finalStep.isZero()) {
                throw new IllegalArgumentException("window " + label + ": length and final step must be positive");
            }
        }
    }

    /** A rolling window labelled with its ISO-8601 length, e.g. {@code PT15M}. */
    public static WindowSpec rolling(Duration length, Duration finalStep) {
        return new WindowSpec(length.toString(), Kind.ROLLING, length, finalStep);
    }

    public static WindowSpec calendarDay() {
        return new WindowSpec(CALENDAR_DAY_LABEL, Kind.CALENDAR_DAY, null, null);
    }

    public boolean isRolling() {
        return kind == Kind.ROLLING;
    }

    public long lengthMs() {
        return length.toMillis();
    }

    public long finalStepMs() {
        return finalStep.toMillis();
    }

    /** Checks that the window is made of whole panes and its final step falls on pane boundaries. */
    public void requireCompatibleWith(Panes panes) {
        if (isRolling() && !(panes.divides(lengthMs()) && panes.divides(finalStepMs()))) {
            throw new IllegalArgumentException("window " + label + ": length " + length + " and final step "
                    + finalStep + " must be whole numbers of " + Duration.ofMillis(panes.sizeMs()) + " panes");
        }
    }

    /** Start (inclusive) of the local calendar day holding {@code instantMs}, in epoch milliseconds. */
    public static long dayStart(long instantMs, ZoneId zone) {
        LocalDate date = Instant.ofEpochMilli(instantMs).atZone(zone).toLocalDate();
        // atStartOfDay, not atTime(0, 0): where a DST gap swallows midnight the day starts at the first valid time.
        return date.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    /** End (exclusive) of the local calendar day holding {@code instantMs}: the next local midnight. */
    public static long dayEnd(long instantMs, ZoneId zone) {
        LocalDate date = Instant.ofEpochMilli(instantMs).atZone(zone).toLocalDate();
        return date.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    }
}
