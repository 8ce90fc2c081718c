package io.civicpulse.streams.sketch;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * An exact histogram of whole-number samples (seconds): a count per distinct value, kept as a sorted array of
 * values beside an array of counts. It serves the percentile indicators whose samples are bounded integers (stop
 * delays, whole seconds within the ±3 h noise bounds), where a {@link QuantileSketch}'s 1% would be visible: with
 * every sample kept, {@link #quantile} is exactly the type-7 percentile of the samples (linear interpolation between
 * closest ranks).
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Exactly mergeable and subtractable: counts are integers, so adding a pane and later subtracting it leaves
 *       the histogram as it was, and a histogram emptied that way equals a new one (and serializes the same).</li>
 *   <li>Size: O(distinct values) in memory and in its serialized form (values delta-encoded, counts as
 *       variable-length integers: a few bytes per distinct value). Bounded samples bound it: at most 21,601 distinct
 *       delays of ±3 h.</li>
 * </ul>
 * Not thread-safe.
 */
public final class SecondsHistogram {

    private static final byte FORMAT_VERSION = 1;
    private static final int[] NO_VALUES = new int[0];
    private static final long[] NO_COUNTS = new long[0];
    /** Entries allocated up front when reading; more grow as they are read, so a corrupt size cannot allocate much. */
    private static final int READ_CAPACITY = 1024;

    /** Distinct values in ascending order, in [0, size); room beyond. */
    private int[] values = NO_VALUES;
    /** The count of each value, always positive, in [0, size). */
    private long[] counts = NO_COUNTS;
    private int size;
    private long count;

    /** True when {@code sample} is a whole number this histogram can hold (an int): what it accepts. */
    public static boolean holds(double sample) {
        return sample == Math.rint(sample) && sample >= Integer.MIN_VALUE && sample <= Integer.MAX_VALUE;
    }

    public SecondsHistogram copy() {
        SecondsHistogram copy = new SecondsHistogram();
        copy.values = Arrays.copyOf(values, size);
        copy.counts = Arrays.copyOf(counts, size);
        copy.size = size;
        copy.count = count;
        return copy;
    }

    /**
     * Adds one sample.
     *
     * @throws IllegalArgumentException when the sample is not a whole number in the range of an int (see
     *                                  {@link #holds}): it has no exact place here
     */
    public void add(double sample) {
        if (!holds(sample)) {
            throw new IllegalArgumentException("histogram samples must be whole numbers, got " + sample);
        }
        add((int) sample, 1);
    }

    /** Adds every sample of {@code other}. */
    public void add(SecondsHistogram other) {
        combine(other, 1);
    }

    /**
     * Removes every sample of {@code other}, which must have been added before (a pane leaving a window); on failure
     * this histogram is left unchanged.
     *
     * @throws IllegalStateException when a count would go negative: {@code other} was never added
     */
    public void subtract(SecondsHistogram other) {
        combine(other, -1);
    }

    private void combine(SecondsHistogram other, int sign) {
        if (other.size == 1) {
            // The per-event path: one contribution's sample into its pane.
            add(other.values[0], sign * other.counts[0]);
            return;
        }
        // First pass: the values of other missing here, and (subtracting) whether every count can be taken.
        int missing = 0;
        for (int i = 0, j = 0; j < other.size; ) {
            if (i < size && values[i] < other.values[j]) {
                i++;
            } else if (i < size && values[i] == other.values[j]) {
                if (sign < 0 && counts[i] < other.counts[j]) {
                    throw neverAdded();
                }
                i++;
                j++;
            } else {
                missing++;
                j++;
            }
        }
        if (missing > 0 && sign < 0) {
            throw neverAdded();
        }
        if (missing == 0) {
            boolean emptied = false;
            for (int i = 0, j = 0; j < other.size; i++) {
                if (values[i] == other.values[j]) {
                    counts[i] += sign * other.counts[j];
                    emptied |= counts[i] == 0;
                    j++;
                }
            }
            if (emptied) {
                dropEmptied();
            }
        } else {
            int[] mergedValues = new int[size + missing];
            long[] mergedCounts = new long[size + missing];
            int i = 0;
            int j = 0;
            int k = 0;
            while (i < size || j < other.size) {
                if (j == other.size || i < size && values[i] < other.values[j]) {
                    mergedValues[k] = values[i];
                    mergedCounts[k++] = counts[i++];
                } else if (i == size || other.values[j] < values[i]) {
                    mergedValues[k] = other.values[j];
                    mergedCounts[k++] = other.counts[j++];
                } else {
                    mergedValues[k] = values[i];
                    mergedCounts[k++] = counts[i++] + other.counts[j++];
                }
            }
            values = mergedValues;
            counts = mergedCounts;
            size = k;
        }
        count += sign * other.count;
    }

