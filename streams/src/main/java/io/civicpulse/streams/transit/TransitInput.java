package io.civicpulse.streams.transit;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Objects;

import org.apache.kafka.common.serialization.Serde;

import io.civicpulse.streams.aggregation.StateSerdes;

/**
 * What the trip-run processor needs from the schedule and the realtime feeds, reduced and checked before the
 * repartition by city: a trip's schedule (or its removal), a service's active dates (or their removal), or one
 * sighting of a trip in a trip update or a vehicle position. Small on purpose: a trip's stop times are reduced to
 * its first departure, a sighting to trip, time and kind.
 */
sealed interface TransitInput {

    String city();

    /**
     * A trip of the static schedule as the engine plans it: its route, service, first scheduled departure (GTFS
     * seconds after the service date's reference time) and, for a frequency-based trip, the starts of its runs.
     * {@code plan} null: the trip left the schedule (tombstone).
     */
    record Trip(String city, String tripId, TripPlan plan) implements TransitInput {
        public Trip {
            Objects.requireNonNull(city, "city");
            Objects.requireNonNull(tripId, "tripId");
        }
    }

    /** The active service dates (epoch days, ascending) of one service id; null: the service left the schedule. */
    record Service(String city, String serviceId, int[] activeDays) implements TransitInput {
        public Service {
            Objects.requireNonNull(city, "city");
            Objects.requireNonNull(serviceId, "serviceId");
        }
    }

    /**
     * One realtime record naming a trip.
     *
     * @param serviceDay        epoch day of the record's service date
     * @param startTimeSeconds  the trip descriptor's start time (GTFS seconds), -1 when the feed leaves it empty
     * @param source            the input partition it came from ({@code topic#partition}), for the city's watermark
     * @param topic             where the raw record is, for a dead letter: topic, partition, offset, key
     * @param predictedStops    the stops a trip update predicts an arrival or departure for (not SKIPPED), once
     *                          each; empty for a vehicle position or a CANCELED trip
     */
    record Sighting(String city, String tripId, Kind kind, boolean canceled, long timeMs, int serviceDay,
                    int startTimeSeconds, String eventId, String source, String topic, int partition, long offset,
                    String key, long payloadSize, String[] predictedStops) implements TransitInput {
        public Sighting {
            Objects.requireNonNull(city, "city");
            Objects.requireNonNull(tripId, "tripId");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(predictedStops, "predictedStops");
        }

        Sighting withPredictedStops(String[] stops) {
            return new Sighting(city, tripId, kind, canceled, timeMs, serviceDay, startTimeSeconds, eventId, source,
                    topic, partition, offset, key, payloadSize, stops);
        }
    }

    /** Which realtime feed a sighting came from. */
    enum Kind {
        TRIP_UPDATE,
        VEHICLE_POSITION
    }

    byte FORMAT = 1;
    /** Format 1 with a sighting's predicted stops at its end. */
    byte FORMAT_STOPS = 2;
    byte TRIP = 1;
    byte SERVICE = 2;
    byte SIGHTING = 3;

    static Serde<TransitInput> serde() {
        return StateSerdes.of("transit input", TransitInput::write, TransitInput::read);
    }

    private static void write(TransitInput input, DataOutput out) throws IOException {
        out.writeByte(FORMAT_STOPS);
        if (input instanceof Trip trip) {
            out.writeByte(TRIP);
            out.writeUTF(trip.city());
            out.writeUTF(trip.tripId());
            out.writeBoolean(trip.plan() != null);
            if (trip.plan() != null) {
                trip.plan().writeTo(out);
            }
        } else if (input instanceof Service service) {
            out.writeByte(SERVICE);
            out.writeUTF(service.city());
            out.writeUTF(service.serviceId());
            out.writeInt(service.activeDays() == null ? -1 : service.activeDays().length);
            if (service.activeDays() != null) {
                for (int day : service.activeDays()) {
                    out.writeInt(day);
                }
            }
        } else {
            Sighting s = (Sighting) input;
            out.writeByte(SIGHTING);
            out.writeUTF(s.city());
            out.writeUTF(s.tripId());
            out.writeByte(s.kind().ordinal());
            out.writeBoolean(s.canceled());
            out.writeLong(s.timeMs());
            out.writeInt(s.serviceDay());
            out.writeInt(s.startTimeSeconds());
            out.writeUTF(s.eventId());
            out.writeUTF(s.source());
            out.writeUTF(s.topic());
            out.writeInt(s.partition());
            out.writeLong(s.offset());
            out.writeBoolean(s.key() != null);
            if (s.key() != null) {
                out.writeUTF(s.key());
            }
            out.writeLong(s.payloadSize());
            out.writeInt(s.predictedStops().length);
            for (String stop : s.predictedStops()) {
                out.writeUTF(stop);
            }
        }
    }

    private static TransitInput read(DataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_STOPS) {
            throw new IOException("unknown transit input format " + format);
        }
        byte type = in.readByte();
        switch (type) {
            case TRIP -> {
                String city = in.readUTF();
                String tripId = in.readUTF();
                return new Trip(city, tripId, in.readBoolean() ? TripPlan.readFrom(in) : null);
            }
            case SERVICE -> {
                String city = in.readUTF();
                String serviceId = in.readUTF();
                int n = in.readInt();
                int[] days = null;
                if (n >= 0) {
                    days = new int[n];
                    for (int i = 0; i < n; i++) {
                        days[i] = in.readInt();
                    }
                }
                return new Service(city, serviceId, days);
            }
            case SIGHTING -> {
                String city = in.readUTF();
                String tripId = in.readUTF();
                Kind kind = Kind.values()[in.readByte()];
                boolean canceled = in.readBoolean();
                long time = in.readLong();
                int serviceDay = in.readInt();
                int startTime = in.readInt();
                String eventId = in.readUTF();
                String source = in.readUTF();
                String topic = in.readUTF();
                int partition = in.readInt();
                long offset = in.readLong();
                String key = in.readBoolean() ? in.readUTF() : null;
                long size = in.readLong();
                String[] stops = new String[format == FORMAT ? 0 : in.readInt()];
                for (int i = 0; i < stops.length; i++) {
                    stops[i] = in.readUTF();
                }
                return new Sighting(city, tripId, kind, canceled, time, serviceDay, startTime, eventId, source, topic,
                        partition, offset, key, size, stops);
            }
            default -> throw new IOException("unknown transit input type " + type);
        }
    }
}
