package io.civicpulse.ingest.simulator;

/**
 * The three surface modes of Sofia's network. Each has the id prefix Sofia uses for its routes, stops and trips
 * ({@code A} bus, {@code TB} trolleybus, {@code TM} tram) and its GTFS {@code route_type} (11 is the extended
 * value for trolleybus that Sofia's feed uses).
 */
public enum TransitMode {
    BUS("A", 3, "Автобус", "Bus", "#ED1C24", 5.6, 1000),
    TROLLEYBUS("TB", 11, "Тролейбус", "Trolleybus", "#1D73B9", 5.2, 2000),
    TRAM("TM", 0, "Трамвай", "Tram", "#F7941D", 5.0, 300);

    private final String prefix;
    private final int routeType;
    private final String localName;
    private final String englishName;
    private final String color;
    private final double cruiseMetersPerSecond;
    private final int firstStopNumber;

    TransitMode(String prefix, int routeType, String localName, String englishName, String color,
                double cruiseMetersPerSecond, int firstStopNumber) {
        this.prefix = prefix;
        this.routeType = routeType;
        this.localName = localName;
        this.englishName = englishName;
        this.color = color;
        this.cruiseMetersPerSecond = cruiseMetersPerSecond;
        this.firstStopNumber = firstStopNumber;
    }

    public String prefix() {
        return prefix;
    }

    public int routeType() {
        return routeType;
    }

    public String localName() {
        return localName;
    }

    public String englishName() {
        return englishName;
    }

    String color() {
        return color;
    }

    double cruiseMetersPerSecond() {
        return cruiseMetersPerSecond;
    }

    int firstStopNumber() {
        return firstStopNumber;
    }
}
