package io.civicpulse.ingest.simulator;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A city's shared bikes (docked) and e-scooters (free-floating), simulated minute by minute from the clock's start:
 * bikes are taken and returned, residential stations empty out in the morning and central ones in the evening,
 * one station is not installed and a few close for maintenance now and then, scooters run their batteries down and
 * are charged at 04:00. Deterministic: the state at an instant depends only on the seed and the start minute, not
 * on when or how often it is looked at. Vehicle ids rotate after every rental, as GBFS asks for privacy.
 */
public final class BikeShare {

    /** A docking station, as station_information describes it. */
    public record Station(String id, String name, double lat, double lon, String districtId, int capacity,
                          boolean installed, boolean central) {
    }

    /** One station's status at an instant. */
    public record StationStatus(Station station, int bikesAvailable, int bikesDisabled, int docksAvailable,
                                boolean installed, boolean renting, boolean returning, long lastReported,
                                List<String> bikeIds) {
    }

    /** A vehicle not in a rental: a docked bike (stationId set) or a parked scooter (lat/lon set). */
    public record Vehicle(String id, String vehicleTypeId, String stationId, double lat, double lon,
                          boolean reserved, boolean disabled, int rangeMeters, long lastReported) {
    }

    /** Everything the GBFS feeds show at one instant. */
    public record Snapshot(Instant at, List<StationStatus> stations, List<Vehicle> vehicles, int bikesInUse,
                           int scootersInUse) {
    }

    static final String BIKE_TYPE = "bike";
    static final String SCOOTER_TYPE = "scooter";
    static final int SCOOTER_MAX_RANGE = 40_000;

    private record Ride(long endMinute, int vehicle, int destination, boolean scooter) {
    }

    private final CityProfile city;
    private final long seed;
    private final List<Station> stations = new ArrayList<>();
    private final List<ArrayDeque<Integer>> docked = new ArrayList<>();
    private final long[] stationChanged;
    private final int[] bikeRentals;
    private final double[][] scooterPosition;
    private final int[] scooterRange;
    private final int[] scooterRentals;
    private final boolean[] scooterRiding;
    private final long[] scooterChanged;
    private final PriorityQueue<Ride> rides = new PriorityQueue<>(Comparator.comparingLong(Ride::endMinute));
    private final SplittableRandom rng;
    private long minute;

    BikeShare(CityProfile city, long seed, NetworkSize size, Instant start) {
        this.city = city;
        this.seed = seed;
        SplittableRandom layout = new SplittableRandom(TripRun.mix(seed, city.id().hashCode(), 7));
        double total = city.districts().stream().mapToDouble(District::weight).sum();
        for (int i = 0; i < size.bikeStations(); i++) {
            District d = pick(layout, total);
            double lat = clamp(d.lat() + (layout.nextDouble() - 0.5) * 0.012, city.minLat(), city.maxLat());
            double lon = clamp(d.lon() + (layout.nextDouble() - 0.5) * 0.016, city.minLon(), city.maxLon());
            District actual = city.districtOf(lat, lon);
            int capacity = 8 + 2 * layout.nextInt(7);
            // One station is never installed: feeds list such stations, and availability must not count them.
            stations.add(new Station(Integer.toString(1001 + i), actual.localName() + " " + (i + 1),
                    Math.round(lat * 1e6) / 1e6, Math.round(lon * 1e6) / 1e6, actual.id(), capacity,
                    i != size.bikeStations() - 1, actual.weight() >= 1.2));
            docked.add(new ArrayDeque<>());
        }
        this.minute = Math.floorDiv(start.getEpochSecond(), 60);
        this.stationChanged = new long[stations.size()];
        java.util.Arrays.fill(stationChanged, minute * 60);
        this.bikeRentals = new int[size.bikes()];
        int bike = 0;
        for (int round = 0; bike < size.bikes() && round < 100; round++) {
            for (int s = 0; s < stations.size() && bike < size.bikes(); s++) {
                Station st = stations.get(s);
                // The first two stations start empty: a city always has some.
                if (st.installed() && s > 1 && docked.get(s).size() < st.capacity() * 0.8) {
                    docked.get(s).add(bike++);
                }
            }
        }
        this.scooterPosition = new double[size.scooters()][];
        this.scooterRange = new int[size.scooters()];
        this.scooterRentals = new int[size.scooters()];
        this.scooterRiding = new boolean[size.scooters()];
        this.scooterChanged = new long[size.scooters()];
        for (int i = 0; i < size.scooters(); i++) {
            scooterPosition[i] = randomPointIn(layout, pick(layout, total));
            scooterRange[i] = 5_000 + layout.nextInt(SCOOTER_MAX_RANGE - 5_000);
            scooterChanged[i] = minute * 60;
        }
        this.rng = new SplittableRandom(TripRun.mix(seed, minute, 11));
    }

