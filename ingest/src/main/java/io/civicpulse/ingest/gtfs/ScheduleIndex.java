package io.civicpulse.ingest.gtfs;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One version of a city's static schedule in compact, immutable form: what the GTFS-Realtime poller needs to
 * complete Sofia's absolute-time predictions (a trip's route and scheduled stop times, the visits of a stop in a
 * trip, whether a trip runs on a service date) and what the loader publishes as reference records. Ids are
 * interned and stop times are parallel int arrays grouped by trip, so 30,000 trips with a million stop times
 * take a few tens of MB; lookups by trip are array reads. Safe to share between threads.
 */
public final class ScheduleIndex {

    /** A time field that the feed leaves empty and that could not be interpolated. */
    public static final int NO_TIME = Integer.MIN_VALUE;

    /** One row of routes.txt. */
    public record RouteInfo(String routeId, String agencyId, String shortName, String longName, int routeType) {
    }

    /** One row of stops.txt. */
    public record StopInfo(String stopId, String name, double latitude, double longitude, String parentStation,
                           int locationType) {
    }

    /** One row of frequencies.txt: the trip's template runs every headway from start (inclusive) to end. */
    public record Frequency(int startSeconds, int endSeconds, int headwaySeconds, boolean exactTimes) {
    }

    private final String feedVersion;
    private final IdTable routes;
    private final List<RouteInfo> routeInfo;
    private final IdTable stops;
    private final List<StopInfo> stopInfo;
    private final IdTable trips;
    private final int[] tripRoute;
    private final int[] tripService;
    private final byte[] tripDirection;
    private final String[] tripHeadsign;
    private final String[] tripBlock;
    private final int[] tripOffset;
    private final int[] stopTimeStop;
    private final int[] stopTimeSequence;
    private final int[] stopTimeArrival;
    private final int[] stopTimeDeparture;
    private final IdTable services;
    private final int[][] serviceDays;
    private final int[][] serviceTrips;
    private final Map<Integer, List<Frequency>> frequencies;

    ScheduleIndex(String feedVersion, IdTable routes, List<RouteInfo> routeInfo, IdTable stops,
                  List<StopInfo> stopInfo, IdTable trips, int[] tripRoute, int[] tripService, byte[] tripDirection,
                  String[] tripHeadsign, String[] tripBlock, int[] tripOffset, int[] stopTimeStop,
                  int[] stopTimeSequence, int[] stopTimeArrival, int[] stopTimeDeparture, IdTable services,
                  int[][] serviceDays, Map<Integer, List<Frequency>> frequencies) {
        this.feedVersion = feedVersion;
        this.routes = routes;
        this.routeInfo = routeInfo;
        this.stops = stops;
        this.stopInfo = stopInfo;
        this.trips = trips;
        this.tripRoute = tripRoute;
        this.tripService = tripService;
        this.tripDirection = tripDirection;
        this.tripHeadsign = tripHeadsign;
        this.tripBlock = tripBlock;
        this.tripOffset = tripOffset;
        this.stopTimeStop = stopTimeStop;
        this.stopTimeSequence = stopTimeSequence;
        this.stopTimeArrival = stopTimeArrival;
        this.stopTimeDeparture = stopTimeDeparture;
        this.services = services;
        this.serviceDays = serviceDays;
        this.frequencies = frequencies;
        int[] perService = new int[services.size()];
        for (int service : tripService) {
            perService[service]++;
        }
        this.serviceTrips = new int[services.size()][];
        for (int s = 0; s < perService.length; s++) {
            serviceTrips[s] = new int[perService[s]];
            perService[s] = 0;
        }
        for (int t = 0; t < tripService.length; t++) {
            serviceTrips[tripService[t]][perService[tripService[t]]++] = t;
        }
    }

    /** The version of the static feed: its ETag, or the SHA-256 of the zip. */
    public String feedVersion() {
        return feedVersion;
    }

    public int routeCount() {
        return routes.size();
    }

    public int stopCount() {
        return stops.size();
    }

    public int tripCount() {
        return trips.size();
    }

    public int stopTimeCount() {
        return stopTimeStop.length;
    }

    public int serviceCount() {
        return services.size();
    }

    public List<RouteInfo> routes() {
        return routeInfo;
    }

    public List<StopInfo> stops() {
        return stopInfo;
    }

    public boolean hasRoute(String routeId) {
        return routes.contains(routeId);
    }

