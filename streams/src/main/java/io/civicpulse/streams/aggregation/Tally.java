package io.civicpulse.streams.aggregation;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

import io.civicpulse.streams.sketch.QuantileSketch;

/**
 * What a pane or a window holds for one series: numerator, denominator, sample count, late-event count and, for
 * percentile indicators, a sketch. Every part is a sum of integers (the sketch's bucket counts too), so adding a
 * pane when it enters a window and subtracting it when it leaves is exact: a window's tally always equals the tally
 * of its samples, however long the window has been rolling. The pane of a distinct-count series also holds the
 * members seen in it, per presence (scheduled, live): sets, which a pane unites and a window never holds (its
 * distinct counts are kept as numerator and denominator, {@link DistinctCounts}). Mutable, not thread-safe.
 */
public final class Tally {

    private static final byte FORMAT_VERSION = 1;
    /** Format 1 followed by the member sets: written only for a tally that has members. */
    private static final byte FORMAT_MEMBERS = 2;

    private long numerator;
    private long denominator;
    private long samples;
    private long late;
    private QuantileSketch sketch;
    /** Members seen scheduled / live in a pane of a distinct-count series; null when none (sorted: stable bytes). */
    private TreeSet<String> scheduled;
    private TreeSet<String> live;

    public static Tally empty() {
        return new Tally();
    }

    public static Tally of(Contribution contribution) {
        Tally tally = new Tally();
        tally.numerator = contribution.numerator();
        tally.denominator = contribution.denominator();
        tally.samples = contribution.samples();
        if (contribution.hasSample()) {
            tally.sketch = new QuantileSketch();
            tally.sketch.add(contribution.sample());
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
    }

    private static TreeSet<String> union(TreeSet<String> mine, TreeSet<String> theirs) {
        TreeSet<String> result = mine == null ? new TreeSet<>() : mine;
        result.addAll(theirs);
        return result;
    }

    /** True when nothing at all was counted: no sample, no late event, zero numerator and denominator, no member. */
    public boolean isEmpty() {
        return numerator == 0 && denominator == 0 && samples == 0 && late == 0 && sketch == null
                && scheduled == null && live == null;
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

    public void writeTo(DataOutput out) throws IOException {
        boolean members = scheduled != null || live != null;
        // Without members, format 1 byte for byte: the state of every other series reads as before.
        out.writeByte(members ? FORMAT_MEMBERS : FORMAT_VERSION);
        out.writeLong(numerator);
        out.writeLong(denominator);
        out.writeLong(samples);
        out.writeLong(late);
        out.writeBoolean(sketch != null);
        if (sketch != null) {
            sketch.writeTo(out);
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
        byte format = StateSerdes.readFormat(in, FORMAT_VERSION, FORMAT_MEMBERS, "tally");
        Tally tally = new Tally();
        tally.numerator = in.readLong();
        tally.denominator = in.readLong();
        tally.samples = in.readLong();
        tally.late = in.readLong();
        if (in.readBoolean()) {
            tally.sketch = QuantileSketch.readFrom(in);
        }
        if (format == FORMAT_MEMBERS) {
            tally.scheduled = readMembers(in);
            tally.live = readMembers(in);
        }
        return tally;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tally other && numerator == other.numerator && denominator == other.denominator
                && samples == other.samples && late == other.late && sketch().equals(other.sketch())
                && scheduledMembers().equals(other.scheduledMembers()) && liveMembers().equals(other.liveMembers());
    }

    @Override
    public int hashCode() {
        return Long.hashCode(numerator * 31 + denominator) ^ Long.hashCode(samples);
    }

    @Override
    public String toString() {
        return "Tally[" + numerator + "/" + denominator + ", samples=" + samples + ", late=" + late
                + (sketch == null ? "" : ", " + sketch) + (scheduled == null ? "" : ", scheduled=" + scheduled)
                + (live == null ? "" : ", live=" + live) + "]";
    }
}
