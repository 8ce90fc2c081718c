package io.civicpulse.ingest.gtfsrt;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.transit.realtime.GtfsRealtime;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.gtfs.ScheduleIndex;
import io.civicpulse.ingest.publish.EventIds;
import io.civicpulse.ingest.publish.Rejection;
import io.civicpulse.schemas.mobility.ActivePeriod;
import io.civicpulse.schemas.mobility.AlertCause;
import io.civicpulse.schemas.mobility.AlertEffect;
import io.civicpulse.schemas.mobility.AlertSeverity;
import io.civicpulse.schemas.mobility.InformedEntity;
import io.civicpulse.schemas.mobility.OccupancyStatus;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.StopTimeScheduleRelationship;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.mobility.VehicleStopStatus;

/**
 * Turns the entities of one GTFS-Realtime feed message into Avro records, validating each on its own: an entity
 * that cannot be used becomes a {@link Rejection} with its own bytes, and a bad stop inside a good trip update
 * costs only that stop's prediction. Pure: everything it needs (schedule, feed time, wall clock) comes in.
 */
final class EntityConverter {

    static final String SOURCE = "ingest.gtfs-rt";
    private static final DateTimeFormatter GTFS_DATE = DateTimeFormatter.BASIC_ISO_DATE;

    /** A record, or null when the entity was rejected, with the rejections raised on the way. */
    record Converted<V>(V record, List<Rejection> rejections) {
    }

    private final CityConfig city;
    private final String feedId;
    private final String origin;
    private final ScheduleIndex schedule;
    private final TripMatcher matcher;
    private final Instant feedTime;
    private final Instant ingestedAt;
    private final Instant latestAcceptable;

    EntityConverter(CityConfig city, String feedId, String origin, ScheduleIndex schedule, Instant feedTime,
                    Instant ingestedAt, Instant now) {
        this.city = city;
        this.feedId = feedId;
        this.origin = origin;
        this.schedule = schedule;
        this.matcher = new TripMatcher(schedule, city.serviceDays());
        this.feedTime = feedTime;
        this.ingestedAt = ingestedAt;
        this.latestAcceptable = now.plus(city.maxFutureSkew());
    }

    /** The id a vehicle is keyed by: vehicle.vehicle.id, else the entity id. */
    static String vehicleId(GtfsRealtime.FeedEntity entity) {
        GtfsRealtime.VehiclePosition v = entity.getVehicle();
        return v.hasVehicle() && !v.getVehicle().getId().isEmpty() ? v.getVehicle().getId() : entity.getId();
    }

    /** The event time of a vehicle: its timestamp, else the feed's. */
    Instant positionTime(GtfsRealtime.FeedEntity entity) {
        long ts = entity.getVehicle().getTimestamp();
        return ts > 0 ? Instant.ofEpochSecond(ts) : feedTime;
    }

