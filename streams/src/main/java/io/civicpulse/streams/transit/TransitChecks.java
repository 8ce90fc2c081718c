package io.civicpulse.streams.transit;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.StopTimeScheduleRelationship;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.streams.freshness.VehiclePositionRules;
import io.civicpulse.schemas.reference.FrequencyPeriod;
import io.civicpulse.schemas.reference.ScheduledStopTime;
import io.civicpulse.schemas.reference.ScheduledTrip;
import io.civicpulse.schemas.reference.ServiceCalendar;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.mobility.TripUpdateRules;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.Received;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * The checks in front of the trip-run processor, one per input: each record becomes a {@link TransitInput} keyed
 * by its city (for the repartition that brings a city's schedule and realtime data to one task) or, when unusable,
 * a dead letter with its raw bytes ({@link Checked.Rejected}). Trip updates are an exception: the stop-event branch
 * already dead-letters a bad one, so here it is skipped, not rejected a second time.
 */
final class TransitChecks {

    private TransitChecks() {
    }

    /** The common part: record coordinates, dead letters, forwarding. */
    private abstract static class Check<V> implements Processor<String, Received<V>, String, Object> {

        final EngineConfig config;
        ProcessorContext<String, Object> context;
        EngineMetrics metrics;

        Check(EngineConfig config) {
            this.config = config;
        }

        @Override
        public void init(ProcessorContext<String, Object> context) {
            this.context = context;
            this.metrics = new EngineMetrics(context.metrics());
        }

        abstract String input();

        void reject(Record<String, Received<V>> record, String city, Problem problem) {
            metrics.record(EngineMetrics.REJECTED, input() + ":" + problem.reason());
            RecordMetadata metadata = context.recordMetadata().orElse(null);
            Received<V> received = record.value();
            DeadLetter deadLetter = DeadLetters.rejected(problem.reason(), problem.message(),
                    ValidationProcessor.validCity(city) ? city : null,
                    metadata == null ? input() : metadata.topic(), metadata == null ? -1 : metadata.partition(),
                    metadata == null ? -1 : metadata.offset(),
                    record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                    received == null ? null : received.raw(),
                    DeadLetters.headersAsText(record.headers(), new LinkedHashMap<>(problem.detail())),
                    context.currentSystemTimeMs(), config.inlinePayloadLimit());
            context.forward(record.withValue(new Checked.Rejected(deadLetter)));
        }

        void accept(Record<String, Received<V>> record, TransitInput input) {
            context.forward(new Record<>(input.city(), input, record.timestamp(), record.headers()));
        }

        /** A sighting, with the coordinates of its record (for the city's watermark and for dead letters). */
        TransitInput.Sighting sighting(Record<String, Received<V>> record, String city, String tripId,
                                       TransitInput.Kind kind, boolean canceled, long timeMs, LocalDate serviceDate,
                                       int startTime, String eventId) {
            RecordMetadata metadata = context.recordMetadata().orElse(null);
            String topic = metadata == null ? input() : metadata.topic();
            int partition = metadata == null ? -1 : metadata.partition();
            // A position without a service date (the feed left it out) is placed by its time alone.
            int serviceDay = serviceDate == null ? Integer.MIN_VALUE : (int) serviceDate.toEpochDay();
            return new TransitInput.Sighting(city, tripId, kind, canceled, timeMs, serviceDay, startTime, eventId,
                    topic + "#" + partition, topic, partition, metadata == null ? -1 : metadata.offset(),
                    record.key(), record.value() == null ? 0 : record.value().size(), new String[0]);
        }

        /** The city of a tombstone: the first part of its {@code city/id} key. */
        static String[] keyParts(String key) {
            if (key == null) {
                return null;
            }
            int slash = key.indexOf('/');
            return slash <= 0 || slash == key.length() - 1 ? null
                    : new String[] {key.substring(0, slash), key.substring(slash + 1)};
        }

        static Problem missing(String what, String field) {
            return Problem.of(DeadLetters.MISSING_FIELD, what, field);
        }
    }

    /** Scheduled trips: reduced to route, service, first departure and frequency periods. */
    static final class Trips extends Check<ScheduledTrip> {

        Trips(EngineConfig config) {
            super(config);
        }

        @Override
        String input() {
            return "scheduled-trips";
        }

        @Override
        public void process(Record<String, Received<ScheduledTrip>> record) {
            ScheduledTrip trip = record.value() == null ? null : record.value().value();
            if (trip == null) {
                String[] parts = keyParts(record.key());
                if (parts == null || !ValidationProcessor.validCity(parts[0])) {
                    reject(record, null, Problem.of(DeadLetters.INVALID_FIELD, "tombstone key '" + record.key()
                            + "' is not city/tripId", "key"));
                    return;
                }
                accept(record, new TransitInput.Trip(parts[0], parts[1], null));
                return;
            }
            Problem problem = problem(trip);
            if (problem != null) {
                reject(record, trip.getCity(), problem);
                return;
            }
            List<FrequencyPeriod> frequencies = trip.getFrequencies();
            int[][] periods = new int[trip.getFrequencyBased() ? frequencies.size() : 0][];
            for (int i = 0; i < periods.length; i++) {
                FrequencyPeriod f = frequencies.get(i);
                periods[i] = new int[] {f.getStartSeconds(), f.getEndSeconds(), f.getHeadwaySeconds()};
            }
            int first = trip.getStopTimes().get(0).getDepartureSeconds();
            List<ScheduledStopTime> stopTimes = trip.getStopTimes();
            String[] stops = new String[stopTimes.size()];
            int[] offsets = new int[stops.length];
            for (int i = 0; i < stops.length; i++) {
                stops[i] = stopTimes.get(i).getStopId();
                // The stop time of realtime stop coverage: its arrival (the first stop's arrival is its departure).
                offsets[i] = Math.max(0, stopTimes.get(i).getArrivalSeconds() - first);
            }
            accept(record, new TransitInput.Trip(trip.getCity(), trip.getTripId(),
                    new TripPlan(trip.getRouteId(), trip.getServiceId(), first, periods, stops, offsets)));
        }

        private static Problem problem(ScheduledTrip trip) {
            if (!ValidationProcessor.validCity(trip.getCity())) {
                return Problem.of(DeadLetters.INVALID_CITY, "city '" + trip.getCity() + "' is not a city id", "city");
            }
            if (trip.getTripId() == null || trip.getTripId().isBlank()) {
                return missing("scheduled trip has no tripId", "tripId");
            }
            if (trip.getRouteId() == null || trip.getRouteId().isBlank()) {
                return missing("scheduled trip has no routeId: its route scope cannot be told", "routeId");
            }
            String invalid = ValidationProcessor.invalidScope(trip.getRouteId());
            if (invalid != null) {
                return Problem.of(DeadLetters.INVALID_FIELD, invalid, "routeId");
            }
            if (trip.getServiceId() == null || trip.getServiceId().isBlank()) {
                return missing("scheduled trip has no serviceId: its active dates cannot be told", "serviceId");
            }
            if (trip.getStopTimes().isEmpty()) {
                return missing("scheduled trip has no stop times: it has no first departure", "stopTimes");
            }
            ScheduledStopTime first = trip.getStopTimes().get(0);
            if (first.getDepartureSeconds() < 0) {
                return Problem.of(DeadLetters.INVALID_FIELD, "first departure " + first.getDepartureSeconds()
                        + " s is before the service day", "stopTimes");
            }
            if (trip.getFrequencyBased() && trip.getFrequencies().isEmpty()) {
                return missing("frequency-based trip without frequency periods: its runs cannot be told",
                        "frequencies");
            }
            for (FrequencyPeriod f : trip.getFrequencies()) {
                if (f.getHeadwaySeconds() <= 0 || f.getStartSeconds() < 0 || f.getEndSeconds() <= f.getStartSeconds()) {
                    return Problem.of(DeadLetters.INVALID_FIELD, "frequency period " + f.getStartSeconds() + ".."
                            + f.getEndSeconds() + " every " + f.getHeadwaySeconds() + " s has no runs",
                            "frequencies");
                }
            }
            return null;
        }
    }

    /** Service calendars: reduced to their active epoch days. */
    static final class Services extends Check<ServiceCalendar> {

        Services(EngineConfig config) {
            super(config);
        }

        @Override
        String input() {
            return "service-calendars";
        }

        @Override
        public void process(Record<String, Received<ServiceCalendar>> record) {
            ServiceCalendar calendar = record.value() == null ? null : record.value().value();
            if (calendar == null) {
                String[] parts = keyParts(record.key());
                if (parts == null || !ValidationProcessor.validCity(parts[0])) {
                    reject(record, null, Problem.of(DeadLetters.INVALID_FIELD, "tombstone key '" + record.key()
                            + "' is not city/serviceId", "key"));
                    return;
                }
                accept(record, new TransitInput.Service(parts[0], parts[1], null));
                return;
            }
            if (!ValidationProcessor.validCity(calendar.getCity())) {
                reject(record, calendar.getCity(), Problem.of(DeadLetters.INVALID_CITY, "city '" + calendar.getCity()
                        + "' is not a city id", "city"));
                return;
            }
            if (calendar.getServiceId() == null || calendar.getServiceId().isBlank()) {
                reject(record, calendar.getCity(), missing("service calendar has no serviceId", "serviceId"));
                return;
            }
            int[] days = calendar.getActiveDates().stream().mapToInt(d -> (int) d.toEpochDay()).sorted().distinct()
                    .toArray();
            accept(record, new TransitInput.Service(calendar.getCity(), calendar.getServiceId(), days));
        }
    }

    /** Trip updates: every usable one is a sighting of its trip (a CANCELED one says the trip is not served). */
    static final class TripUpdates extends Check<TripUpdate> {

        private final ValidationProcessor<TripUpdate> checks;

        TripUpdates(EngineConfig config) {
            super(config);
            this.checks = new ValidationProcessor<>(new TripUpdateRules(), config);
        }

        @Override
        String input() {
            return "trip-updates";
        }

        @Override
        public void process(Record<String, Received<TripUpdate>> record) {
            TripUpdate update = record.value() == null ? null : record.value().value();
            if (update == null || checks.problem(update, context.currentSystemTimeMs()) != null) {
                return; // dead-lettered by the stop-event branch, which reads the same records
            }
            boolean canceled = update.getScheduleRelationship() == TripScheduleRelationship.CANCELED;
            List<String> predicted = new java.util.ArrayList<>();
            for (StopTimePrediction stop : update.getStopTimeUpdates()) {
                // A live arrival prediction: a predicted time for a stop the vehicle will call at.
                if (!canceled && stop.getScheduleRelationship() != StopTimeScheduleRelationship.SKIPPED
                        && (stop.getArrivalTime() != null || stop.getDepartureTime() != null)
                        && ValidationProcessor.invalidScope(stop.getStopId()) == null
                        && !stop.getStopId().isBlank() && !predicted.contains(stop.getStopId())) {
                    predicted.add(stop.getStopId());
                }
            }
            accept(record, sighting(record, update.getCity(), update.getTripId(), TransitInput.Kind.TRIP_UPDATE,
                    canceled, update.getUpdateTime().toEpochMilli(), update.getServiceDate(),
                    gtfsSeconds(update.getStartTime()), update.getEventId())
                    .withPredictedStops(predicted.toArray(String[]::new)));
        }
    }

    /** Vehicle positions: one with a trip is a sighting of it; one without a trip says nothing about trips. */
    static final class VehiclePositions extends Check<VehiclePosition> {

        private final ValidationProcessor<VehiclePosition> checks;

        VehiclePositions(EngineConfig config) {
            super(config);
            this.checks = new ValidationProcessor<>(new VehiclePositionRules(), config);
        }

        @Override
        String input() {
            return "vehicle-positions";
        }

        @Override
        public void process(Record<String, Received<VehiclePosition>> record) {
            VehiclePosition position = record.value() == null ? null : record.value().value();
            if (position == null || checks.problem(position, context.currentSystemTimeMs()) != null) {
                return; // dead-lettered by the vehicle-positions validation, which reads the same records
            }
            if (position.getTripId() == null || position.getTripId().isBlank()) {
                return; // a vehicle not assigned to a trip: nothing to tell about trips
            }
            accept(record, sighting(record, position.getCity(), position.getTripId(),
                    TransitInput.Kind.VEHICLE_POSITION, false, position.getPositionTime().toEpochMilli(),
                    position.getServiceDate(), -1, position.getEventId()));
        }
    }

    /** GTFS HH:MM:SS (hours may exceed 23) as seconds; -1 when empty or unreadable. */
    static int gtfsSeconds(String time) {
        if (time == null) {
            return -1;
        }
        String[] parts = time.trim().split(":");
        if (parts.length != 3) {
            return -1;
        }
        try {
            int h = Integer.parseInt(parts[0]);
            int m = Integer.parseInt(parts[1]);
            int s = Integer.parseInt(parts[2]);
            return h < 0 || m < 0 || m > 59 || s < 0 || s > 59 ? -1 : h * 3600 + m * 60 + s;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
