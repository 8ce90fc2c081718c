package io.civicpulse.streams.aggregation;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

import io.civicpulse.streams.catalogue.Measure;
import io.civicpulse.streams.sketch.QuantileSketch;
import io.civicpulse.streams.sketch.SecondsHistogram;

/**
 * What a pane or a window holds for one series: numerator, denominator, sample count, late-event count and, for
 * percentile indicators, their samples: an exact histogram of whole seconds ({@link Measure#EXACT_PERCENTILE}) or a
 * sketch ({@link Measure#PERCENTILE}). Every part is a sum of integers (the histogram's and the sketch's counts
 * too), so adding a pane when it enters a window and subtracting it when it leaves is exact: a window's tally always
 * equals the tally of its samples, however long the window has been rolling. The pane of a distinct-count series also holds the
 * members seen in it, per presence (scheduled, live): sets, which a pane unites and a window never holds (its
 * distinct counts are kept as numerator and denominator, {@link DistinctCounts}). Mutable, not thread-safe.
 */
public final class Tally {

    private static final byte FORMAT_VERSION = 1;
    /** Format 1 followed by the member sets: written only for a tally that has members. */
    private static final byte FORMAT_MEMBERS = 2;
    /**
     * Format 1, then the exact histogram, then whether member sets follow and, if so, format 2's member sets: written
     * only for a tally that has a histogram (since 2026.5), so every other tally keeps the bytes it had and an engine
     * of before reads it. Formats 1 and 2 still read, their sketches included.
     */
    private static final byte FORMAT_HISTOGRAM = 3;

    private long numerator;
    private long denominator;
    private long samples;
    private long late;
    private QuantileSketch sketch;
    /** The samples of an exact percentile; null when none. */
    private SecondsHistogram histogram;
    /** Members seen scheduled / live in a pane of a distinct-count series; null when none (sorted: stable bytes). */
    private TreeSet<String> scheduled;
    private TreeSet<String> live;

    public static Tally empty() {
        return new Tally();
    }

    /**
     * The tally of one contribution to an indicator of {@code measure}: a sample goes into an exact histogram for
     * {@link Measure#EXACT_PERCENTILE}, into a sketch otherwise.
     *
     * @throws IllegalArgumentException when the sample of an exact percentile is not a whole number
     */
    public static Tally of(Contribution contribution, Measure measure) {
        Tally tally = new Tally();
        tally.numerator = contribution.numerator();
        tally.denominator = contribution.denominator();
        tally.samples = contribution.samples();
        if (contribution.hasSample()) {
            if (measure.isExact()) {
                tally.histogram = new SecondsHistogram();
                tally.histogram.add(contribution.sample());
            } else {
                tally.sketch = new QuantileSketch();
                tally.sketch.add(contribution.sample());
            }
        }
        if (contribution.member() != null) {
            if (contribution.presence() == Contribution.Presence.SCHEDULED) {
                tally.scheduled = new TreeSet<>(Set.of(contribution.member()));
            } else {
                tally.live = new TreeSet<>(Set.of(contribution.member()));
            }
        }
        return tally;
    }

    /** One event that arrived after its window's grace period: counted, but no part of the value. */
    public static Tally lateEvent() {
        Tally tally = new Tally();
        tally.late = 1;
        return tally;
    }

    public Tally copy() {
        Tally copy = new Tally();
        copy.add(this);
        return copy;
    }

    /** The numbers only, without member sets: what a pane of a distinct series adds to a window's tally. */
    Tally countsOnly() {
        Tally copy = new Tally();
        copy.numerator = numerator;
        copy.denominator = denominator;
        copy.samples = samples;
        copy.late = late;
        if (sketch != null) {
            copy.sketch = new QuantileSketch();
            copy.sketch.add(sketch);
        }
        if (histogram != null) {
            copy.histogram = histogram.copy();
        }
        return copy;
    }

    /** Changes the distinct counts of a window: members live and scheduled, members scheduled (also the samples). */
    void addDistinct(long liveAndScheduled, long scheduledMembers) {
        numerator += liveAndScheduled;
        denominator += scheduledMembers;
        samples += scheduledMembers;
    }

    /** The members seen scheduled in this pane. */
    Set<String> scheduledMembers() {
        return scheduled == null ? Set.of() : Collections.unmodifiableSet(scheduled);
    }

    /** The members seen live in this pane. */
    Set<String> liveMembers() {
        return live == null ? Set.of() : Collections.unmodifiableSet(live);
    }

    /** Every member seen in this pane, scheduled or live, once. */
    Set<String> members() {
        TreeSet<String> all = new TreeSet<>(scheduledMembers());
        all.addAll(liveMembers());
        return all;
    }

    /** Adds {@code other} (null adds nothing, so absent panes need no special case); member sets are united. */
    public void add(Tally other) {
        combine(other, 1);
    }

    /** Subtracts {@code other}'s numbers, which were added before (null subtracts nothing); sets are not subtracted. */
    public void subtract(Tally other) {
        combine(other, -1);
    }