    Converted<VehiclePosition> vehicle(GtfsRealtime.FeedEntity entity) {
        GtfsRealtime.VehiclePosition v = entity.getVehicle();
        List<Rejection> rejections = new ArrayList<>();
        String vehicleId = vehicleId(entity);
        if (!v.hasPosition()) {
            return rejected(entity, "gtfsrt.missing-position", "vehicle " + vehicleId + " has no position", null);
        }
        double lat = v.getPosition().getLatitude();
        double lon = v.getPosition().getLongitude();
        if (!city.bounds().contains(lat, lon)) {
            return rejected(entity, "event.outside-city", "vehicle " + vehicleId + " at " + lat + "," + lon
                    + " is outside " + city.id() + "'s bounds " + city.bounds(), "position");
        }
        Instant positionTime = positionTime(entity);
        if (positionTime.isAfter(latestAcceptable)) {
            return rejected(entity, "event.future-timestamp", "vehicle " + vehicleId + " reports time "
                    + positionTime + ", more than " + city.maxFutureSkew() + " ahead of now", "timestamp");
        }
        String tripId = null;
        String routeId = null;
        LocalDate serviceDate = null;
        if (v.hasTrip() && !v.getTrip().getTripId().isEmpty()) {
            GtfsRealtime.TripDescriptor td = v.getTrip();
            tripId = td.getTripId();
            int trip = schedule == null ? -1 : schedule.tripIndex(tripId);
            if (schedule != null && trip < 0 && mustBeScheduled(td)) {
                return rejected(entity, "gtfsrt.unknown-trip", "vehicle " + vehicleId + " serves trip " + tripId
                        + ", which static feed " + schedule.feedVersion() + " does not have", "trip_id");
            }
            if (!td.getRouteId().isEmpty()) {
                if (schedule != null && !schedule.hasRoute(td.getRouteId())) {
                    return rejected(entity, "gtfsrt.unknown-route", "vehicle " + vehicleId + " names route "
                            + td.getRouteId() + ", which the static feed does not have", "route_id");
                }
                routeId = td.getRouteId();
            } else if (trip >= 0) {
                routeId = schedule.routeId(trip);
            }
            serviceDate = td.getStartDate().isEmpty() ? matcher.deriveServiceDate(trip, feedTime, positionTime)
                    : parseDate(td.getStartDate());
            if (serviceDate == null) {
                return rejected(entity, "gtfsrt.invalid-start-date", "trip " + tripId + " has start_date '"
                        + td.getStartDate() + "', not YYYYMMDD", "start_date");
            }
        }
        String stopId = v.getStopId().isEmpty() ? null : v.getStopId();
        if (stopId != null && schedule != null && !schedule.hasStop(stopId)) {
            // The position is still good; only the stop reference is dropped.
            rejections.add(rejection(entity, "gtfsrt.unknown-stop", "vehicle " + vehicleId + " refers to stop "
                    + stopId + ", which the static feed does not have", Map.of("stopId", stopId)));
            stopId = null;
        }
        VehiclePosition record = VehiclePosition.newBuilder()
                .setCity(city.id())
                .setFeedId(feedId)
                .setVehicleId(vehicleId)
                .setVehicleLabel(v.hasVehicle() && !v.getVehicle().getLabel().isEmpty()
                        ? v.getVehicle().getLabel() : null)
                .setTripId(tripId)
                .setRouteId(routeId)
                .setServiceDate(serviceDate)
                .setLatitude(lat)
                .setLongitude(lon)
                .setBearing(v.getPosition().hasBearing() ? (double) v.getPosition().getBearing() : null)
                .setSpeedMetersPerSecond(v.getPosition().hasSpeed() ? (double) v.getPosition().getSpeed() : null)
                .setCurrentStatus(v.hasCurrentStatus()
                        ? byName(VehicleStopStatus.class, v.getCurrentStatus().name(), VehicleStopStatus.UNKNOWN)
                        : VehicleStopStatus.IN_TRANSIT_TO)
                .setStopId(stopId)
                .setOccupancyStatus(v.hasOccupancyStatus()
                        ? byName(OccupancyStatus.class, v.getOccupancyStatus().name(), OccupancyStatus.UNKNOWN)
                        : null)
                .setPositionTime(positionTime)
                .setFeedTimestamp(feedTime)
                .setIngestedAt(ingestedAt)
                .setEventId(EventIds.of(city.id(), feedId, vehicleId, positionTime.toEpochMilli()))
                .build();
        return new Converted<>(record, rejections);
    }

