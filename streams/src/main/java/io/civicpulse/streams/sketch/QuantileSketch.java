package io.civicpulse.streams.sketch;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A relative-error quantile sketch (the log-bucket scheme of DDSketch): every sample falls in a bucket
 * {@code (gamma^(i-1), gamma^i]} of its magnitude, with {@code gamma = (1 + alpha) / (1 - alpha)} and
 * {@code alpha = 1%}, and the sketch keeps only a count per bucket. It exists so that percentile indicators (delay
 * p50/p90, resolution time p50) can be assembled from panes like every other indicator.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Exactly mergeable and exactly subtractable: bucket counts are integers, so adding a pane and later
 *       subtracting it leaves the sketch as it was; a window's sketch equals the sketch of its samples.</li>
 *   <li>Error bound: the value returned for the sample of rank k is within a relative error of {@link #ALPHA}
 *       (1%) of that sample; samples with magnitude below {@link #MIN_MAGNITUDE} count as 0 (absolute error
 *       below 0.001). {@link #quantile} interpolates linearly between the samples of ranks floor(q(n-1)) and
 *       ceil(q(n-1)), as the catalogue defines percentiles; when both have the same sign the result is within 1%
 *       of the exactly interpolated value, otherwise within 1% of the larger of the two magnitudes.</li>
 *   <li>Size: one bucket per 2% of magnitude range used, e.g. at most about 470 buckets for 1 s to 3 h on each
 *       side of 0; never collapses buckets, so the bound holds for every input.</li>
 * </ul>
 * Not thread-safe.
 */
public final class QuantileSketch {

    /** Relative accuracy of every rank's value. */
    public static final double ALPHA = 0.01;
    /** Magnitudes below this are counted in the zero bucket. */
    public static final double MIN_MAGNITUDE = 1e-3;

    private static final double GAMMA = (1 + ALPHA) / (1 - ALPHA);
    private static final double LOG_GAMMA = Math.log(GAMMA);
    private static final byte FORMAT_VERSION = 1;

    private final TreeMap<Integer, Long> positive = new TreeMap<>();
    private final TreeMap<Integer, Long> negative = new TreeMap<>();
    private long zeroCount;
    private long count;

    public QuantileSketch copy() {
        QuantileSketch copy = new QuantileSketch();
        copy.add(this);
        return copy;
    }

    /** Adds one sample; NaN and infinities are rejected because they have no rank. */
    public void add(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("sketch samples must be finite, got " + value);
        }
        double magnitude = Math.abs(value);
        if (magnitude < MIN_MAGNITUDE) {
            zeroCount++;
        } else {
            (value > 0 ? positive : negative).merge(index(magnitude), 1L, Long::sum);
        }
        count++;
    }

    /** Adds every sample of {@code other}. */
    public void add(QuantileSketch other) {
        combine(other, 1);
    }

    /**
     * Removes every sample of {@code other}, which must have been added before (a pane leaving a window).
     *
     * @throws IllegalStateException when a bucket would go negative: {@code other} was never added
     */
    public void subtract(QuantileSketch other) {
        combine(other, -1);
    }

    private void combine(QuantileSketch other, int sign) {
        Objects.requireNonNull(other, "other");
        mergeBuckets(positive, other.positive, sign);
        mergeBuckets(negative, other.negative, sign);
        zeroCount += sign * other.zeroCount;
        count += sign * other.count;
        if (zeroCount < 0 || count < 0) {
            throw new IllegalStateException("subtracted samples that were never added");
        }
    }

    private static void mergeBuckets(TreeMap<Integer, Long> into, TreeMap<Integer, Long> from, int sign) {
        for (Map.Entry<Integer, Long> bucket : from.entrySet()) {
            long updated = into.getOrDefault(bucket.getKey(), 0L) + sign * bucket.getValue();
            if (updated < 0) {
                throw new IllegalStateException("subtracted samples that were never added");
            }
            if (updated == 0) {
                into.remove(bucket.getKey());
            } else {
                into.put(bucket.getKey(), updated);
            }
        }
    }

    public long count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /**
     * The q-quantile (0 &lt;= q &lt;= 1) with linear interpolation between ranks; NaN when the sketch is empty.
     */
    public double quantile(double q) {
        if (q < 0 || q > 1 || Double.isNaN(q)) {
            throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
        }
        if (count == 0) {
            return Double.NaN;
        }
        double rank = q * (count - 1);
        long lower = (long) Math.floor(rank);
        long upper = (long) Math.ceil(rank);
        double lowerValue = valueAtRank(lower);
        double upperValue = upper == lower ? lowerValue : valueAtRank(upper);
        return lowerValue + (rank - lower) * (upperValue - lowerValue);
    }

    /** The estimated value of the sample of 0-based rank {@code rank} in ascending order. */
    private double valueAtRank(long rank) {
        long seen = 0;
        // Ascending order: the largest negative magnitudes first, then zero, then positives from small to large.
        for (Map.Entry<Integer, Long> bucket : negative.descendingMap().entrySet()) {
            seen += bucket.getValue();
            if (rank < seen) {
                return -representative(bucket.getKey());
            }
        }
        seen += zeroCount;
        if (rank < seen) {
            return 0;
        }
        for (Map.Entry<Integer, Long> bucket : positive.entrySet()) {
            seen += bucket.getValue();
            if (rank < seen) {
                return representative(bucket.getKey());
            }
        }
        throw new IllegalStateException("rank " + rank + " beyond " + count + " samples");
    }

    private static int index(double magnitude) {
        return (int) Math.ceil(Math.log(magnitude) / LOG_GAMMA);
    }

    /** The value within alpha of every magnitude in bucket i: the harmonic-style midpoint 2 gamma^i / (gamma + 1). */
    private static double representative(int index) {
        return 2 * Math.pow(GAMMA, index) / (GAMMA + 1);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        out.writeLong(zeroCount);
        writeBuckets(out, negative);
        writeBuckets(out, positive);
    }

    public static QuantileSketch readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown quantile sketch format " + version);
        }
        QuantileSketch sketch = new QuantileSketch();
        sketch.zeroCount = in.readLong();
        sketch.count = sketch.zeroCount + readBuckets(in, sketch.negative) + readBuckets(in, sketch.positive);
        return sketch;
    }

    private static void writeBuckets(DataOutput out, TreeMap<Integer, Long> buckets) throws IOException {
        out.writeInt(buckets.size());
        for (Map.Entry<Integer, Long> bucket : buckets.entrySet()) {
            out.writeInt(bucket.getKey());
            out.writeLong(bucket.getValue());
        }
    }

    private static long readBuckets(DataInput in, TreeMap<Integer, Long> into) throws IOException {
        int size = in.readInt();
        long total = 0;
        for (int i = 0; i < size; i++) {
            int index = in.readInt();
            long bucketCount = in.readLong();
            into.put(index, bucketCount);
            total += bucketCount;
        }
        return total;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantileSketch other && zeroCount == other.zeroCount && count == other.count
                && positive.equals(other.positive) && negative.equals(other.negative);
    }

    @Override
    public int hashCode() {
        return Objects.hash(zeroCount, positive, negative);
    }

    @Override
    public String toString() {
        return "QuantileSketch[count=" + count + ", buckets=" + (positive.size() + negative.size() + 1) + "]";
    }
}
