package io.civicpulse.streams.aggregation;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running totals of one series, kept so that closing a pane costs O(1) per window whatever the window's length:
 * for each rolling window the tally of the window ending at {@link #closedUpTo}, for the calendar day the tally of
 * its closed panes so far, and for level indicators the level (the sum of all closed changes). Also remembers the
 * newest period sent to the latest-value topic per window, so that a late-emitted final never replaces a newer live
 * value there. Mutable, not thread-safe.
 */
public final class SeriesTotals {

    private static final byte FORMAT_VERSION = 1;

    /** Every pane ending at or before this instant is closed and included in the totals below. */
    long closedUpTo;
    /** Start of the newest pane that received anything, to know when the series has gone idle. */
    long lastDataPane;
    /** Start of the local calendar day the next pane to close belongs to. */
    long dayStart;
    final Map<String, Tally> rolling = new LinkedHashMap<>();
    Tally day = Tally.empty();
    Tally level = Tally.empty();
    final Map<String, Long> latestPeriodTo = new LinkedHashMap<>();

    SeriesTotals(long closedUpTo, long lastDataPane, long dayStart) {
        this.closedUpTo = closedUpTo;
        this.lastDataPane = lastDataPane;
        this.dayStart = dayStart;
    }

    /** The counts of every window, as a scratch copy (live values of a distinct series close its open panes on it). */
    SeriesTotals copy() {
        SeriesTotals copy = new SeriesTotals(closedUpTo, lastDataPane, dayStart);
        rolling.forEach((label, tally) -> copy.rolling.put(label, tally.copy()));
        copy.day = day.copy();
        copy.level = level.copy();
        return copy;
    }

    Tally rolling(String label) {
        return rolling.computeIfAbsent(label, l -> Tally.empty());
    }

    boolean rollingEmpty() {
        for (Tally tally : rolling.values()) {
            if (!tally.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Records that a value for a period ending at {@code periodTo} is sent to the latest topic, if not older. */
    boolean advanceLatest(String label, long periodTo) {
        Long newest = latestPeriodTo.get(label);
        if (newest != null && newest > periodTo) {
            return false;
        }
        latestPeriodTo.put(label, periodTo);
        return true;
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeLong(closedUpTo);
        out.writeLong(lastDataPane);
        out.writeLong(dayStart);
        out.writeInt(rolling.size());
        for (Map.Entry<String, Tally> window : rolling.entrySet()) {
            out.writeUTF(window.getKey());
            window.getValue().writeTo(out);
        }
        day.writeTo(out);
        level.writeTo(out);
        out.writeInt(latestPeriodTo.size());
        for (Map.Entry<String, Long> latest : latestPeriodTo.entrySet()) {
            out.writeUTF(latest.getKey());
            out.writeLong(latest.getValue());
        }
    }

    public static SeriesTotals readFrom(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT_VERSION, "series totals");
        SeriesTotals totals = new SeriesTotals(in.readLong(), in.readLong(), in.readLong());
        int windows = in.readInt();
        for (int i = 0; i < windows; i++) {
            totals.rolling.put(in.readUTF(), Tally.readFrom(in));
        }
        totals.day = Tally.readFrom(in);
        totals.level = Tally.readFrom(in);
        int latest = in.readInt();
        for (int i = 0; i < latest; i++) {
            totals.latestPeriodTo.put(in.readUTF(), in.readLong());
        }
        return totals;
    }
}