    Converted<TripUpdate> tripUpdate(GtfsRealtime.FeedEntity entity) {
        GtfsRealtime.TripUpdate tu = entity.getTripUpdate();
        GtfsRealtime.TripDescriptor td = tu.getTrip();
        String tripId = td.getTripId();
        if (tripId.isEmpty()) {
            return rejected(entity, "gtfsrt.missing-trip-id", "trip update " + entity.getId() + " has no trip_id",
                    "trip_id");
        }
        int trip = schedule == null ? -1 : schedule.tripIndex(tripId);
        if (schedule != null && trip < 0 && mustBeScheduled(td)) {
            return rejected(entity, "gtfsrt.unknown-trip", "trip update for trip " + tripId
                    + ", which static feed " + schedule.feedVersion() + " does not have", "trip_id");
        }
        String routeId = null;
        if (!td.getRouteId().isEmpty()) {
            if (schedule != null && !schedule.hasRoute(td.getRouteId())) {
                return rejected(entity, "gtfsrt.unknown-route", "trip " + tripId + " names route "
                        + td.getRouteId() + ", which the static feed does not have", "route_id");
            }
            routeId = td.getRouteId();
        } else if (trip >= 0) {
            routeId = schedule.routeId(trip);
        }
        Instant updateTime = tu.getTimestamp() > 0 ? Instant.ofEpochSecond(tu.getTimestamp()) : feedTime;
        if (updateTime.isAfter(latestAcceptable)) {
            return rejected(entity, "event.future-timestamp", "trip update for " + tripId + " has time "
                    + updateTime + ", more than " + city.maxFutureSkew() + " ahead of now", "timestamp");
        }
        LocalDate serviceDate;
        if (td.getStartDate().isEmpty()) {
            Instant observed = firstPredicted(tu);
            serviceDate = matcher.deriveServiceDate(trip, feedTime, observed == null ? feedTime : observed);
        } else {
            serviceDate = parseDate(td.getStartDate());
            if (serviceDate == null) {
                return rejected(entity, "gtfsrt.invalid-start-date", "trip " + tripId + " has start_date '"
                        + td.getStartDate() + "', not YYYYMMDD", "start_date");
            }
        }
        // A frequency-based trip's stop times are a template: shift it to the run that start_time names, and
        // do not guess when the feed does not say which run it is.
        int matchTrip = trip;
        int shift = 0;
        if (trip >= 0 && schedule.frequencyBased(trip)) {
            int start = parseTime(td.getStartTime());
            if (start < 0 || schedule.stopTimeCount(trip) == 0) {
                matchTrip = -1;
            } else {
                shift = start - schedule.departure(trip, 0);
            }
        }
        List<Rejection> rejections = new ArrayList<>();
        List<StopTimePrediction> predictions = new ArrayList<>(tu.getStopTimeUpdateCount());
        int from = 0;
        for (GtfsRealtime.TripUpdate.StopTimeUpdate stu : tu.getStopTimeUpdateList()) {
            String stopId = stu.getStopId().isEmpty() ? null : stu.getStopId();
            if (stopId != null && schedule != null && !schedule.hasStop(stopId)) {
                rejections.add(rejection(entity, "gtfsrt.unknown-stop", "trip " + tripId + " has a prediction for "
                        + "stop " + stopId + ", which the static feed does not have", Map.of("stopId", stopId)));
                continue;
            }
            Instant arrival = stu.hasArrival() && stu.getArrival().hasTime() && stu.getArrival().getTime() > 0
                    ? Instant.ofEpochSecond(stu.getArrival().getTime()) : null;
            Instant departure = stu.hasDeparture() && stu.getDeparture().hasTime() && stu.getDeparture().getTime() > 0
                    ? Instant.ofEpochSecond(stu.getDeparture().getTime()) : null;
            TripMatcher.StopMatch match = matchTrip < 0 ? null : matcher.match(matchTrip, serviceDate,
                    stu.hasStopSequence() ? stu.getStopSequence() : -1, stopId,
                    arrival != null ? arrival : departure, from, shift);
            if (match != null) {
                from = match.position() + 1;
                stopId = match.stopId();
            }
            if (stopId == null) {
                rejections.add(rejection(entity, "gtfsrt.unidentified-stop", "trip " + tripId + " has a prediction "
                        + "with stop_sequence " + stu.getStopSequence() + " and no stop_id that the static feed "
                        + "can place", Map.of("stopSequence", String.valueOf(stu.getStopSequence()))));
                continue;
            }
            Instant scheduledArrival = match == null ? null : match.scheduledArrival();
            Instant scheduledDeparture = match == null ? null : match.scheduledDeparture();
            Integer arrivalDelay = stu.hasArrival() && stu.getArrival().hasDelay()
                    ? Integer.valueOf(stu.getArrival().getDelay()) : delay(arrival, scheduledArrival);
            Integer departureDelay = stu.hasDeparture() && stu.getDeparture().hasDelay()
                    ? Integer.valueOf(stu.getDeparture().getDelay()) : delay(departure, scheduledDeparture);
            if (arrival == null && arrivalDelay != null && scheduledArrival != null) {
                arrival = scheduledArrival.plusSeconds(arrivalDelay);
            }
            if (departure == null && departureDelay != null && scheduledDeparture != null) {
                departure = scheduledDeparture.plusSeconds(departureDelay);
            }
            predictions.add(StopTimePrediction.newBuilder()
                    .setStopId(stopId)
                    .setStopSequence(stu.hasStopSequence() ? stu.getStopSequence() : null)
                    .setArrivalTime(arrival)
                    .setDepartureTime(departure)
                    .setArrivalDelaySeconds(arrivalDelay)
                    .setDepartureDelaySeconds(departureDelay)
                    .setScheduledArrivalTime(scheduledArrival)
                    .setScheduledDepartureTime(scheduledDeparture)
                    .setScheduleRelationship(stu.hasScheduleRelationship()
                            ? byName(StopTimeScheduleRelationship.class, stu.getScheduleRelationship().name(),
                            StopTimeScheduleRelationship.UNKNOWN)
                            : StopTimeScheduleRelationship.SCHEDULED)
                    .build());
        }
        TripUpdate record = TripUpdate.newBuilder()
                .setCity(city.id())
                .setFeedId(feedId)
                .setTripId(tripId)
                .setRouteId(routeId)
                .setVehicleId(tu.hasVehicle() && !tu.getVehicle().getId().isEmpty() ? tu.getVehicle().getId() : null)
                .setServiceDate(serviceDate)
                .setStartTime(td.getStartTime().isEmpty() ? null : td.getStartTime())
                .setScheduleRelationship(td.hasScheduleRelationship()
                        ? byName(TripScheduleRelationship.class, td.getScheduleRelationship().name(),
                        TripScheduleRelationship.UNKNOWN)
                        : TripScheduleRelationship.SCHEDULED)
                .setStopTimeUpdates(predictions)
                .setUpdateTime(updateTime)
                .setFeedTimestamp(feedTime)
                .setIngestedAt(ingestedAt)
                .setEventId(EventIds.of(city.id(), feedId, tripId, serviceDate, updateTime.toEpochMilli()))
                .build();
        return new Converted<>(record, rejections);
    }

