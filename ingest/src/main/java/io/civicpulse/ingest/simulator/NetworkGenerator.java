package io.civicpulse.ingest.simulator;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.civicpulse.ingest.simulator.TransitNetwork.Frequency;
import io.civicpulse.ingest.simulator.TransitNetwork.Pattern;
import io.civicpulse.ingest.simulator.TransitNetwork.Route;
import io.civicpulse.ingest.simulator.TransitNetwork.RouteKind;
import io.civicpulse.ingest.simulator.TransitNetwork.Service;
import io.civicpulse.ingest.simulator.TransitNetwork.Stop;
import io.civicpulse.ingest.simulator.TransitNetwork.Trip;

/**
 * Generates a Sofia-like {@link TransitNetwork} from a city profile, a seed and a size. Everything is drawn from
 * one {@link SplittableRandom} seeded from the seed and the city id, in a fixed order, so the same inputs give
 * the same network, byte for byte, on every machine.
 *
 * <p>Shape of what it makes: about 11% tram and 9% trolleybus routes, the rest bus; routes of 2.5-7 km with stops
 * every 350-550 m, snapped to a nearby stop of the same mode so that routes share stops; one bus route is a loop
 * (a stem and a ring, so it visits three stops twice), one runs from frequencies.txt and is not covered by the
 * real-time system; about a third of the routes also run at night, after midnight, with GTFS times past 24:00:00.
 * Headways follow a weekday profile with morning and evening rush hours and flatter weekend profiles.
 */
public final class NetworkGenerator {

    static final double METERS_PER_DEGREE = 111_320.0;
    /** First departures of the day; earlier trips belong to the previous service date's night. */
    private static final int DAY_START = 4 * 3600 + 30 * 60;
    /** Last daytime departure: 24:20:00, i.e. 00:20 on the next calendar day. */
    private static final int DAY_END = 24 * 3600 + 20 * 60;
    /** Last night departure, so that night trips end before the next service date's first ones start. */
    private static final int NIGHT_END = 27 * 3600 + 20 * 60;
    /** A block (vehicle) is not reused until this long after its previous trip's scheduled end, so that even a
     *  very late trip never overlaps the next one of the same vehicle. */
    private static final int BLOCK_LAYOVER = 30 * 60;

    private static final String[] LANDMARKS_BG = {"Метростанция", "Училище", "Пазар", "Поликлиника", "Църква",
        "Читалище", "Парк", "Стадион", "Университет", "Болница", "Гара", "Площад", "Кв.", "бул.", "ул."};
    private static final String[] LANDMARKS_ES = {"Plaza", "Mercado", "Colegio", "Hospital", "Estación", "Iglesia",
        "Parque", "Avenida", "Calle", "Universidad", "Ayuntamiento", "Centro de Salud", "Paseo", "Glorieta"};

    private final CityProfile city;
    private final long seed;
    private final NetworkSize size;
    private final SplittableRandom rng;
    private final List<Stop> stops = new ArrayList<>();
    private final Map<TransitMode, Integer> nextStopNumber = new HashMap<>();
    private final Map<Long, List<Stop>> stopGrid = new HashMap<>();

