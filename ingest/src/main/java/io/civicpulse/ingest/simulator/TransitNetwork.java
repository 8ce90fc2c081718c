package io.civicpulse.ingest.simulator;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A generated city network as its static GTFS feed describes it: routes, stops, stop patterns, trips with their
 * vehicle blocks, the service calendar (calendar_dates only, as Sofia's) and one frequency-based route. Immutable;
 * everything the simulator serves, and every ground-truth answer, is derived from it.
 */
public final class TransitNetwork {

    /** How a route runs: an ordinary two-way line, a loop that visits stops twice, or a frequencies.txt route. */
    public enum RouteKind { LINE, LOOP, FREQUENCY }

    /** The three day types of Sofia's timetables; public holidays run the Sunday timetable. */
    public enum Service {
        WEEKDAY("weekday", 1), SATURDAY("saturday", 6), SUNDAY_HOLIDAY("sunday-holiday", 7);

        private final String id;
        private final int dayType;

        Service(String id, int dayType) {
            this.id = id;
            this.dayType = dayType;
        }

        /** The GTFS service_id. */
        public String id() {
            return id;
        }

        /** The day-type digit inside Sofia-shaped trip ids. */
        public int dayType() {
            return dayType;
        }
    }

    /**
     * @param realtime false for a route the simulated AVL system does not cover: it is scheduled but never live
     */
    public record Route(int index, String id, String shortName, String longName, TransitMode mode, RouteKind kind,
                        boolean realtime) {
    }

    public record Stop(int index, String id, String code, String name, double lat, double lon, String districtId,
                       TransitMode mode) {
    }

    /** A sequence of stop visits with scheduled offsets (seconds from the trip's first departure). */
    public static final class Pattern {
        private final int index;
        private final int routeIndex;
        private final int directionId;
        private final String headsign;
        private final int[] stops;
        private final int[] offsets;

        Pattern(int index, int routeIndex, int directionId, String headsign, int[] stops, int[] offsets) {
            if (stops.length != offsets.length || stops.length < 2) {
                throw new IllegalArgumentException("a pattern needs at least two stops and one offset per stop");
            }
            this.index = index;
            this.routeIndex = routeIndex;
            this.directionId = directionId;
            this.headsign = headsign;
            this.stops = stops.clone();
            this.offsets = offsets.clone();
        }

        public int index() {
            return index;
        }

        public int routeIndex() {
            return routeIndex;
        }

        public int directionId() {
            return directionId;
        }

        public String headsign() {
            return headsign;
        }

        public int size() {
            return stops.length;
        }

        /** Index into {@link TransitNetwork#stops()} of the i-th visit. */
        public int stopAt(int visit) {
            return stops[visit];
        }

        /** Scheduled seconds from the first departure to the i-th visit. */
        public int offsetAt(int visit) {
            return offsets[visit];
        }

        public int duration() {
            return offsets[offsets.length - 1];
        }
    }

    /**
     * @param ordinal       position in {@link TransitNetwork#trips()}
     * @param startSeconds  GTFS time of the first departure (may exceed 24 h)
     * @param vehicleId     the block's vehicle: the same vehicle drives consecutive trips of a block
     */
    public record Trip(int ordinal, String id, int routeIndex, int patternIndex, Service service, int startSeconds,
                       String vehicleId) {
    }

    /** One frequencies.txt row (exact_times 0: the timetable is a headway, not a list of departures). */
    public record Frequency(int tripOrdinal, int startSeconds, int endSeconds, int headwaySeconds) {
    }

    private final CityProfile city;
    private final long seed;
    private final NetworkSize size;
    private final LocalDate firstDate;
    private final LocalDate lastDate;
    private final List<Route> routes;
    private final List<Stop> stops;
    private final List<Pattern> patterns;
    private final List<Trip> trips;
    private final List<Frequency> frequencies;
    private final Map<Service, Trip[]> tripsByService = new EnumMap<>(Service.class);
    private final Map<String, Trip> tripsById = new HashMap<>();
    private final int longestTripSeconds;

    TransitNetwork(CityProfile city, long seed, NetworkSize size, LocalDate firstDate, LocalDate lastDate,
                   List<Route> routes, List<Stop> stops, List<Pattern> patterns, List<Trip> trips,
                   List<Frequency> frequencies) {
        this.city = city;
        this.seed = seed;
        this.size = size;
        this.firstDate = firstDate;
        this.lastDate = lastDate;
        this.routes = List.copyOf(routes);
        this.stops = List.copyOf(stops);
        this.patterns = List.copyOf(patterns);
        this.trips = List.copyOf(trips);
        this.frequencies = List.copyOf(frequencies);
        int longest = 0;
        Map<Service, List<Trip>> grouped = new EnumMap<>(Service.class);
        for (Trip t : trips) {
            if (tripsById.put(t.id(), t) != null) {
                throw new IllegalStateException("duplicate trip id " + t.id());
            }
            grouped.computeIfAbsent(t.service(), s -> new ArrayList<>()).add(t);
            longest = Math.max(longest, patterns.get(t.patternIndex()).duration());
        }
        for (Service s : Service.values()) {
            Trip[] sorted = grouped.getOrDefault(s, List.of()).toArray(Trip[]::new);
            Arrays.sort(sorted, (a, b) -> Integer.compare(a.startSeconds(), b.startSeconds()));
            tripsByService.put(s, sorted);
        }
        this.longestTripSeconds = longest;
    }

    public CityProfile city() {
        return city;
    }

    public long seed() {
        return seed;
    }

    public NetworkSize size() {
        return size;
    }

    /** First service date of calendar_dates.txt. */
    public LocalDate firstDate() {
        return firstDate;
    }

    /** Last service date of calendar_dates.txt. */
    public LocalDate lastDate() {
        return lastDate;
    }

    public List<Route> routes() {
        return routes;
    }

    public List<Stop> stops() {
        return stops;
    }

    public List<Pattern> patterns() {
        return patterns;
    }

    public List<Trip> trips() {
        return trips;
    }

    public List<Frequency> frequencies() {
        return frequencies;
    }

    public Route route(Trip trip) {
        return routes.get(trip.routeIndex());
    }

    public Pattern pattern(Trip trip) {
        return patterns.get(trip.patternIndex());
    }

    public Optional<Trip> trip(String tripId) {
        return Optional.ofNullable(tripsById.get(tripId));
    }

    int longestTripSeconds() {
        return longestTripSeconds;
    }

    /** The timetable that runs on a date, or empty outside the feed's validity. */
    public Optional<Service> serviceOn(LocalDate date) {
        if (date.isBefore(firstDate) || date.isAfter(lastDate)) {
            return Optional.empty();
        }
        if (city.isHoliday(date) || date.getDayOfWeek() == DayOfWeek.SUNDAY) {
            return Optional.of(Service.SUNDAY_HOLIDAY);
        }
        return Optional.of(date.getDayOfWeek() == DayOfWeek.SATURDAY ? Service.SATURDAY : Service.WEEKDAY);
    }

    /** The active set of a service date: every trip whose service runs that day (none outside the feed's dates). */
    public List<Trip> activeTrips(LocalDate serviceDate) {
        return serviceOn(serviceDate).map(s -> Collections.unmodifiableList(Arrays.asList(tripsByService.get(s))))
                .orElse(List.of());
    }

    /** The trips of a timetable sorted by first departure. */
    Trip[] timetable(Service service) {
        return tripsByService.get(service);
    }
}
