package io.civicpulse.ingest.gtfsrt;

import java.time.OffsetDateTime;

import com.google.transit.realtime.GtfsRealtime;
import com.google.transit.realtime.GtfsRealtime.FeedEntity;
import com.google.transit.realtime.GtfsRealtime.TripUpdate.StopTimeUpdate;

/** GTFS-Realtime messages shaped like Sofia's: absolute times only, stop_sequence 0, empty start_date. */
final class Feeds {

    private Feeds() {
    }

    /** Epoch seconds of a Sofia local time in summer, e.g. {@code 2025-06-10T08:05:00}. */
    static long sofia(String localDateTime) {
        return OffsetDateTime.parse(localDateTime + "+03:00").toEpochSecond();
    }

    static GtfsRealtime.FeedMessage feed(long timestamp, FeedEntity... entities) {
        GtfsRealtime.FeedMessage.Builder feed = GtfsRealtime.FeedMessage.newBuilder()
                .setHeader(GtfsRealtime.FeedHeader.newBuilder().setGtfsRealtimeVersion("2.0")
                        .setIncrementality(GtfsRealtime.FeedHeader.Incrementality.FULL_DATASET)
                        .setTimestamp(timestamp));
        for (FeedEntity entity : entities) {
            feed.addEntity(entity);
        }
        return feed.build();
    }

    static FeedEntity vehicle(String vehicleId, String tripId, double lat, double lon, long timestamp) {
        GtfsRealtime.VehiclePosition.Builder v = GtfsRealtime.VehiclePosition.newBuilder()
                .setVehicle(GtfsRealtime.VehicleDescriptor.newBuilder().setId(vehicleId).setLabel("#" + vehicleId))
                .setPosition(GtfsRealtime.Position.newBuilder().setLatitude((float) lat).setLongitude((float) lon)
                        .setSpeed(8.5f))
                .setCurrentStatus(GtfsRealtime.VehiclePosition.VehicleStopStatus.IN_TRANSIT_TO)
                .setTimestamp(timestamp);
        if (tripId != null) {
            v.setTrip(GtfsRealtime.TripDescriptor.newBuilder().setTripId(tripId).setStartDate("").setStartTime("")
                    .setScheduleRelationship(GtfsRealtime.TripDescriptor.ScheduleRelationship.SCHEDULED));
        }
        return FeedEntity.newBuilder().setId("v-" + vehicleId).setVehicle(v).build();
    }

    static FeedEntity tripUpdate(String tripId, long timestamp, StopTimeUpdate... updates) {
        GtfsRealtime.TripUpdate.Builder tu = GtfsRealtime.TripUpdate.newBuilder()
                .setTrip(GtfsRealtime.TripDescriptor.newBuilder().setTripId(tripId).setStartDate("").setStartTime("")
                        .setScheduleRelationship(GtfsRealtime.TripDescriptor.ScheduleRelationship.SCHEDULED))
                .setTimestamp(timestamp);
        for (StopTimeUpdate update : updates) {
            tu.addStopTimeUpdate(update);
        }
        return FeedEntity.newBuilder().setId("tu-" + tripId).setTripUpdate(tu).build();
    }

    /** A Sofia stop time update: stop_sequence 0 and an absolute arrival time. */
    static StopTimeUpdate arrival(String stopId, long time) {
        return StopTimeUpdate.newBuilder().setStopSequence(0).setStopId(stopId)
                .setArrival(GtfsRealtime.TripUpdate.StopTimeEvent.newBuilder().setTime(time)).build();
    }

    static FeedEntity alert(String id, String routeId, String text) {
        return FeedEntity.newBuilder().setId(id).setAlert(GtfsRealtime.Alert.newBuilder()
                .addActivePeriod(GtfsRealtime.TimeRange.newBuilder().setStart(sofia("2025-06-10T06:00:00")))
                .addInformedEntity(GtfsRealtime.EntitySelector.newBuilder().setRouteId(routeId))
                .setCause(GtfsRealtime.Alert.Cause.CONSTRUCTION)
                .setEffect(GtfsRealtime.Alert.Effect.DETOUR)
                .setHeaderText(GtfsRealtime.TranslatedString.newBuilder()
                        .addTranslation(GtfsRealtime.TranslatedString.Translation.newBuilder()
                                .setLanguage("en").setText(text + " (en)"))
                        .addTranslation(GtfsRealtime.TranslatedString.Translation.newBuilder()
                                .setLanguage("bg").setText(text))))
                .build();
    }
}
