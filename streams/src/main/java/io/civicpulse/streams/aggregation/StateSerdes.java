package io.civicpulse.streams.aggregation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /**
     * An event's contributions share its city and origin, written once: [2][city][origin][count], then per
     * contribution [indicatorId][scope][eventTime][numerator][denominator][samples][sample][has member], then for
     * distinct-count contributions [member][presence]. Strings are written as length and UTF-8 bytes, several times
     * cheaper than writeUTF's modified UTF-8, which is encoded char by char.
     */
    private static void writeContributions(List<Contribution> contributions, DataOutput out) throws IOException {
        out.writeByte(CONTRIBUTIONS_FORMAT);
        Contribution first = contributions.get(0);
        writeString(out, first.city());
        writeOrigin(first.origin(), out, StateSerdes::writeString);
        out.writeInt(contributions.size());
        for (Contribution c : contributions) {
            if (!c.city().equals(first.city()) || !c.origin().equals(first.origin())) {
                throw new IOException("contributions of one record must share city and origin: " + first + ", " + c);
            }
            writeString(out, c.indicatorId());
            writeString(out, c.scope());
            out.writeLong(c.eventTimeMs());
            out.writeLong(c.numerator());
            out.writeLong(c.denominator());
            out.writeLong(c.samples());
            out.writeDouble(c.sample());
            out.writeBoolean(c.member() != null);
            if (c.member() != null) {
                writeString(out, c.member());
                out.writeByte(c.presence().ordinal());
            }
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
        String city = readString(in);
        EventOrigin origin = readOrigin(in, StateSerdes::readString);
        int count = in.readInt();
        List<Contribution> contributions = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String indicatorId = readString(in);
            String scope = readString(in);
            long eventTime = in.readLong();
            long numerator = in.readLong();
            long denominator = in.readLong();
            long samples = in.readLong();
            double sample = in.readDouble();
            String member = null;
            Contribution.Presence presence = null;
            if (in.readBoolean()) {
                member = readString(in);
                int ordinal = in.readByte();
                if (ordinal < 0 || ordinal >= Contribution.Presence.values().length) {
                    throw new IOException("unknown member presence " + ordinal);
                }
                presence = Contribution.Presence.values()[ordinal];
            }
            contributions.add(new Contribution(city, indicatorId, scope, eventTime, numerator, denominator, samples,
                    sample, origin, member, presence));
        }
        return contributions;
    }

    private static void writeString(DataOutput out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING_BYTES) {
            throw new IOException("string of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Longer than any id the checks let through; a corrupt length fails here rather than allocating gigabytes. */
    private static final int MAX_STRING_BYTES = 1 << 16;

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
        writeOrigin(origin, out, DataOutput::writeUTF);
    }

    /** Reads what {@link #writeOrigin} wrote. */
    public static EventOrigin readOrigin(DataInput in) throws IOException {
        return readOrigin(in, DataInput::readUTF);
    }

    private static void writeOrigin(EventOrigin origin, DataOutput out, StringWriter strings) throws IOException {
        strings.write(out, origin.eventId());
        strings.write(out, origin.sourceTopic());
        out.writeInt(origin.sourcePartition());
        out.writeLong(origin.sourceOffset());
        out.writeBoolean(origin.sourceKey() != null);
        if (origin.sourceKey() != null) {
            strings.write(out, origin.sourceKey());
        }
        out.writeLong(origin.payloadSize());
    }

    private static EventOrigin readOrigin(DataInput in, StringReader strings) throws IOException {
        String eventId = strings.read(in);
        String topic = strings.read(in);
        int partition = in.readInt();
        long offset = in.readLong();
        String key = in.readBoolean() ? strings.read(in) : null;
        return new EventOrigin(eventId, topic, partition, offset, key, in.readLong());
    }

    /** How a format writes its strings: modified UTF-8 (writeUTF, the stored formats) or length and UTF-8 bytes. */
    @FunctionalInterface
    private interface StringWriter {
        void write(DataOutput out, String value) throws IOException;
    }

    @FunctionalInterface
    private interface StringReader {
        String read(DataInput in) throws IOException;
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