    public boolean hasStop(String stopId) {
        return stops.contains(stopId);
    }

    public StopInfo stop(String stopId) {
        int index = stops.indexOf(stopId);
        return index < 0 ? null : stopInfo.get(index);
    }

    /** The trip's index for the other trip methods, or -1 when the schedule has no such trip. */
    public int tripIndex(String tripId) {
        return trips.indexOf(tripId);
    }

    public String tripId(int trip) {
        return trips.id(trip);
    }

    public String routeId(int trip) {
        return routes.id(tripRoute[trip]);
    }

    public String serviceId(int trip) {
        return services.id(tripService[trip]);
    }

    /** direction_id, or -1 when empty. */
    public int directionId(int trip) {
        return tripDirection[trip];
    }

    public String headsign(int trip) {
        return tripHeadsign[trip];
    }

    public String blockId(int trip) {
        return tripBlock[trip];
    }

    public int stopTimeCount(int trip) {
        return tripOffset[trip + 1] - tripOffset[trip];
    }

    /** stop_id of the trip's i-th stop time (0-based, in stop_sequence order). */
    public String stopId(int trip, int i) {
        return stops.id(stopTimeStop[tripOffset[trip] + i]);
    }

    public int stopSequence(int trip, int i) {
        return stopTimeSequence[tripOffset[trip] + i];
    }

    /** Scheduled arrival in GTFS seconds of the service day; {@link #NO_TIME} when unknown. */
    public int arrival(int trip, int i) {
        return stopTimeArrival[tripOffset[trip] + i];
    }

    /** Scheduled departure in GTFS seconds of the service day; {@link #NO_TIME} when unknown. */
    public int departure(int trip, int i) {
        return stopTimeDeparture[tripOffset[trip] + i];
    }

    /** Positions (0-based) at which the trip visits the stop, in order: more than one on loop routes. */
    public int[] visits(int trip, String stopId) {
        int stop = stops.indexOf(stopId);
        if (stop < 0) {
            return new int[0];
        }
        int from = tripOffset[trip];
        int to = tripOffset[trip + 1];
        int n = 0;
        for (int i = from; i < to; i++) {
            if (stopTimeStop[i] == stop) {
                n++;
            }
        }
        int[] positions = new int[n];
        n = 0;
        for (int i = from; i < to; i++) {
            if (stopTimeStop[i] == stop) {
                positions[n++] = i - from;
            }
        }
        return positions;
    }

    /** The position of the stop time with this stop_sequence, or -1. */
    public int positionOfSequence(int trip, int stopSequence) {
        int from = tripOffset[trip];
        int to = tripOffset[trip + 1];
        for (int i = from; i < to; i++) {
            if (stopTimeSequence[i] == stopSequence) {
                return i - from;
            }
        }
        return -1;
    }

    public boolean frequencyBased(int trip) {
        return frequencies.containsKey(trip);
    }

    public List<Frequency> frequencies(int trip) {
        return frequencies.getOrDefault(trip, List.of());
    }

    /** Whether the trip's service runs on the service date (calendar.txt and calendar_dates.txt combined). */
    public boolean runsOn(int trip, LocalDate serviceDate) {
        return Arrays.binarySearch(serviceDays[tripService[trip]], (int) serviceDate.toEpochDay()) >= 0;
    }

    /** The trips active on a service date: the denominator of served and missing trips. */
    public List<String> activeTripIds(LocalDate serviceDate) {
        int day = (int) serviceDate.toEpochDay();
        List<String> active = new ArrayList<>();
        for (int s = 0; s < serviceDays.length; s++) {
            if (Arrays.binarySearch(serviceDays[s], day) >= 0) {
                for (int trip : serviceTrips[s]) {
                    active.add(trips.id(trip));
                }
            }
        }
        return active;
    }

    public List<String> serviceIds() {
        List<String> ids = new ArrayList<>(services.size());
        for (int s = 0; s < services.size(); s++) {
            ids.add(services.id(s));
        }
        return ids;
    }

    /** The dates the service runs, ascending. */
    public List<LocalDate> serviceDates(String serviceId) {
        int s = services.indexOf(serviceId);
        if (s < 0) {
            return List.of();
        }
        List<LocalDate> dates = new ArrayList<>(serviceDays[s].length);
        for (int day : serviceDays[s]) {
            dates.add(LocalDate.ofEpochDay(day));
        }
        return dates;
    }
}
