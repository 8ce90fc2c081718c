package io.civicpulse.streams.aggregation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;

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

    /** A distinct-count member's last panes seen scheduled and live ({@link DistinctCounts}). */
    public static Serde<long[]> lastSeen() {
        return of("last seen", (value, out) -> {
            out.writeByte(1);
            out.writeLong(value[0]);
            out.writeLong(value[1]);
        }, in -> {
            readFormat(in, (byte) 1, "last seen");
            return new long[] {in.readLong(), in.readLong()};
        });
    }

    public static Serde<Contribution> contribution() {
        return of("contribution", StateSerdes::writeContribution, StateSerdes::readContribution);
    }

    private static final byte CONTRIBUTION_FORMAT = 1;
    /** Format 1 followed by the member and its presence: only for distinct-count contributions. */
    private static final byte CONTRIBUTION_FORMAT_MEMBER = 2;

    private static void writeContribution(Contribution c, DataOutput out) throws IOException {
        // Contributions without a member keep format 1, byte for byte, so an engine of the previous version reads them.
        out.writeByte(c.member() == null ? CONTRIBUTION_FORMAT : CONTRIBUTION_FORMAT_MEMBER);
        out.writeUTF(c.city());
        out.writeUTF(c.indicatorId());
        out.writeUTF(c.scope());
        out.writeLong(c.eventTimeMs());
        out.writeLong(c.numerator());
        out.writeLong(c.denominator());
        out.writeLong(c.samples());
        out.writeDouble(c.sample());
        writeOrigin(c.origin(), out);
        if (c.member() != null) {
            out.writeUTF(c.member());
            out.writeByte(c.presence().ordinal());
        }
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

    /**
     * Reads a record's format version, accepting any from {@code oldest} to {@code newest} (a format that grew), and
     * returns it; refuses any other.
     */
    public static byte readFormat(DataInput in, byte oldest, byte newest, String what) throws IOException {
        byte version = in.readByte();
        if (version < oldest || version > newest) {
            throw new IOException("unknown " + what + " format " + version);
        }
        return version;
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
        byte format = readFormat(in, CONTRIBUTION_FORMAT, CONTRIBUTION_FORMAT_MEMBER, "contribution");
        String city = in.readUTF();
        String indicatorId = in.readUTF();
        String scope = in.readUTF();
        long eventTime = in.readLong();
        long numerator = in.readLong();
        long denominator = in.readLong();
        long samples = in.readLong();
        double sample = in.readDouble();
        EventOrigin origin = readOrigin(in);
        if (format == CONTRIBUTION_FORMAT) {
            return new Contribution(city, indicatorId, scope, eventTime, numerator, denominator, samples, sample,
                    origin);
        }
        String member = in.readUTF();
        int presence = in.readByte();
        if (presence < 0 || presence >= Contribution.Presence.values().length) {
            throw new IOException("unknown member presence " + presence);
        }
        return new Contribution(city, indicatorId, scope, eventTime, numerator, denominator, samples, sample, origin,
                member, Contribution.Presence.values()[presence]);
    }

    /** A serde of the engine's own binary state format; {@code what} names it in errors. */
    public static <T> Serde<T> of(String what, Writer<T> writer, Reader<T> reader) {
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
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
