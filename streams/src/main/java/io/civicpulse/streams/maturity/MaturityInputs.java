package io.civicpulse.streams.maturity;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * The city-scope indicator values that one maturity score is computed from: for the live score of a window, the
 * newest value of each indicator with its period; for a closed period, the final value of each indicator that had
 * data. Also remembers what was published for the window, so that a straggling final is recognised and the
 * compacted latest topic never goes back in time.
 */
final class MaturityInputs {

    /** One indicator's value and the period it covers. */
    record Observed(double kpiValue, long from, long to) {
    }

    final Map<String, Observed> values = new LinkedHashMap<>();
    /** The period of the newest value received (live inputs) or of the closed period (final inputs). */
    long from;
    long to;
    /** End of the newest period whose final score was published (live inputs only). */
    long finalizedTo = Long.MIN_VALUE;
    /** End of the newest period published to the latest topic (live inputs only). */
    long latestTo = Long.MIN_VALUE;

    /** Takes a value unless a newer period of the same indicator is already held; returns whether it did. */
    boolean offer(String indicatorId, double kpiValue, long periodFrom, long periodTo) {
        Observed held = values.get(indicatorId);
        if (held != null && held.to() > periodTo) {
            return false;
        }
        values.put(indicatorId, new Observed(kpiValue, periodFrom, periodTo));
        if (periodTo >= to) {
            from = periodFrom;
            to = periodTo;
        }
        return true;
    }

    /**
     * The values that still describe the newest period: an indicator whose newest value covers a period that no
     * longer overlaps it (nothing new for a whole window) has no data now.
     */
    Map<String, Double> current() {
        Map<String, Double> current = new HashMap<>();
        values.forEach((id, observed) -> {
            if (observed.to() > from) {
                current.put(id, observed.kpiValue());
            }
        });
        return current;
    }

    Map<String, Double> all() {
        Map<String, Double> all = new HashMap<>();
        values.forEach((id, observed) -> all.put(id, observed.kpiValue()));
        return all;
    }

    private static final byte FORMAT = 1;

    static Serde<MaturityInputs> serde() {
        return StateSerdes.of("maturity inputs", MaturityInputs::write, MaturityInputs::read);
    }

    private static void write(MaturityInputs inputs, DataOutput out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(inputs.from);
        out.writeLong(inputs.to);
        out.writeLong(inputs.finalizedTo);
        out.writeLong(inputs.latestTo);
        out.writeInt(inputs.values.size());
        for (Map.Entry<String, Observed> entry : inputs.values.entrySet()) {
            out.writeUTF(entry.getKey());
            out.writeDouble(entry.getValue().kpiValue());
            out.writeLong(entry.getValue().from());
            out.writeLong(entry.getValue().to());
        }
    }

    private static MaturityInputs read(DataInput in) throws IOException {
        StateSerdes.readFormat(in, FORMAT, "maturity inputs");
        MaturityInputs inputs = new MaturityInputs();
        inputs.from = in.readLong();
        inputs.to = in.readLong();
        inputs.finalizedTo = in.readLong();
        inputs.latestTo = in.readLong();
        int size = in.readInt();
        for (int i = 0; i < size; i++) {
            inputs.values.put(in.readUTF(), new Observed(in.readDouble(), in.readLong(), in.readLong()));
        }
        return inputs;
    }
}
