package io.civicpulse.streams.aggregation;

import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.state.KeyValueStore;

import io.civicpulse.streams.windows.WindowSpec;

/**
 * The windows of a distinct-count series (realtime route and stop coverage): per window, the members scheduled in
 * it (denominator) and those of them also live in it (numerator), exact, at a cost per closed pane of the members
 * of the panes entering and leaving the windows, whatever the windows' lengths.
 *
 * <p>Distinct counts do not add up over panes, so a pane holds its members (per presence) and the engine keeps, per
 * series and member, the last closed pane in which it was seen scheduled and the last in which it was seen live
 * ({@value #STORE}). A member is in a window's denominator when its last scheduled pane is in the window, in the
 * numerator when the earlier of its last scheduled and last live panes is (live and scheduled in the window, so the
 * ratio never exceeds 100%). Closing a pane: each of its members whose last-seen was before a window's start joins
 * that window (+1); then, for the pane leaving each rolling window, each of its members whose last-seen is exactly
 * that pane leaves it (-1). The calendar day restarts from zero at local midnight and counts the members whose
 * last-seen is in it. A member's entry is deleted when the pane of its newest sighting leaves the longest window
 * and any calendar day (the {@link #horizonMs}): the pane store keeps a distinct series' panes that long, and the
 * state holds one entry per member seen within it.
 */
final class DistinctCounts {

    /** Per distinct series and member: {last pane seen scheduled, last pane seen live} (Long.MIN_VALUE: never). */
    static final String STORE = "indicator-distinct-last-seen";
    /** The longest a calendar day can last (a day when clocks go back). */
    private static final long LONGEST_DAY_MS = Duration.ofHours(25).toMillis();
    private static final long NEVER = Long.MIN_VALUE;

    private final KeyValueStore<String, Tally> paneStore;
    private final KeyValueStore<String, long[]> lastSeen;
    private final List<WindowSpec> rolling;
    private final boolean calendarDay;
    /** How long a distinct series keeps its panes and members: its longest window, at least the longest day. */
    final long horizonMs;

    DistinctCounts(KeyValueStore<String, Tally> paneStore, KeyValueStore<String, long[]> lastSeen,
                   List<WindowSpec> rolling, boolean calendarDay, long longestRollingMs) {
        this.paneStore = paneStore;
        this.lastSeen = lastSeen;
        this.rolling = rolling;
        this.calendarDay = calendarDay;
        this.horizonMs = calendarDay ? Math.max(longestRollingMs, LONGEST_DAY_MS) : longestRollingMs;
    }

    /**
     * Closes the pane starting at {@code start} of a distinct series into its totals (every rolling window and the
     * day) and forgets the members whose newest sighting has passed the horizon. Returns whether any pane entered or
     * left a window (else the totals are unchanged and the engine may skip ahead).
     */
    boolean close(SeriesKey series, SeriesTotals totals, long start, Tally entering, ZoneId zone) {
        boolean changed = step(series, totals, start, entering, zone, null);
        String horizonKey = series.paneKey(start - horizonMs);
        Tally old = paneStore.get(horizonKey);
        if (old != null) {
            changed = true;
            long pane = start - horizonMs;
            for (String member : old.members()) {
                String key = memberKey(series, member);
                long[] seen = lastSeen.get(key);
                if (seen != null && Math.max(seen[0], seen[1]) <= pane) {
                    lastSeen.delete(key);
                }
            }
            paneStore.delete(horizonKey);
        }
        return changed;
    }

    /**
     * The totals as they will be once the open panes up to {@code current} have closed: what a live value shows.
     * Works on copies (the members' last-seen panes in memory), so nothing is stored.
     */
    SeriesTotals afterOpenPanes(SeriesKey series, SeriesTotals totals, long current, long paneMs, ZoneId zone) {
        SeriesTotals virtual = totals.copy();
        Map<String, long[]> overlay = new HashMap<>();
        for (long start = totals.closedUpTo; start < current; start += paneMs) {
            step(series, virtual, start, paneStore.get(series.paneKey(start)), zone, overlay);
        }
        return virtual;
    }

    /** One pane entering every window (and leaving the rolling ones); {@code overlay} null writes to the store. */
    private boolean step(SeriesKey series, SeriesTotals totals, long start, Tally entering, ZoneId zone,
                         Map<String, long[]> overlay) {
        boolean changed = entering != null;
        if (calendarDay) {
            long dayStart = WindowSpec.dayStart(start, zone);
            if (dayStart != totals.dayStart) {
                totals.dayStart = dayStart;
                totals.day = Tally.empty();
            }
        }
        if (entering != null) {
            Tally counts = entering.countsOnly(); // late events of the pane
            for (WindowSpec window : rolling) {
                totals.rolling(window.label()).add(counts);
            }
            if (calendarDay) {
                totals.day.add(counts);
            }
            for (String member : entering.members()) {
                String key = memberKey(series, member);
                long[] old = read(key, overlay);
                long newScheduled = entering.scheduledMembers().contains(member) ? start : old[0];
                long newLive = entering.liveMembers().contains(member) ? start : old[1];
                long oldBoth = Math.min(old[0], old[1]);
                long newBoth = Math.min(newScheduled, newLive);
                for (WindowSpec window : rolling) {
                    // The window now covers [start - length, start + pane); it leaves start - length just below.
                    joins(totals.rolling(window.label()), start - window.lengthMs(), old[0], newScheduled, oldBoth,
                            newBoth);
                }
                if (calendarDay) {
                    joins(totals.day, totals.dayStart, old[0], newScheduled, oldBoth, newBoth);
                }
                long[] updated = {newScheduled, newLive};
                if (overlay == null) {
                    lastSeen.put(key, updated);
                } else {
                    overlay.put(key, updated);
                }
            }
        }
        for (WindowSpec window : rolling) {
            long leavingPane = start - window.lengthMs();
            Tally leaving = paneStore.get(series.paneKey(leavingPane));
            if (leaving == null) {
                continue;
            }
            changed = true;
            Tally total = totals.rolling(window.label());
            total.subtract(leaving.countsOnly());
            for (String member : leaving.members()) {
                long[] seen = read(memberKey(series, member), overlay);
                total.addDistinct(Math.min(seen[0], seen[1]) == leavingPane ? -1 : 0, seen[0] == leavingPane ? -1 : 0);
            }
        }
        return changed;
    }

    /** +1 where the member's last-seen moves from before the window's start to within it. */
    private static void joins(Tally total, long windowStart, long oldScheduled, long newScheduled, long oldBoth,
                              long newBoth) {
        long scheduled = oldScheduled < windowStart && newScheduled >= windowStart ? 1 : 0;
        long both = oldBoth < windowStart && newBoth >= windowStart ? 1 : 0;
        total.addDistinct(both, scheduled);
    }

    private long[] read(String key, Map<String, long[]> overlay) {
        long[] seen = overlay == null ? null : overlay.get(key);
        if (seen == null) {
            seen = lastSeen.get(key);
        }
        return seen == null ? new long[] {NEVER, NEVER} : seen;
    }

    /** {@code city|indicator|scope|member}: scopes never contain '|', members come last and may. */
    static String memberKey(SeriesKey series, String member) {
        return series.storeKey() + SeriesKey.SEPARATOR + member;
    }
}