    /**
     * The alert's state; {@code removed} for the record published when it left the feed.
     *
     * @param fingerprint content fingerprint of the alert, part of the eventId
     */
    ServiceAlert alert(GtfsRealtime.FeedEntity entity, long fingerprint) {
        GtfsRealtime.Alert a = entity.getAlert();
        List<ActivePeriod> periods = new ArrayList<>();
        for (GtfsRealtime.TimeRange range : a.getActivePeriodList()) {
            periods.add(new ActivePeriod(range.getStart() > 0 ? Instant.ofEpochSecond(range.getStart()) : null,
                    range.getEnd() > 0 ? Instant.ofEpochSecond(range.getEnd()) : null));
        }
        List<InformedEntity> informed = new ArrayList<>();
        for (GtfsRealtime.EntitySelector selector : a.getInformedEntityList()) {
            informed.add(InformedEntity.newBuilder()
                    .setAgencyId(selector.getAgencyId().isEmpty() ? null : selector.getAgencyId())
                    .setRouteId(selector.getRouteId().isEmpty() ? null : selector.getRouteId())
                    .setRouteType(selector.hasRouteType() ? selector.getRouteType() : null)
                    .setTripId(selector.hasTrip() && !selector.getTrip().getTripId().isEmpty()
                            ? selector.getTrip().getTripId() : null)
                    .setStopId(selector.getStopId().isEmpty() ? null : selector.getStopId())
                    .build());
        }
        return ServiceAlert.newBuilder()
                .setCity(city.id())
                .setFeedId(feedId)
                .setAlertId(entity.getId())
                .setCause(a.hasCause() ? byName(AlertCause.class, a.getCause().name(), AlertCause.UNKNOWN_CAUSE)
                        : AlertCause.UNKNOWN_CAUSE)
                .setEffect(a.hasEffect() ? byName(AlertEffect.class, a.getEffect().name(), AlertEffect.UNKNOWN_EFFECT)
                        : AlertEffect.UNKNOWN_EFFECT)
                .setSeverity(a.hasSeverityLevel() ? byName(AlertSeverity.class, a.getSeverityLevel().name(),
                        AlertSeverity.UNKNOWN_SEVERITY) : null)
                .setActivePeriods(periods)
                .setInformedEntities(informed)
                .setHeaderText(a.hasHeaderText() ? translation(a.getHeaderText()) : null)
                .setDescriptionText(a.hasDescriptionText() ? translation(a.getDescriptionText()) : null)
                .setUrl(a.hasUrl() ? translation(a.getUrl()) : null)
                .setAlertTime(feedTime)
                .setFeedTimestamp(feedTime)
                .setIngestedAt(ingestedAt)
                .setEventId(EventIds.of(city.id(), feedId, entity.getId(), false, fingerprint))
                .setRemoved(false)
                .build();
    }