    public List<Station> stations() {
        return List.copyOf(stations);
    }

    /** Advances the simulation to the instant (never backwards) and returns what the feeds show then. */
    public synchronized Snapshot snapshot(Instant at) {
        long target = Math.floorDiv(at.getEpochSecond(), 60);
        while (minute < target) {
            step();
        }
        List<StationStatus> statuses = new ArrayList<>(stations.size());
        List<Vehicle> vehicles = new ArrayList<>();
        long hour = minute / 60;
        for (int s = 0; s < stations.size(); s++) {
            Station st = stations.get(s);
            boolean open = st.installed() && !inMaintenance(s, hour);
            List<String> ids = new ArrayList<>();
            int disabled = 0;
            for (int b : docked.get(s)) {
                String id = bikeId(b);
                boolean broken = (TripRun.mix(seed, b, bikeRentals[b]) & 31) == 0;
                if (broken) {
                    disabled++;
                }
                ids.add(id);
                vehicles.add(new Vehicle(id, BIKE_TYPE, st.id(), st.lat(), st.lon(), false, broken, 0,
                        stationChanged[s]));
            }
            int available = open ? docked.get(s).size() - disabled : 0;
            statuses.add(new StationStatus(st, Math.max(0, available), disabled,
                    st.installed() ? st.capacity() - docked.get(s).size() : 0, st.installed(), open, open,
                    stationChanged[s], ids));
        }
        int scootersRiding = 0;
        for (int i = 0; i < scooterPosition.length; i++) {
            if (scooterRiding[i]) {
                scootersRiding++;
                continue;
            }
            vehicles.add(new Vehicle(scooterId(i), SCOOTER_TYPE, null, scooterPosition[i][0], scooterPosition[i][1],
                    (TripRun.mix(seed, i, minute / 10) & 127) == 0, scooterRange[i] < 2_000, scooterRange[i],
                    scooterChanged[i]));
        }
        int bikesRiding = (int) rides.stream().filter(r -> !r.scooter()).count();
        return new Snapshot(Instant.ofEpochSecond(minute * 60), statuses, vehicles, bikesRiding, scootersRiding);
    }