    /** Adds {@code delta} (negative: removes) samples of {@code value}. */
    private void add(int value, long delta) {
        int at = Arrays.binarySearch(values, 0, size, value);
        if (at >= 0) {
            long updated = counts[at] + delta;
            if (updated < 0) {
                throw neverAdded();
            }
            counts[at] = updated;
            if (updated == 0) {
                System.arraycopy(values, at + 1, values, at, size - at - 1);
                System.arraycopy(counts, at + 1, counts, at, size - at - 1);
                size--;
            }
        } else {
            if (delta < 0) {
                throw neverAdded();
            }
            int insert = -at - 1;
            if (size == values.length) {
                int capacity = Math.max(4, size + (size >> 1));
                values = Arrays.copyOf(values, capacity);
                counts = Arrays.copyOf(counts, capacity);
            }
            System.arraycopy(values, insert, values, insert + 1, size - insert);
            System.arraycopy(counts, insert, counts, insert + 1, size - insert);
            values[insert] = value;
            counts[insert] = delta;
            size++;
        }
        count += delta;
    }

    private void dropEmptied() {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (counts[i] != 0) {
                values[kept] = values[i];
                counts[kept++] = counts[i];
            }
        }
        size = kept;
    }

    private static IllegalStateException neverAdded() {
        return new IllegalStateException("subtracted samples that were never added");
    }

    /** The number of samples. */
    public long count() {
        return count;
    }

    /** The number of distinct values. */
    public int distinctValues() {
        return size;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /**
     * The q-quantile (0 &lt;= q &lt;= 1) of the samples, type 7 (Hyndman and Fan; the default of R and NumPy): with
     * the n samples sorted as x[0..n-1] and h = (n - 1) q, x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
     * NaN when there is no sample.
     */
    public double quantile(double q) {
        if (q < 0 || q > 1 || Double.isNaN(q)) {
            throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
        }
        if (count == 0) {
            return Double.NaN;
        }
        double h = q * (count - 1);
        long lower = (long) Math.floor(h);
        double fraction = h - lower;
        // Walk the cumulative counts to the value of rank `lower`, and the one after it for the interpolation.
        long seen = 0;
        int i = 0;
        while (seen + counts[i] <= lower) {
            seen += counts[i++];
        }
        double below = values[i];
        if (fraction == 0) {
            return below;
        }
        double above = lower + 1 < seen + counts[i] ? below : values[i + 1];
        return below + fraction * (above - below);
    }

    /** Adds every sample of this histogram to {@code sketch}: its approximation where both must be read as one. */
    public void addTo(QuantileSketch sketch) {
        for (int i = 0; i < size; i++) {
            for (long n = 0; n < counts[i]; n++) {
                sketch.add(values[i]);
            }
        }
    }

    /**
     * [1][distinct values (varint)], then per value in ascending order [value: the first zigzag, every other its
     * distance from the previous one (varint)][count (varint)]: about 3 bytes per distinct delay.
     */
    public void writeTo(DataOutput out) throws IOException {
        byte[] buffer = new byte[1 + 5 + size * (5 + 10)];
        int at = 0;
        buffer[at++] = FORMAT_VERSION;
        at = writeVarLong(buffer, at, size);
        long previous = 0;
        for (int i = 0; i < size; i++) {
            long value = values[i];
            at = writeVarLong(buffer, at, i == 0 ? (value << 1) ^ (value >> 63) : value - previous);
            at = writeVarLong(buffer, at, counts[i]);
            previous = value;
        }
        out.write(buffer, 0, at);
    }

    public static SecondsHistogram readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown seconds histogram format " + version);
        }
        long distinct = readVarLong(in);
        if (distinct < 0 || distinct > (long) Integer.MAX_VALUE - 8) {
            throw new IOException("seconds histogram of " + distinct + " values");
        }
        SecondsHistogram histogram = new SecondsHistogram();
        int capacity = (int) Math.min(distinct, READ_CAPACITY);
        histogram.values = new int[capacity];
        histogram.counts = new long[capacity];
        long value = 0;
        for (int i = 0; i < distinct; i++) {
            long read = readVarLong(in);
            if (i == 0) {
                value = (read >>> 1) ^ -(read & 1);
            } else if (read <= 0) {
                throw new IOException("seconds histogram values out of order");
            } else {
                value += read;
            }
            long valueCount = readVarLong(in);
            if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE || valueCount <= 0) {
                throw new IOException("seconds histogram entry " + value + " x " + valueCount);
            }
            if (i == histogram.values.length) {
                int grown = (int) Math.min(distinct, 2L * i);
                histogram.values = Arrays.copyOf(histogram.values, grown);
                histogram.counts = Arrays.copyOf(histogram.counts, grown);
            }
            histogram.values[i] = (int) value;
            histogram.counts[i] = valueCount;
            histogram.count += valueCount;
        }
        histogram.size = (int) distinct;
        return histogram;
    }

    private static int writeVarLong(byte[] buffer, int at, long value) {
        while ((value & ~0x7FL) != 0) {
            buffer[at++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buffer[at++] = (byte) value;
        return at;
    }

    private static long readVarLong(DataInput in) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("variable-length integer longer than 10 bytes");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecondsHistogram other && count == other.count
                && Arrays.equals(values, 0, size, other.values, 0, other.size)
                && Arrays.equals(counts, 0, size, other.counts, 0, other.size);
    }

    @Override
    public int hashCode() {
        int hash = Long.hashCode(count);
        for (int i = 0; i < size; i++) {
            hash = 31 * hash + values[i];
        }
        return hash;
    }

    @Override
    public String toString() {
        return "SecondsHistogram[count=" + count + ", values=" + size + "]";
    }
}