    /** The record saying that an alert left the feed, as of this feed. */
    ServiceAlert removal(ServiceAlert last, long fingerprint) {
        return ServiceAlert.newBuilder(last)
                .setAlertTime(feedTime)
                .setFeedTimestamp(feedTime)
                .setIngestedAt(ingestedAt)
                .setRemoved(true)
                .setEventId(EventIds.of(city.id(), feedId, last.getAlertId(), true, fingerprint))
                .build();
    }

    private String translation(GtfsRealtime.TranslatedString text) {
        if (text.getTranslationCount() == 0) {
            return null;
        }
        for (GtfsRealtime.TranslatedString.Translation t : text.getTranslationList()) {
            if (city.language() != null && city.language().equalsIgnoreCase(t.getLanguage())) {
                return t.getText();
            }
        }
        return text.getTranslation(0).getText();
    }

    private static boolean mustBeScheduled(GtfsRealtime.TripDescriptor td) {
        // ADDED and UNSCHEDULED trips are by definition not in the static feed.
        return !td.hasScheduleRelationship()
                || td.getScheduleRelationship() == GtfsRealtime.TripDescriptor.ScheduleRelationship.SCHEDULED
                || td.getScheduleRelationship() == GtfsRealtime.TripDescriptor.ScheduleRelationship.CANCELED
                || td.getScheduleRelationship() == GtfsRealtime.TripDescriptor.ScheduleRelationship.DUPLICATED;
    }

    private static Instant firstPredicted(GtfsRealtime.TripUpdate tu) {
        for (GtfsRealtime.TripUpdate.StopTimeUpdate stu : tu.getStopTimeUpdateList()) {
            if (stu.hasArrival() && stu.getArrival().getTime() > 0) {
                return Instant.ofEpochSecond(stu.getArrival().getTime());
            }
            if (stu.hasDeparture() && stu.getDeparture().getTime() > 0) {
                return Instant.ofEpochSecond(stu.getDeparture().getTime());
            }
        }
        return null;
    }

    private static Integer delay(Instant predicted, Instant scheduled) {
        if (predicted == null || scheduled == null) {
            return null;
        }
        long seconds = predicted.getEpochSecond() - scheduled.getEpochSecond();
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, seconds));
    }

    private <V> Converted<V> rejected(GtfsRealtime.FeedEntity entity, String reason, String message, String field) {
        Map<String, String> detail = new LinkedHashMap<>();
        if (field != null) {
            detail.put("field", field);
        }
        return new Converted<>(null, List.of(rejection(entity, reason, message, detail)));
    }

    private Rejection rejection(GtfsRealtime.FeedEntity entity, String reason, String message,
                                Map<String, String> detail) {
        Map<String, String> all = new LinkedHashMap<>(detail);
        all.put("entityId", entity.getId());
        all.put("feedTimestamp", feedTime.toString());
        return new Rejection(SOURCE, reason, message, city.id(), feedId, origin, entity.toByteArray(),
                "application/x-protobuf", all);
    }

    private static LocalDate parseDate(String text) {
        try {
            return LocalDate.parse(text, GTFS_DATE);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Seconds of an HH:MM:SS start_time, or -1. */
    private static int parseTime(String text) {
        String[] parts = text.split(":");
        if (parts.length != 3) {
            return -1;
        }
        try {
            return Integer.parseInt(parts[0]) * 3600 + Integer.parseInt(parts[1]) * 60 + Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static <E extends Enum<E>> E byName(Class<E> type, String name, E fallback) {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }
}
