package io.civicpulse.ingest.city;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class CityDistrictsTest {

    /**
     * Two districts side by side: "west" is the square lon 23.0-23.1 with a hole (a park, lon 23.04-23.06, lat
     * 42.64-42.66) and an exclave (lon 23.3-23.4); "east" is lon 23.1-23.2. All at lat 42.6-42.7.
     */
    private static final String CITY = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "properties": {"id": "west", "name": "West"}, "geometry": {"type": "MultiPolygon",
               "coordinates": [
                 [[[23.0, 42.6], [23.1, 42.6], [23.1, 42.7], [23.0, 42.7], [23.0, 42.6]],
                  [[23.04, 42.64], [23.06, 42.64], [23.06, 42.66], [23.04, 42.66], [23.04, 42.64]]],
                 [[[23.3, 42.6], [23.4, 42.6], [23.4, 42.7], [23.3, 42.7], [23.3, 42.6]]]]}},
              {"type": "Feature", "id": "east", "properties": {"name": "East"}, "geometry": {"type": "Polygon",
               "coordinates": [[[23.1, 42.6], [23.2, 42.6], [23.2, 42.7], [23.1, 42.7], [23.1, 42.6]]]}}
            ]}
            """;

    @Test
    void findsTheDistrictOfAPointRespectingHolesAndExclaves() {
        CityDistricts districts = CityDistricts.fromGeoJson(CITY.getBytes(StandardCharsets.UTF_8), "id");

        assertThat(districts.ids()).containsExactly("west", "east");
        assertThat(districts.idAt(42.61, 23.01)).isEqualTo("west");
        assertThat(districts.idAt(42.65, 23.05)).as("in the park, a hole of west").isNull();
        assertThat(districts.idAt(42.65, 23.35)).as("the exclave").isEqualTo("west");
        assertThat(districts.idAt(42.65, 23.15)).as("id from the feature's own id").isEqualTo("east");
        assertThat(districts.idAt(42.65, 23.25)).as("between the two").isNull();
        assertThat(districts.idAt(42.75, 23.15)).as("north of both").isNull();
    }

    @Test
    void readsTheIdFromTheConfiguredPropertyElseFromTheFeatureId() {
        String coded = CITY.replace("\"id\": \"west\", \"name\": \"West\"", "\"code\": \"w-1\", \"name\": \"West\"");
        CityDistricts byCode = CityDistricts.fromGeoJson(coded.getBytes(StandardCharsets.UTF_8), "code");

        assertThat(byCode.idAt(42.61, 23.01)).isEqualTo("w-1");
        assertThat(byCode.idAt(42.65, 23.15)).isEqualTo("east");
    }

    @Test
    void badBoundariesAreClearErrors() {
        assertThatThrownBy(() -> read("[]")).hasMessageContaining("expected a GeoJSON FeatureCollection");
        assertThatThrownBy(() -> read("{\"type\": \"FeatureCollection\", \"features\": []}"))
                .hasMessageContaining("has no feature");
        assertThatThrownBy(() -> read(CITY.replace("\"MultiPolygon\"", "\"Point\"")))
                .hasMessageContaining("feature 0 (west): geometry must be a Polygon or MultiPolygon, got 'Point'");
        assertThatThrownBy(() -> read(CITY.replace("\"id\": \"east\"", "\"id\": \"West\"")))
                .hasMessageContaining("feature 1 (West)").hasMessageContaining("must be a district id");
        assertThatThrownBy(() -> read(CITY.replace("\"id\": \"east\"", "\"id\": \"west\"")))
                .hasMessageContaining("district id west appears twice");
        assertThatThrownBy(() -> read(CITY.replace("[[[23.1, 42.6], [23.2, 42.6], [23.2, 42.7], [23.1, 42.7], [23.1, 42.6]]]",
                "[[[23.1, 42.6], [23.2, 42.6], [23.1, 42.6]]]")))
                .hasMessageContaining("a linear ring needs at least 4 positions");
        assertThatThrownBy(() -> read("{not json")).hasMessageContaining("not JSON");
    }

    private static CityDistricts read(String json) {
        return CityDistricts.fromGeoJson(json.getBytes(StandardCharsets.UTF_8), "id");
    }
}
