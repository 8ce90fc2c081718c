package io.civicpulse.streams.aggregation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes of the engine's own state and of its repartition topic. These bytes never leave the engine's application
 * (its stores, changelogs and repartition topic), so they use a compact versioned binary form rather than Avro:
 * every format starts with a version byte, and a reader refuses a version it does not know instead of misreading.
 */
public final class StateSerdes {

    private StateSerdes() {
    }

    /** Writes one value to a DataOutput. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(T value, DataOutput out) throws IOException;
    }

    /** Reads one value from a DataInput. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(DataInput in) throws IOException;
    }

    public static Serde<Tally> tally() {
        return of("tally", (value, out) -> value.writeTo(out), Tally::readFrom);
    }

    public static Serde<SeriesTotals> seriesTotals() {
        return of("series totals", (value, out) -> value.writeTo(out), SeriesTotals::readFrom);
    }

    public static Serde<Contribution> contribution() {
        return of("contribution", StateSerdes::writeContribution, StateSerdes::readContribution);
    }

    /**
     * The repartition topic's value: the contributions of one event, which all belong to one city and so to one
     * partition. One record per event rather than one per contribution: an event of the e-service families feeds two
     * to six series, and each repartition record costs a produce, a fetch and a task dispatch.
     */
    public static Serde<List<Contribution>> contributions() {
        return of("contributions", StateSerdes::writeContributions, StateSerdes::readContributions);
    }

    private static final byte CONTRIBUTION_FORMAT = 1;
    private static final byte CONTRIBUTIONS_FORMAT = 2;

    private static void writeContributions(List<Contribution> contributions, DataOutput out) throws IOException {
        out.writeByte(CONTRIBUTIONS_FORMAT);
        out.writeInt(contributions.size());
        for (Contribution contribution : contributions) {
            writeContribution(contribution, out);
        }
    }

    /** Reads an event's contributions; a single contribution (format 1, before 2026.3) reads as a list of one. */
    private static List<Contribution> readContributions(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version == CONTRIBUTION_FORMAT) {
            return List.of(readContributionBody(in));
        }
        if (version != CONTRIBUTIONS_FORMAT) {
            throw new IOException("unknown contributions format " + version);
        }
        int count = in.readInt();
        List<Contribution> contributions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            contributions.add(readContribution(in));
        }
        return contributions;
    }

    private static void writeContribution(Contribution c, DataOutput out) throws IOException {
        out.writeByte(CONTRIBUTION_FORMAT);
        out.writeUTF(c.city());
        out.writeUTF(c.indicatorId());
        out.writeUTF(c.scope());
        out.writeLong(c.eventTimeMs());
        out.writeLong(c.numerator());
        out.writeLong(c.denominator());
        out.writeLong(c.samples());
        out.writeDouble(c.sample());
        writeOrigin(c.origin(), out);
    }

    /**
     * Reads a record's format version and refuses any other than {@code expected}: a state written in a format this
     * engine does not know must stop the task, not be misread.
     */
    public static void readFormat(DataInput in, byte expected, String what) throws IOException {
        byte version = in.readByte();
        if (version != expected) {
            throw new IOException("unknown " + what + " format " + version);
        }
    }

    /** An event's origin in the engine's binary formats (contributions, and other records that carry one). */
    public static void writeOrigin(EventOrigin origin, DataOutput out) throws IOException {
        out.writeUTF(origin.eventId());
        out.writeUTF(origin.sourceTopic());
        out.writeInt(origin.sourcePartition());
        out.writeLong(origin.sourceOffset());
        out.writeBoolean(origin.sourceKey() != null);
        if (origin.sourceKey() != null) {
            out.writeUTF(origin.sourceKey());
        }
        out.writeLong(origin.payloadSize());
    }

    /** Reads what {@link #writeOrigin} wrote. */
    public static EventOrigin readOrigin(DataInput in) throws IOException {
        String eventId = in.readUTF();
        String topic = in.readUTF();
        int partition = in.readInt();
        long offset = in.readLong();
        String key = in.readBoolean() ? in.readUTF() : null;
        return new EventOrigin(eventId, topic, partition, offset, key, in.readLong());
    }

    private static Contribution readContribution(DataInput in) throws IOException {
        readFormat(in, CONTRIBUTION_FORMAT, "contribution");
        return readContributionBody(in);
    }

    private static Contribution readContributionBody(DataInput in) throws IOException {
        String city = in.readUTF();
        String indicatorId = in.readUTF();
        String scope = in.readUTF();
        long eventTime = in.readLong();
        long numerator = in.readLong();
        long denominator = in.readLong();
        long samples = in.readLong();
        double sample = in.readDouble();
        return new Contribution(city, indicatorId, scope, eventTime, numerator, denominator, samples, sample,
                readOrigin(in));
    }

    /** A serde of the engine's own binary state format; {@code what} names it in errors. */
    public static <T> Serde<T> of(String what, Writer<T> writer, Reader<T> reader) {
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            // Room for an event's contributions or a sketch-less tally at once: growing from 64 bytes copied most of them.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                writer.write(value, out);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + what + " for " + topic + ": " + e.getMessage(), e);
            }
            return bytes.toByteArray();
        };
        Deserializer<T> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                return reader.read(in);
            } catch (IOException e) {
                throw new SerializationException("cannot read " + what + " from " + topic + ": " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