    private void step() {
        minute++;
        long now = minute * 60;
        LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochSecond(now), city.zone());
        int hour = local.getHour();
        double demand = demand(hour);
        while (!rides.isEmpty() && rides.peek().endMinute() <= minute) {
            Ride ride = rides.poll();
            if (ride.scooter()) {
                int i = ride.vehicle();
                District d = city.districts().get(ride.destination());
                scooterPosition[i] = randomPointIn(rng, d);
                scooterRange[i] = Math.max(0, scooterRange[i] - 1_500 - rng.nextInt(4_000));
                scooterRiding[i] = false;
                scooterRentals[i]++;
                scooterChanged[i] = now;
            } else {
                int s = dockingStationFor(ride.destination());
                if (s < 0) {
                    rides.add(new Ride(minute + 3, ride.vehicle(), ride.destination(), false));
                } else {
                    docked.get(s).add(ride.vehicle());
                    bikeRentals[ride.vehicle()]++;
                    stationChanged[s] = now;
                }
            }
        }
        long hourIndex = minute / 60;
        for (int s = 0; s < stations.size(); s++) {
            Station st = stations.get(s);
            if (!st.installed() || inMaintenance(s, hourIndex) || docked.get(s).isEmpty()) {
                continue;
            }
            double p = 0.035 * demand * outboundFactor(st, hour);
            if (rng.nextDouble() < p) {
                int bike = docked.get(s).poll();
                stationChanged[s] = now;
                rides.add(new Ride(minute + 4 + rng.nextInt(22), bike, destination(hour), false));
            }
        }
        for (int i = 0; i < scooterPosition.length; i++) {
            if (!scooterRiding[i] && scooterRange[i] >= 2_000 && rng.nextDouble() < 0.012 * demand) {
                scooterRiding[i] = true;
                scooterChanged[i] = now;
                rides.add(new Ride(minute + 5 + rng.nextInt(16), i, rng.nextInt(city.districts().size()), true));
            }
        }
        if (local.getHour() == 4 && local.getMinute() == 0) {
            // The operator charges the scooters overnight.
            java.util.Arrays.fill(scooterRange, SCOOTER_MAX_RANGE);
        }
    }

    private int destination(int hour) {
        // Mornings flow to central stations, evenings back out: that is what empties stations in real systems.
        boolean toCentre = hour >= 6 && hour < 11;
        boolean toHome = hour >= 16 && hour < 21;
        for (int tries = 0; tries < 8; tries++) {
            int s = rng.nextInt(stations.size());
            Station st = stations.get(s);
            if (!toCentre && !toHome || toCentre == st.central() || rng.nextDouble() < 0.25) {
                return s;
            }
        }
        return rng.nextInt(stations.size());
    }

    /** The destination if it takes returns and has a free dock, else the nearest one that does; -1 if none. */
    private int dockingStationFor(int destination) {
        Station wanted = stations.get(destination);
        int best = -1;
        double bestDistance = Double.MAX_VALUE;
        for (int s = 0; s < stations.size(); s++) {
            Station st = stations.get(s);
            if (!st.installed() || inMaintenance(s, minute / 60) || docked.get(s).size() >= st.capacity()) {
                continue;
            }
            double d = s == destination ? -1 : NetworkGenerator.distance(wanted.lat(), wanted.lon(), st.lat(), st.lon());
            if (d < bestDistance) {
                bestDistance = d;
                best = s;
            }
        }
        return best;
    }

    private boolean inMaintenance(int station, long hourIndex) {
        return Math.floorMod(TripRun.mix(seed, station, hourIndex), 60) == 0;
    }

    private static double outboundFactor(Station st, int hour) {
        boolean morning = hour >= 6 && hour < 11;
        boolean evening = hour >= 16 && hour < 21;
        if (morning) {
            return st.central() ? 0.5 : 1.8;
        }
        if (evening) {
            return st.central() ? 1.8 : 0.6;
        }
        return 1.0;
    }

    private static double demand(int hour) {
        double[] byHour = {0.1, 0.05, 0.03, 0.03, 0.05, 0.15, 0.45, 0.9, 1.0, 0.7, 0.55, 0.6, 0.7, 0.7, 0.65, 0.7,
            0.85, 1.0, 1.0, 0.85, 0.6, 0.45, 0.3, 0.2};
        return byHour[hour];
    }

    private String bikeId(int bike) {
        return String.format(Locale.ROOT, "%016x", TripRun.mix(seed, 1_000_000 + bike, bikeRentals[bike]));
    }

    private String scooterId(int scooter) {
        return String.format(Locale.ROOT, "%016x", TripRun.mix(seed, 2_000_000 + scooter, scooterRentals[scooter]));
    }

    private District pick(SplittableRandom r, double totalWeight) {
        double x = r.nextDouble() * totalWeight;
        for (District d : city.districts()) {
            x -= d.weight();
            if (x <= 0) {
                return d;
            }
        }
        return city.districts().get(city.districts().size() - 1);
    }

    private double[] randomPointIn(SplittableRandom r, District d) {
        return new double[] {
            Math.round(clamp(d.lat() + (r.nextDouble() - 0.5) * 0.014, city.minLat(), city.maxLat()) * 1e6) / 1e6,
            Math.round(clamp(d.lon() + (r.nextDouble() - 0.5) * 0.018, city.minLon(), city.maxLon()) * 1e6) / 1e6};
    }

    private static double clamp(double v, double min, double max) {
        return Math.max(min, Math.min(max, v));
    }

    ZoneId zone() {
        return city.zone();
    }
}
