package io.civicpulse.ingest.simulator;

import java.time.LocalDate;
import java.time.MonthDay;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What makes one simulated city different from another: its id (part of every URL and key), time zone, bounding
 * box, districts, population and public holidays (on which Sunday service runs). The network itself is generated
 * from a profile, a seed and a {@link NetworkSize}; two profiles use the same id scheme on purpose, so their route
 * ids overlap the way two real cities' ids do.
 */
public record CityProfile(String id, String name, ZoneId zone, double minLat, double maxLat, double minLon,
                          double maxLon, List<District> districts, long population, String language,
                          String agencyName, String agencyUrl, String bikeShareName, Set<MonthDay> holidays) {

    public CityProfile {
        if (!id.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("a city id is lower-case letters, digits and '-', got '" + id + "'");
        }
        if (districts.isEmpty()) {
            throw new IllegalArgumentException("city " + id + " has no districts");
        }
        for (District d : districts) {
            if (!contains(minLat, maxLat, minLon, maxLon, d.lat(), d.lon())) {
                throw new IllegalArgumentException("district " + d.id() + " of " + id + " lies outside the city's box");
            }
        }
        districts = List.copyOf(districts);
        holidays = Set.copyOf(holidays);
    }

    /** Sofia: Europe/Sofia, 42.62-42.77 N, 23.20-23.45 E, 24 districts, about 1.28 million residents. */
    public static CityProfile sofia() {
        return new CityProfile("sofia", "Sofia", ZoneId.of("Europe/Sofia"), 42.62, 42.77, 23.20, 23.45, List.of(
                new District("sredets", "Sredets", "Средец", 42.692, 23.330, 1.6),
                new District("krasno-selo", "Krasno Selo", "Красно село", 42.680, 23.290, 1.2),
                new District("vazrazhdane", "Vazrazhdane", "Възраждане", 42.700, 23.306, 1.3),
                new District("oborishte", "Oborishte", "Оборище", 42.698, 23.345, 1.2),
                new District("serdika", "Serdika", "Сердика", 42.716, 23.320, 1.0),
                new District("poduyane", "Poduyane", "Подуяне", 42.706, 23.368, 1.0),
                new District("slatina", "Slatina", "Слатина", 42.684, 23.377, 1.0),
                new District("izgrev", "Izgrev", "Изгрев", 42.669, 23.352, 0.8),
                new District("lozenets", "Lozenets", "Лозенец", 42.670, 23.322, 1.0),
                new District("triaditsa", "Triaditsa", "Триадица", 42.676, 23.302, 1.0),
                new District("krasna-polyana", "Krasna Polyana", "Красна поляна", 42.695, 23.275, 0.9),
                new District("ilinden", "Ilinden", "Илинден", 42.712, 23.290, 0.7),
                new District("nadezhda", "Nadezhda", "Надежда", 42.735, 23.300, 1.0),
                new District("iskar", "Iskar", "Искър", 42.665, 23.405, 0.9),
                new District("mladost", "Mladost", "Младост", 42.650, 23.378, 1.3),
                new District("studentski", "Studentski", "Студентски", 42.651, 23.345, 1.0),
                new District("vitosha", "Vitosha", "Витоша", 42.638, 23.290, 0.6),
                new District("ovcha-kupel", "Ovcha Kupel", "Овча купел", 42.676, 23.252, 0.7),
                new District("lyulin", "Lyulin", "Люлин", 42.716, 23.247, 1.2),
                new District("vrabnitsa", "Vrabnitsa", "Връбница", 42.736, 23.270, 0.6),
                new District("novi-iskar", "Novi Iskar", "Нови Искър", 42.762, 23.330, 0.3),
                new District("kremikovtsi", "Kremikovtsi", "Кремиковци", 42.758, 23.420, 0.3),
                new District("pancharevo", "Pancharevo", "Панчарево", 42.628, 23.420, 0.3),
                new District("bankya", "Bankya", "Банкя", 42.705, 23.208, 0.2)),
                1_280_000, "bg", "Център за градска мобилност", "https://www.sofiatraffic.bg",
                "Sofia Bike", Set.of(MonthDay.of(1, 1), MonthDay.of(3, 3), MonthDay.of(5, 1), MonthDay.of(5, 6),
                        MonthDay.of(5, 24), MonthDay.of(9, 6), MonthDay.of(9, 22), MonthDay.of(12, 24),
                        MonthDay.of(12, 25), MonthDay.of(12, 26)));
    }

    /**
     * Granada, a fellow Digital Cities Challenge city in another time zone (Europe/Madrid), so that a deployment
     * with both exercises per-city zones and keys.
     */
    public static CityProfile granada() {
        return new CityProfile("granada", "Granada", ZoneId.of("Europe/Madrid"), 37.14, 37.22, -3.65, -3.56, List.of(
                new District("albaicin", "Albaicín", "Albaicín", 37.181, -3.592, 0.8),
                new District("centro", "Centro", "Centro", 37.175, -3.600, 1.6),
                new District("chana", "Chana", "Chana", 37.182, -3.626, 0.9),
                new District("beiro", "Beiro", "Beiro", 37.192, -3.610, 1.0),
                new District("genil", "Genil", "Genil", 37.160, -3.595, 1.0),
                new District("norte", "Norte", "Norte", 37.204, -3.612, 0.9),
                new District("ronda", "Ronda", "Ronda", 37.168, -3.610, 1.2),
                new District("zaidin", "Zaidín", "Zaidín", 37.152, -3.600, 1.2)),
                232_000, "es", "Transportes Rober", "https://www.transportesrober.com", "Granada Bici",
                Set.of(MonthDay.of(1, 1), MonthDay.of(1, 2), MonthDay.of(1, 6), MonthDay.of(2, 28),
                        MonthDay.of(5, 1), MonthDay.of(8, 15), MonthDay.of(10, 12), MonthDay.of(11, 1),
                        MonthDay.of(12, 6), MonthDay.of(12, 8), MonthDay.of(12, 25)));
    }

    /** The built-in profile with this id: {@code sofia} or {@code granada}. */
    public static CityProfile named(String id) {
        return switch (id.trim().toLowerCase(Locale.ROOT)) {
            case "sofia" -> sofia();
            case "granada" -> granada();
            default -> throw new IllegalArgumentException("unknown city '" + id + "'; built-in cities: sofia, granada");
        };
    }

    public boolean contains(double lat, double lon) {
        return contains(minLat, maxLat, minLon, maxLon, lat, lon);
    }

    public boolean isHoliday(LocalDate date) {
        return holidays.contains(MonthDay.from(date));
    }

    /**
     * The district whose centroid is nearest to the point, longitudes scaled by {@link #longitudeScale()}: one metric
     * for the whole city, so the districts are the Voronoi cells {@link DistrictBoundaries} publishes.
     */
    public District districtOf(double lat, double lon) {
        double scale = longitudeScale();
        return districts.stream().min(Comparator.comparingDouble(d -> d.squaredDistanceTo(lat, lon, scale)))
                .orElseThrow();
    }

    /** How much shorter a degree of longitude is than one of latitude in the middle of the city's box. */
    double longitudeScale() {
        return Math.cos(Math.toRadians((minLat + maxLat) / 2));
    }

    private static boolean contains(double minLat, double maxLat, double minLon, double maxLon, double lat,
                                    double lon) {
        return lat >= minLat && lat <= maxLat && lon >= minLon && lon <= maxLon;
    }
}
