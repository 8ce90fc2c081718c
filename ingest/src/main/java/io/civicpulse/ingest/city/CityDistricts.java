package io.civicpulse.ingest.city;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The city's districts as polygons, to tell which district a stop, a bike station or a service request lies in: the
 * {@code district:<id>} scopes of the indicators. Read from a GeoJSON FeatureCollection of Polygon and MultiPolygon
 * features (holes respected), the form city open-data portals publish their administrative boundaries in; each
 * feature's id is a property ({@code id} unless configured) or else the feature's own {@code id}.
 *
 * <p>Containment is tested on longitude/latitude as a plane: at a city's scale the error is far below the accuracy
 * of the boundaries themselves. A point on no polygon has no district (null in the records); where polygons overlap,
 * the first feature wins, so the answer never depends on iteration order.
 */
public final class CityDistricts {

    public static final CityDistricts NONE = new CityDistricts(Map.of());

    /** One linear ring of a polygon (its outline or a hole), with its bounding box for a quick rejection. */
    private record Ring(double[] lons, double[] lats, double minLon, double minLat, double maxLon, double maxLat) {

        static Ring of(JsonNode coordinates, String where) {
            int n = coordinates.size();
            if (n < 4) {
                throw new IllegalArgumentException(where + ": a linear ring needs at least 4 positions, got " + n);
            }
            double[] lons = new double[n];
            double[] lats = new double[n];
            double minLon = Double.MAX_VALUE;
            double minLat = Double.MAX_VALUE;
            double maxLon = -Double.MAX_VALUE;
            double maxLat = -Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                JsonNode position = coordinates.get(i);
                if (!position.isArray() || position.size() < 2 || !position.get(0).isNumber()
                        || !position.get(1).isNumber()) {
                    throw new IllegalArgumentException(where + ": position " + i + " is not [longitude, latitude]");
                }
                lons[i] = position.get(0).asDouble();
                lats[i] = position.get(1).asDouble();
                minLon = Math.min(minLon, lons[i]);
                maxLon = Math.max(maxLon, lons[i]);
                minLat = Math.min(minLat, lats[i]);
                maxLat = Math.max(maxLat, lats[i]);
            }
            return new Ring(lons, lats, minLon, minLat, maxLon, maxLat);
        }

        /** Even-odd crossing test: a horizontal ray from the point crosses the ring's edges an odd number of times. */
        boolean contains(double lat, double lon) {
            if (lat < minLat || lat > maxLat || lon < minLon || lon > maxLon) {
                return false;
            }
            boolean inside = false;
            for (int i = 0, j = lons.length - 1; i < lons.length; j = i++) {
                if ((lats[i] > lat) != (lats[j] > lat)
                        && lon < (lons[j] - lons[i]) * (lat - lats[i]) / (lats[j] - lats[i]) + lons[i]) {
                    inside = !inside;
                }
            }
            return inside;
        }
    }

    /** Polygons of one district, each a list of rings (outer first). */
    private final Map<String, List<List<Ring>>> polygons;

    private CityDistricts(Map<String, List<List<Ring>>> polygons) {
        this.polygons = polygons;
    }

    public boolean isEmpty() {
        return polygons.isEmpty();
    }

    /** District ids, in the order of the file. */
    public List<String> ids() {
        return List.copyOf(polygons.keySet());
    }

    /** The district containing the point, if any. */
    public Optional<String> at(double lat, double lon) {
        for (Map.Entry<String, List<List<Ring>>> district : polygons.entrySet()) {
            for (List<Ring> polygon : district.getValue()) {
                if (polygon.get(0).contains(lat, lon)
                        && polygon.stream().skip(1).noneMatch(hole -> hole.contains(lat, lon))) {
                    return Optional.of(district.getKey());
                }
            }
        }
        return Optional.empty();
    }

    /** The district id at a point, or null: what the records' nullable district field wants. */
    public String idAt(double lat, double lon) {
        return at(lat, lon).orElse(null);
    }

    /**
     * Reads a GeoJSON FeatureCollection.
     *
     * @param idProperty the feature property holding the district id; the feature's own {@code id} when absent
     * @throws IllegalArgumentException naming the feature and what is wrong with it
     */
    public static CityDistricts fromGeoJson(byte[] geoJson, String idProperty) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(geoJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("districts: not JSON: " + e.getMessage(), e);
        }
        if (root == null || !"FeatureCollection".equals(root.path("type").asText())) {
            throw new IllegalArgumentException("districts: expected a GeoJSON FeatureCollection");
        }
        Map<String, List<List<Ring>>> polygons = new LinkedHashMap<>();
        JsonNode features = root.path("features");
        for (int f = 0; f < features.size(); f++) {
            JsonNode feature = features.get(f);
            JsonNode idNode = feature.path("properties").path(idProperty);
            if (idNode.isMissingNode() || idNode.isNull()) {
                idNode = feature.path("id");
            }
            String id = idNode.isMissingNode() || idNode.isNull() ? "" : idNode.asText().trim();
            String where = "districts: feature " + f + (id.isEmpty() ? "" : " (" + id + ")");
            if (!id.matches("[a-z0-9][a-z0-9_-]*")) {
                throw new IllegalArgumentException(where + ": property '" + idProperty + "' (or the feature id) must"
                        + " be a district id of lower-case letters, digits, '-' and '_'; got '" + id + "'");
            }
            if (polygons.containsKey(id)) {
                throw new IllegalArgumentException(where + ": district id " + id + " appears twice");
            }
            JsonNode geometry = feature.path("geometry");
            String type = geometry.path("type").asText();
            JsonNode coordinates = geometry.path("coordinates");
            List<List<Ring>> shapes = new ArrayList<>();
            switch (type) {
                case "Polygon" -> shapes.add(polygon(coordinates, where));
                case "MultiPolygon" -> {
                    for (JsonNode polygon : coordinates) {
                        shapes.add(polygon(polygon, where));
                    }
                }
                default -> throw new IllegalArgumentException(where + ": geometry must be a Polygon or MultiPolygon,"
                        + " got '" + type + "'");
            }
            if (shapes.isEmpty()) {
                throw new IllegalArgumentException(where + ": no polygon");
            }
            polygons.put(id, List.copyOf(shapes));
        }
        if (polygons.isEmpty()) {
            throw new IllegalArgumentException("districts: the FeatureCollection has no feature");
        }
        return new CityDistricts(polygons);
    }

    private static List<Ring> polygon(JsonNode rings, String where) {
        if (!rings.isArray() || rings.isEmpty()) {
            throw new IllegalArgumentException(where + ": a polygon needs an outer ring");
        }
        List<Ring> polygon = new ArrayList<>();
        for (int r = 0; r < rings.size(); r++) {
            polygon.add(Ring.of(rings.get(r), where));
        }
        return List.copyOf(polygon);
    }
}
