package io.civicpulse.ingest.simulator;

/**
 * One administrative district of a simulated city, by its centroid. Stops and bike stations belong to the district
 * whose centroid is nearest (a Voronoi partition), which is how the simulator knows the district of everything it
 * places without shipping polygons.
 *
 * @param id         stable lower-case id, used in {@code district:<id>} scopes
 * @param name       transliterated name, e.g. Lozenets
 * @param localName  name in the city's language, e.g. Лозенец
 * @param weight     relative density of stops and demand
 */
public record District(String id, String name, String localName, double lat, double lon, double weight) {

    double squaredDistanceTo(double otherLat, double otherLon, double longitudeScale) {
        double dLat = otherLat - lat;
        double dLon = (otherLon - lon) * longitudeScale;
        return dLat * dLat + dLon * dLon;
    }
}