    private void combine(Tally other, int sign) {
        if (other == null) {
            return;
        }
        numerator += sign * other.numerator;
        denominator += sign * other.denominator;
        samples += sign * other.samples;
        late += sign * other.late;
        if (other.sketch != null) {
            if (sketch == null) {
                sketch = new QuantileSketch();
            }
            if (sign > 0) {
                sketch.add(other.sketch);
            } else {
                sketch.subtract(other.sketch);
            }
        }
        if (other.histogram != null) {
            if (histogram == null) {
                histogram = new SecondsHistogram();
            }
            if (sign > 0) {
                histogram.add(other.histogram);
            } else {
                histogram.subtract(other.histogram);
            }
        }
        if (sign > 0 && other.scheduled != null) {
            scheduled = union(scheduled, other.scheduled);
        }
        if (sign > 0 && other.live != null) {
            live = union(live, other.live);
        }
        if (sketch != null && sketch.isEmpty()) {
            // An emptied sketch is dropped so that an empty tally compares and serializes as empty.
            sketch = null;
        }
        if (histogram != null && histogram.isEmpty()) {
            histogram = null;
        }
    }

    private static TreeSet<String> union(TreeSet<String> mine, TreeSet<String> theirs) {
        TreeSet<String> result = mine == null ? new TreeSet<>() : mine;
        result.addAll(theirs);
        return result;
    }

    /** True when nothing at all was counted: no sample, no late event, zero numerator and denominator, no member. */
    public boolean isEmpty() {
        return numerator == 0 && denominator == 0 && samples == 0 && late == 0 && sketch == null
                && histogram == null && scheduled == null && live == null;
    }

    public long numerator() {
        return numerator;
    }

    public long denominator() {
        return denominator;
    }

    public long samples() {
        return samples;
    }

    public long late() {
        return late;
    }

    /** The sketch of the samples; an empty sketch when the series has none. */
    public QuantileSketch sketch() {
        return sketch == null ? new QuantileSketch() : sketch;
    }

    /** The exact histogram of the samples; an empty one when the series has none. */
    public SecondsHistogram histogram() {
        return histogram == null ? new SecondsHistogram() : histogram;
    }

    /** How many samples a percentile is taken of: those of the histogram and of the sketch. */
    public long percentileSamples() {
        return (histogram == null ? 0 : histogram.count()) + (sketch == null ? 0 : sketch.count());
    }

    /**
     * The q-quantile of the samples, type 7 (linear interpolation between closest ranks); NaN when there is none.
     * Exact when they are all in the histogram. A window still holding panes written before exact percentiles (with
     * a sketch) reads both as one sketch, within the sketch's 1%, until those panes have left it.
     */
    public double quantile(double q) {
        if (sketch == null) {
            return histogram().quantile(q);
        }
        if (histogram == null) {
            return sketch.quantile(q);
        }
        QuantileSketch both = sketch.copy();
        histogram.addTo(both);
        return both.quantile(q);
    }

    public void writeTo(DataOutput out) throws IOException {
        boolean members = scheduled != null || live != null;
        // Without members or histogram, format 1 byte for byte: the state of every other series reads as before.
        out.writeByte(histogram != null ? FORMAT_HISTOGRAM : members ? FORMAT_MEMBERS : FORMAT_VERSION);
        out.writeLong(numerator);
        out.writeLong(denominator);
        out.writeLong(samples);
        out.writeLong(late);
        out.writeBoolean(sketch != null);
        if (sketch != null) {
            sketch.writeTo(out);
        }
        if (histogram != null) {
            histogram.writeTo(out);
            out.writeBoolean(members);
        }
        if (members) {
            writeMembers(scheduled, out);
            writeMembers(live, out);
        }
    }

    private static void writeMembers(Set<String> members, DataOutput out) throws IOException {
        out.writeInt(members == null ? 0 : members.size());
        if (members != null) {
            for (String member : members) {
                out.writeUTF(member);
            }
        }
    }

    private static TreeSet<String> readMembers(DataInput in) throws IOException {
        int size = in.readInt();
        if (size == 0) {
            return null;
        }
        TreeSet<String> members = new TreeSet<>();
        for (int i = 0; i < size; i++) {
            members.add(in.readUTF());
        }
        return members;
    }

    public static Tally readFrom(DataInput in) throws IOException {
        byte format = StateSerdes.readFormat(in, FORMAT_VERSION, FORMAT_HISTOGRAM, "tally");
        Tally tally = new Tally();
        tally.numerator = in.readLong();
        tally.denominator = in.readLong();
        tally.samples = in.readLong();
        tally.late = in.readLong();
        if (in.readBoolean()) {
            tally.sketch = QuantileSketch.readFrom(in);
        }
        boolean members = format == FORMAT_MEMBERS;
        if (format == FORMAT_HISTOGRAM) {
            tally.histogram = SecondsHistogram.readFrom(in);
            members = in.readBoolean();
        }
        if (members) {
            tally.scheduled = readMembers(in);
            tally.live = readMembers(in);
        }
        return tally;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tally other && numerator == other.numerator && denominator == other.denominator
                && samples == other.samples && late == other.late && sketch().equals(other.sketch())
                && histogram().equals(other.histogram())
                && scheduledMembers().equals(other.scheduledMembers()) && liveMembers().equals(other.liveMembers());
    }

    @Override
    public int hashCode() {
        return Long.hashCode(numerator * 31 + denominator) ^ Long.hashCode(samples);
    }

    @Override
    public String toString() {
        return "Tally[" + numerator + "/" + denominator + ", samples=" + samples + ", late=" + late
                + (sketch == null ? "" : ", " + sketch) + (histogram == null ? "" : ", " + histogram)
                + (scheduled == null ? "" : ", scheduled=" + scheduled)
                + (live == null ? "" : ", live=" + live) + "]";
    }
}
