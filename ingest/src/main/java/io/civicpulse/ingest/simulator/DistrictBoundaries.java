package io.civicpulse.ingest.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The simulated city's district boundaries as its open-data portal would publish them: a GeoJSON FeatureCollection
 * with one Polygon per district. Each polygon is the district's Voronoi cell within the city's box, the set of points
 * nearer its centroid than any other's under {@link CityProfile#districtOf}'s metric, so a stop or a request placed
 * in a district by the simulator lies inside that district's polygon for ingest too.
 */
public final class DistrictBoundaries {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DistrictBoundaries() {
    }

    /** The FeatureCollection, district id in the {@code id} property, names in {@code name} and {@code local_name}. */
    public static byte[] geoJson(CityProfile city) {
        ObjectNode root = JSON.createObjectNode().put("type", "FeatureCollection");
        ArrayNode features = root.putArray("features");
        for (District district : city.districts()) {
            ObjectNode feature = features.addObject().put("type", "Feature");
            feature.putObject("properties").put("id", district.id()).put("name", district.name())
                    .put("local_name", district.localName());
            ArrayNode ring = feature.putObject("geometry").put("type", "Polygon").putArray("coordinates").addArray();
            List<double[]> cell = cell(city, district);
            for (double[] lonLat : cell) {
                ring.addArray().add(lonLat[0]).add(lonLat[1]);
            }
            ring.addArray().add(cell.get(0)[0]).add(cell.get(0)[1]); // GeoJSON rings repeat their first position
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The district's cell as [longitude, latitude] corners (not closed): the city's box clipped by the half-plane
     * nearer this centroid than each other one, in the plane where {@link CityProfile#districtOf} measures distance
     * (longitude scaled by the cosine of the box's middle latitude).
     */
    static List<double[]> cell(CityProfile city, District district) {
        double scale = city.longitudeScale();
        List<double[]> polygon = new ArrayList<>(List.of(
                new double[] {city.minLon() * scale, city.minLat()}, new double[] {city.maxLon() * scale, city.minLat()},
                new double[] {city.maxLon() * scale, city.maxLat()}, new double[] {city.minLon() * scale, city.maxLat()}));
        double dx = district.lon() * scale;
        double dy = district.lat();
        for (District other : city.districts()) {
            if (other == district) {
                continue;
            }
            double ox = other.lon() * scale;
            double oy = other.lat();
            // |p - d|^2 <= |p - o|^2  <=>  2 p.(o - d) <= |o|^2 - |d|^2
            double a = 2 * (ox - dx);
            double b = 2 * (oy - dy);
            double c = ox * ox + oy * oy - dx * dx - dy * dy;
            polygon = clip(polygon, a, b, c);
        }
        List<double[]> lonLat = new ArrayList<>(polygon.size());
        for (double[] p : polygon) {
            lonLat.add(new double[] {p[0] / scale, p[1]});
        }
        return lonLat;
    }

    /** Sutherland-Hodgman against one half-plane {@code a x + b y <= c}: what the convex polygon keeps of it. */
    private static List<double[]> clip(List<double[]> polygon, double a, double b, double c) {
        List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < polygon.size(); i++) {
            double[] p = polygon.get(i);
            double[] q = polygon.get((i + 1) % polygon.size());
            double fp = a * p[0] + b * p[1] - c;
            double fq = a * q[0] + b * q[1] - c;
            if (fp <= 0) {
                kept.add(p);
            }
            if ((fp < 0 && fq > 0) || (fp > 0 && fq < 0)) {
                double t = fp / (fp - fq);
                kept.add(new double[] {p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])});
            }
        }
        return kept;
    }
}
