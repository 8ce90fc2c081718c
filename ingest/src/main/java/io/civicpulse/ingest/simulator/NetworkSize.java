package io.civicpulse.ingest.simulator;

/**
 * How big a simulated city is. {@link #FULL} is Sofia's scale (140 routes, about 30,000 trips on a weekday, about
 * 590 vehicles in service at rush hour and about 130 at night); {@link #SMALL} keeps the same shape at a tenth of
 * it so that tests generate and serve a network in well under a second.
 *
 * @param routes        number of routes, all modes together
 * @param bikeStations  docking stations of the city's bike share
 * @param bikes         docked bikes in the fleet
 * @param scooters      free-floating e-scooters
 */
public record NetworkSize(String name, int routes, int bikeStations, int bikes, int scooters) {

    public static final NetworkSize FULL = new NetworkSize("full", 140, 80, 640, 300);
    public static final NetworkSize SMALL = new NetworkSize("small", 14, 12, 96, 30);

    public NetworkSize {
        if (routes < 4) {
            throw new IllegalArgumentException("a network needs at least 4 routes (one per kind: loop, frequency-based,"
                    + " tram, trolleybus), got " + routes);
        }
        if (bikeStations < 2 || bikes < 0 || scooters < 0) {
            throw new IllegalArgumentException("a bike share needs at least 2 stations and no negative fleet");
        }
    }

    /** {@code full}, {@code small}, or a number of routes (stations and fleets scale with it). */
    public static NetworkSize parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (t) {
            case "full" -> FULL;
            case "small" -> SMALL;
            default -> {
                int routes;
                try {
                    routes = Integer.parseInt(t);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("size must be full, small or a number of routes, got '"
                            + text + "'", e);
                }
                double scale = routes / (double) FULL.routes();
                yield new NetworkSize(routes + "-routes", routes, Math.max(2, (int) Math.round(FULL.bikeStations() * scale)),
                        (int) Math.round(FULL.bikes() * scale), (int) Math.round(FULL.scooters() * scale));
            }
        };
    }
}
