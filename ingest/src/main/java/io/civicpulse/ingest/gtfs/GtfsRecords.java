package io.civicpulse.ingest.gtfs;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import io.civicpulse.schemas.reference.FrequencyPeriod;
import io.civicpulse.schemas.reference.Route;
import io.civicpulse.schemas.reference.ScheduledStopTime;
import io.civicpulse.schemas.reference.ScheduledTrip;
import io.civicpulse.schemas.reference.ServiceCalendar;
import io.civicpulse.schemas.reference.Stop;
import io.civicpulse.schemas.reference.TransitMode;

/** The reference records of a schedule, as the Avro contracts define them. */
public final class GtfsRecords {

    private GtfsRecords() {
    }

    /** Transport mode of a GTFS route_type, basic or extended, as {@code Route.mode} documents it. */
    public static TransitMode mode(int routeType) {
        return switch (routeType) {
            case 0 -> TransitMode.TRAM;
            case 1 -> TransitMode.SUBWAY;
            case 2 -> TransitMode.RAIL;
            case 3 -> TransitMode.BUS;
            case 4 -> TransitMode.FERRY;
            case 5, 6, 7 -> TransitMode.CABLE;
            case 11 -> TransitMode.TROLLEYBUS;
            case 12 -> TransitMode.OTHER;
            default -> {
                if (routeType >= 100 && routeType <= 199) {
                    yield TransitMode.RAIL;
                } else if (routeType >= 200 && routeType <= 299 || routeType >= 700 && routeType <= 799) {
                    yield TransitMode.BUS;
                } else if (routeType >= 400 && routeType <= 499) {
                    yield TransitMode.SUBWAY;
                } else if (routeType >= 800 && routeType <= 899) {
                    yield TransitMode.TROLLEYBUS;
                } else if (routeType >= 900 && routeType <= 999) {
                    yield TransitMode.TRAM;
                } else if (routeType >= 1000 && routeType <= 1299) {
                    yield TransitMode.FERRY;
                } else if (routeType >= 1300 && routeType <= 1499) {
                    yield TransitMode.CABLE;
                }
                yield TransitMode.OTHER;
            }
        };
    }

    public static Route route(String city, ScheduleIndex.RouteInfo route, String feedVersion, Instant updatedAt) {
        return Route.newBuilder()
                .setCity(city)
                .setRouteId(route.routeId())
                .setAgencyId(route.agencyId())
                .setShortName(route.shortName())
                .setLongName(route.longName())
                .setMode(mode(route.routeType()))
                .setGtfsRouteType(route.routeType())
                .setFeedVersion(feedVersion)
                .setUpdatedAt(updatedAt)
                .build();
    }

    /** @param district the district containing the stop (from the city's boundaries), or null */
    public static Stop stop(String city, ScheduleIndex.StopInfo stop, String district, String feedVersion,
                            Instant updatedAt) {
        return Stop.newBuilder()
                .setCity(city)
                .setStopId(stop.stopId())
                .setName(stop.name())
                .setLatitude(stop.latitude())
                .setLongitude(stop.longitude())
                .setDistrict(district)
                .setParentStation(stop.parentStation())
                .setLocationType(stop.locationType())
                .setFeedVersion(feedVersion)
                .setUpdatedAt(updatedAt)
                .build();
    }

    public static ScheduledTrip trip(String city, ScheduleIndex schedule, int trip, String feedVersion,
                                     Instant updatedAt) {
        int n = schedule.stopTimeCount(trip);
        List<ScheduledStopTime> stopTimes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            stopTimes.add(new ScheduledStopTime(schedule.stopId(trip, i), schedule.stopSequence(trip, i),
                    orZero(schedule.arrival(trip, i)), orZero(schedule.departure(trip, i))));
        }
        int direction = schedule.directionId(trip);
        return ScheduledTrip.newBuilder()
                .setCity(city)
                .setTripId(schedule.tripId(trip))
                .setRouteId(schedule.routeId(trip))
                .setServiceId(schedule.serviceId(trip))
                .setDirectionId(direction < 0 ? null : direction)
                .setHeadsign(schedule.headsign(trip))
                .setBlockId(schedule.blockId(trip))
                .setFrequencyBased(schedule.frequencyBased(trip))
                .setStopTimes(stopTimes)
                .setFrequencies(schedule.frequencies(trip).stream()
                        .map(f -> new FrequencyPeriod(f.startSeconds(), f.endSeconds(), f.headwaySeconds(),
                                f.exactTimes()))
                        .toList())
                .setFeedVersion(feedVersion)
                .setUpdatedAt(updatedAt)
                .build();
    }

    public static ServiceCalendar calendar(String city, ScheduleIndex schedule, String serviceId, String feedVersion,
                                           Instant updatedAt) {
        List<LocalDate> dates = schedule.serviceDates(serviceId);
        return ServiceCalendar.newBuilder()
                .setCity(city)
                .setServiceId(serviceId)
                .setActiveDates(dates)
                .setFeedVersion(feedVersion)
                .setUpdatedAt(updatedAt)
                .build();
    }

    /** A trip whose times are all empty has none to offer; 0 keeps the record valid and is reported by the reader. */
    private static int orZero(int seconds) {
        return seconds == ScheduleIndex.NO_TIME ? 0 : seconds;
    }
}
