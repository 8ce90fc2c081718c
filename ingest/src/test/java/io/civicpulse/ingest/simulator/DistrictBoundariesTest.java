package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.city.CityDistricts;

/** What the simulator publishes as boundaries must place things where the simulator itself placed them. */
class DistrictBoundariesTest {

    @Test
    void everyPointOfTheCityLiesInTheBoundaryOfTheDistrictTheSimulatorGivesIt() {
        for (CityProfile city : new CityProfile[] {CityProfile.sofia(), CityProfile.granada()}) {
            CityDistricts boundaries = CityDistricts.fromGeoJson(DistrictBoundaries.geoJson(city), "id");
            assertThat(boundaries.ids()).hasSameSizeAs(city.districts());
            Random random = new Random(7);
            for (int i = 0; i < 20_000; i++) {
                double lat = city.minLat() + random.nextDouble() * (city.maxLat() - city.minLat());
                double lon = city.minLon() + random.nextDouble() * (city.maxLon() - city.minLon());
                assertThat(boundaries.idAt(lat, lon)).as("%s at %s,%s", city.id(), lat, lon)
                        .isEqualTo(city.districtOf(lat, lon).id());
            }
        }
    }

    @Test
    void theStopsOfTheSimulatedNetworkLieInTheirDistricts() {
        CitySimulation sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL,
                SimulationClock.manual(Instant.parse("2026-03-31T05:00:00Z")));
        CityDistricts boundaries = CityDistricts.fromGeoJson(DistrictBoundaries.geoJson(sofia.city()), "id");

        assertThat(sofia.network().stops()).isNotEmpty().allSatisfy(stop ->
                assertThat(boundaries.idAt(stop.lat(), stop.lon())).isEqualTo(stop.districtId()));
    }
}