    private NetworkGenerator(CityProfile city, long seed, NetworkSize size) {
        this.city = city;
        this.seed = seed;
        this.size = size;
        this.rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ city.id().hashCode());
    }

    /**
     * @param firstDate first service date of the calendar
     * @param lastDate  last service date of the calendar (inclusive)
     */
    public static TransitNetwork generate(CityProfile city, long seed, NetworkSize size, LocalDate firstDate,
                                          LocalDate lastDate) {
        if (lastDate.isBefore(firstDate)) {
            throw new IllegalArgumentException("calendar ends (" + lastDate + ") before it starts (" + firstDate + ")");
        }
        return new NetworkGenerator(city, seed, size).build(firstDate, lastDate);
    }

    private TransitNetwork build(LocalDate firstDate, LocalDate lastDate) {
        int trams = Math.max(1, (int) Math.round(size.routes() * 0.11));
        int trolleys = Math.max(1, (int) Math.round(size.routes() * 0.09));
        int buses = size.routes() - trams - trolleys;
        List<Route> routes = new ArrayList<>();
        addRoutes(routes, TransitMode.TRAM, trams);
        addRoutes(routes, TransitMode.TROLLEYBUS, trolleys);
        addRoutes(routes, TransitMode.BUS, buses);

        List<Pattern> patterns = new ArrayList<>();
        Map<Integer, List<Pattern>> patternsByRoute = new HashMap<>();
        for (Route r : List.copyOf(routes)) {
            List<Pattern> own = r.kind() == RouteKind.LOOP ? loopPatterns(r, patterns.size())
                    : linePatterns(r, patterns.size());
            patterns.addAll(own);
            patternsByRoute.put(r.index(), own);
            // route_long_name as Sofia writes it: the two termini.
            String first = stops.get(own.get(0).stopAt(0)).name();
            Pattern out = own.get(0);
            String far = stops.get(out.stopAt(r.kind() == RouteKind.LOOP ? out.size() / 2 : out.size() - 1)).name();
            routes.set(r.index(), new Route(r.index(), r.id(), r.shortName(), first + " - " + far, r.mode(), r.kind(),
                    r.realtime()));
        }

        List<Trip> trips = new ArrayList<>();
        List<Frequency> frequencies = new ArrayList<>();
        Set<String> tripIds = new HashSet<>();
        int[] nextBlock = new int[TransitMode.values().length];
        for (TransitMode m : TransitMode.values()) {
            nextBlock[m.ordinal()] = 100 + rng.nextInt(100);
        }
        for (Service service : Service.values()) {
            for (Route r : routes) {
                double baseHeadway = 60 * (r.mode() == TransitMode.TRAM ? 5.8 + rng.nextDouble() * 3.5
                        : 5.8 + rng.nextDouble() * 4.5);
                boolean night = r.kind() == RouteKind.LINE && rng.nextDouble() < 0.3;
                double nightHeadway = 60 * (10 + rng.nextInt(6));
                List<int[]> departures = new ArrayList<>(); // {patternIndex, startSeconds}
                for (Pattern p : patternsByRoute.get(r.index())) {
                    if (r.kind() == RouteKind.FREQUENCY) {
                        departures.add(new int[] {p.index(), 6 * 3600});
                        continue;
                    }
                    int t = DAY_START + 60 * rng.nextInt(12);
                    while (t <= DAY_END) {
                        departures.add(new int[] {p.index(), t});
                        t += roundToMinute(Math.max(120, baseHeadway / weight(service, t)));
                    }
                    if (night) {
                        t = Math.max(t, 24 * 3600 + 40 * 60);
                        while (t <= NIGHT_END) {
                            departures.add(new int[] {p.index(), t});
                            t += roundToMinute(nightHeadway);
                        }
                    }
                }
                departures.sort((a, b) -> Integer.compare(a[1], b[1]));
                List<int[]> blocks = new ArrayList<>(); // {blockNumber, availableAt, tripsDriven}
                for (int[] d : departures) {
                    Pattern p = patterns.get(d[0]);
                    int[] block = null;
                    for (int[] b : blocks) {
                        if (b[1] <= d[1]) {
                            block = b;
                            break;
                        }
                    }
                    if (block == null) {
                        block = new int[] {nextBlock[r.mode().ordinal()]++, 0, 0};
                        blocks.add(block);
                    }
                    block[1] = d[1] + p.duration() + BLOCK_LAYOVER;
                    block[2]++;
                    String vehicle = r.mode().prefix() + block[0];
                    String id;
                    do {
                        id = r.id() + "-" + vehicle + "-" + service.dayType() + "-" + block[2] + "-"
                                + (5_000_000_000L + rng.nextLong(4_999_999_999L));
                    } while (!tripIds.add(id));
                    Trip trip = new Trip(trips.size(), id, r.index(), p.index(), service, d[1], vehicle);
                    trips.add(trip);
                    if (r.kind() == RouteKind.FREQUENCY) {
                        frequencies.add(new Frequency(trip.ordinal(), 6 * 3600, 9 * 3600, 600));
                        frequencies.add(new Frequency(trip.ordinal(), 9 * 3600, 16 * 3600, 900));
                        frequencies.add(new Frequency(trip.ordinal(), 16 * 3600, 20 * 3600, 600));
                        frequencies.add(new Frequency(trip.ordinal(), 20 * 3600, 23 * 3600, 1200));
                    }
                }
            }
        }
        return new TransitNetwork(city, seed, size, firstDate, lastDate, routes, stops, patterns, trips, frequencies);
    }

    /**
     * Relative frequency of departures by time of day: rush hours 1.0, midday 0.65, late evening 0.35 on
     * weekdays; a flatter, lower curve at weekends.
     */
    static double weight(Service service, int gtfsSeconds) {
        int hour = Math.min(24, gtfsSeconds / 3600);
        double[] weekday = {0.35, 0.3, 0.3, 0.3, 0.3, 0.55, 0.85, 1.0, 1.0, 0.8, 0.65, 0.65, 0.65, 0.65, 0.65, 0.7,
            0.85, 1.0, 0.95, 0.75, 0.6, 0.5, 0.45, 0.4, 0.35};
        double[] saturday = {0.3, 0.25, 0.25, 0.25, 0.25, 0.35, 0.45, 0.55, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
            0.6, 0.6, 0.6, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3};
        return switch (service) {
            case WEEKDAY -> weekday[hour];
            case SATURDAY -> saturday[hour];
            case SUNDAY_HOLIDAY -> saturday[hour] * 0.85;
        };
    }

    private void addRoutes(List<Route> routes, TransitMode mode, int count) {
        // Numbers from a shuffled pool a third larger than needed: gaps like a real network, and two cities
        // generated with the same scheme share most route ids, as the multi-city tests need.
        int pool = count + count / 3 + 2;
        int[] numbers = new int[pool];
        for (int i = 0; i < pool; i++) {
            numbers[i] = i + 1;
        }
        for (int i = pool - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = numbers[i];
            numbers[i] = numbers[j];
            numbers[j] = tmp;
        }
        int[] chosen = java.util.Arrays.copyOf(numbers, count);
        java.util.Arrays.sort(chosen);
        for (int i = 0; i < count; i++) {
            RouteKind kind = mode == TransitMode.BUS && i == 0 ? RouteKind.LOOP
                    : mode == TransitMode.BUS && i == 1 ? RouteKind.FREQUENCY : RouteKind.LINE;
            String shortName = Integer.toString(chosen[i]);
            routes.add(new Route(routes.size(), mode.prefix() + shortName, shortName, "", mode, kind,
                    kind != RouteKind.FREQUENCY));
        }
    }

    private List<Pattern> linePatterns(Route route, int firstIndex) {
        District from = weightedDistrict();
        double lat0 = from.lat() + (rng.nextDouble() - 0.5) * 0.02;
        double lon0 = from.lon() + (rng.nextDouble() - 0.5) * 0.03;
        double length = route.mode() == TransitMode.TRAM ? 3000 + rng.nextDouble() * 3000 : 2300 + rng.nextDouble() * 4000;
        double angle = rng.nextDouble() * 2 * Math.PI;
        double[] end = clampedEnd(lat0, lon0, length, angle);
        double spacing = 350 + rng.nextDouble() * 200;
        double actualLength = distance(lat0, lon0, end[0], end[1]);
        int n = Math.max(6, (int) Math.round(actualLength / spacing) + 1);
        double bend = (rng.nextDouble() - 0.5) * 1200;
        List<Integer> visits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double f = i / (double) (n - 1);
            double[] p = alongWithBend(lat0, lon0, end[0], end[1], f, bend);
            visits.add(stopNear(route.mode(), p[0], p[1], visits));
        }
        int[] forward = visits.stream().mapToInt(Integer::intValue).toArray();
        int[] backward = new int[forward.length];
        for (int i = 0; i < forward.length; i++) {
            backward[i] = forward[forward.length - 1 - i];
        }
        return List.of(pattern(firstIndex, route, 0, forward), pattern(firstIndex + 1, route, 1, backward));
    }

    /** A stem of three stops and a ring of eight: T, x, a, r1..r8, a, x, T (T, x and a are visited twice). */
    private List<Pattern> loopPatterns(Route route, int firstIndex) {
        District from = weightedDistrict();
        double angle = rng.nextDouble() * 2 * Math.PI;
        double[] stemEnd = clampedEnd(from.lat(), from.lon(), 900, angle);
        List<Integer> stem = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            double[] p = alongWithBend(from.lat(), from.lon(), stemEnd[0], stemEnd[1], i / 2.0, 0);
            stem.add(stopNear(route.mode(), p[0], p[1], stem));
        }
        double[] centre = clampedEnd(stemEnd[0], stemEnd[1], 700, angle);
        List<Integer> visits = new ArrayList<>(stem);
        for (int k = 1; k <= 8; k++) {
            double a = angle + Math.PI + k * 2 * Math.PI / 9;
            double[] p = clampedEnd(centre[0], centre[1], 700, a);
            visits.add(stopNear(route.mode(), p[0], p[1], visits));
        }
        visits.add(stem.get(2));
        visits.add(stem.get(1));
        visits.add(stem.get(0));
        return List.of(pattern(firstIndex, route, 0, visits.stream().mapToInt(Integer::intValue).toArray()));
    }

    private Pattern pattern(int index, Route route, int direction, int[] visits) {
        int[] offsets = new int[visits.length];
        double elapsed = 0;
        for (int i = 1; i < visits.length; i++) {
            Stop a = stops.get(visits[i - 1]);
            Stop b = stops.get(visits[i]);
            elapsed += distance(a.lat(), a.lon(), b.lat(), b.lon()) / route.mode().cruiseMetersPerSecond() + 20;
            // Timetables are in whole minutes, and a vehicle never reaches two stops in the same minute.
            offsets[i] = Math.max(offsets[i - 1] + 60, (int) Math.round(elapsed / 60) * 60);
        }
        Stop last = stops.get(visits[visits.length - 1]);
        return new Pattern(index, route.index(), direction, last.name(), visits, offsets);
    }

    private District weightedDistrict() {
        double total = city.districts().stream().mapToDouble(District::weight).sum();
        double x = rng.nextDouble() * total;
        for (District d : city.districts()) {
            x -= d.weight();
            if (x <= 0) {
                return d;
            }
        }
        return city.districts().get(city.districts().size() - 1);
    }

    /** The same-mode stop within 150 m, unless the route already visits it; otherwise a new stop there. */
    private int stopNear(TransitMode mode, double lat, double lon, List<Integer> alreadyOnRoute) {
        long cell = cell(lat, lon);
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                for (Stop s : stopGrid.getOrDefault(cell + dy * 100_000L + dx, List.of())) {
                    if (s.mode() == mode && !alreadyOnRoute.contains(s.index())
                            && distance(lat, lon, s.lat(), s.lon()) < 150) {
                        return s.index();
                    }
                }
            }
        }
        int number = nextStopNumber.merge(mode, mode.firstStopNumber(), (old, first) -> old + 1 + rng.nextInt(3));
        District district = city.districtOf(lat, lon);
        String[] landmarks = city.language().equals("bg") ? LANDMARKS_BG : LANDMARKS_ES;
        String name = landmarks[rng.nextInt(landmarks.length)] + " " + district.localName();
        if (rng.nextInt(12) == 0) {
            // Real stop names carry commas and quotes; the CSV writer and every reader must cope.
            name = name + ", \"" + district.name() + "\" " + (1 + rng.nextInt(4));
        }
        Stop stop = new Stop(stops.size(), mode.prefix() + String.format(Locale.ROOT, "%04d", number),
                Integer.toString(number), name, round6(lat), round6(lon), district.id(), mode);
        stops.add(stop);
        stopGrid.computeIfAbsent(cell, c -> new ArrayList<>()).add(stop);
        return stop.index();
    }

    private static long cell(double lat, double lon) {
        // Cells of about 220 m x 165 m: a 150 m neighbour is always within the 3x3 block around a point.
        return (long) Math.floor(lat * 500) * 100_000L + (long) Math.floor(lon * 500);
    }

    private double[] clampedEnd(double lat, double lon, double meters, double angle) {
        double dLat = meters * Math.cos(angle) / METERS_PER_DEGREE;
        double dLon = meters * Math.sin(angle) / (METERS_PER_DEGREE * Math.cos(Math.toRadians(lat)));
        double margin = 0.004;
        return new double[] {
            Math.max(city.minLat() + margin, Math.min(city.maxLat() - margin, lat + dLat)),
            Math.max(city.minLon() + margin, Math.min(city.maxLon() - margin, lon + dLon))};
    }

    private double[] alongWithBend(double lat0, double lon0, double lat1, double lon1, double f, double bendMeters) {
        double lat = lat0 + (lat1 - lat0) * f;
        double lon = lon0 + (lon1 - lon0) * f;
        double dy = (lat1 - lat0) * METERS_PER_DEGREE;
        double dx = (lon1 - lon0) * METERS_PER_DEGREE * Math.cos(Math.toRadians(lat0));
        double len = Math.max(1, Math.hypot(dx, dy));
        double offset = Math.sin(Math.PI * f) * bendMeters;
        lat += (-dx / len) * offset / METERS_PER_DEGREE;
        lon += (dy / len) * offset / (METERS_PER_DEGREE * Math.cos(Math.toRadians(lat0)));
        double margin = 0.002;
        return new double[] {Math.max(city.minLat() + margin, Math.min(city.maxLat() - margin, lat)),
            Math.max(city.minLon() + margin, Math.min(city.maxLon() - margin, lon))};
    }

    static double distance(double lat0, double lon0, double lat1, double lon1) {
        double dy = (lat1 - lat0) * METERS_PER_DEGREE;
        double dx = (lon1 - lon0) * METERS_PER_DEGREE * Math.cos(Math.toRadians((lat0 + lat1) / 2));
        return Math.hypot(dx, dy);
    }

    private static int roundToMinute(double seconds) {
        return (int) Math.round(seconds / 60) * 60;
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
