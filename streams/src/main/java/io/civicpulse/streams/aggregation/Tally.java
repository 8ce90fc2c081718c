package io.civicpulse.streams.aggregation;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import io.civicpulse.streams.sketch.QuantileSketch;

/**
 * What a pane or a window holds for one series: numerator, denominator, sample count, late-event count and, for
 * percentile indicators, a sketch. Every part is a sum of integers (the sketch's bucket counts too), so adding a
 * pane when it enters a window and subtracting it when it leaves is exact: a window's tally always equals the tally
 * of its samples, however long the window has been rolling. Mutable, not thread-safe.
 */
public final class Tally {

    private static final byte FORMAT_VERSION = 1;

    private long numerator;
    private long denominator;
    private long samples;
    private long late;
    private QuantileSketch sketch;

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

    /** Adds {@code other} (null adds nothing, so absent panes need no special case). */
    public void add(Tally other) {
        combine(other, 1);
    }

    /** Subtracts {@code other}, which was added before (null subtracts nothing). */
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
        if (sketch != null && sketch.isEmpty()) {
            // An emptied sketch is dropped so that an empty tally compares and serializes as empty.
            sketch = null;
        }
    }

    /** True when nothing at all was counted: no sample, no late event, zero numerator and denominator. */
    public boolean isEmpty() {
        return numerator == 0 && denominator == 0 && samples == 0 && late == 0 && sketch == null;
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
        out.writeByte(FORMAT_VERSION);
        out.writeLong(numerator);
        out.writeLong(denominator);
        out.writeLong(samples);
        out.writeLong(late);
        out.writeBoolean(sketch != null);
        if (sketch != null) {
            sketch.writeTo(out);
        }
    }

    public static Tally readFrom(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT_VERSION, "tally");
        Tally tally = new Tally();
        tally.numerator = in.readLong();
        tally.denominator = in.readLong();
        tally.samples = in.readLong();
        tally.late = in.readLong();
        if (in.readBoolean()) {
            tally.sketch = QuantileSketch.readFrom(in);
        }
        return tally;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tally other && numerator == other.numerator && denominator == other.denominator
                && samples == other.samples && late == other.late && sketch().equals(other.sketch());
    }

    @Override
    public int hashCode() {
        return Long.hashCode(numerator * 31 + denominator) ^ Long.hashCode(samples);
    }

    @Override
    public String toString() {
        return "Tally[" + numerator + "/" + denominator + ", samples=" + samples + ", late=" + late
                + (sketch == null ? "" : ", " + sketch) + "]";
    }
}
