package io.civicpulse.streams.windows;

import java.time.Duration;

/**
 * The fixed-size slices of event time (one minute by default) that every window is assembled from. An event
 * updates exactly one pane; windows add panes as they enter and subtract them as they leave, so the cost of an
 * event does not depend on how long or how many the windows are. Panes are aligned to the epoch, so a pane that
 * divides fifteen minutes is also aligned to every local quarter hour and midnight in any real time zone.
 */
public record Panes(long sizeMs) {

    private static final long QUARTER_HOUR_MS = Duration.ofMinutes(15).toMillis();

    public Panes {
        if (sizeMs <= 0 || QUARTER_HOUR_MS % sizeMs != 0) {
            throw new IllegalArgumentException("pane size must divide 15 minutes (so that panes line up with every"
                    + " window and with local midnight in any time zone), got " + sizeMs + " ms");
        }
    }

    public static Panes of(Duration size) {
        return new Panes(size.toMillis());
    }

    /** Start of the pane holding {@code eventTimeMs}; floor, so that negative times land in the right pane too. */
    public long startOf(long eventTimeMs) {
        return Math.floorDiv(eventTimeMs, sizeMs) * sizeMs;
    }

    /** End (exclusive) of the pane holding {@code eventTimeMs}. */
    public long endOf(long eventTimeMs) {
        return startOf(eventTimeMs) + sizeMs;
    }

    /** True when {@code durationMs} is a whole number of panes. */
    public boolean divides(long durationMs) {
        return durationMs > 0 && durationMs % sizeMs == 0;
    }
}
