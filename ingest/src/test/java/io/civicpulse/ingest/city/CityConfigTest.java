package io.civicpulse.ingest.city;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.reference.AreaPopulation;

class CityConfigTest {

    @TempDir
    Path dir;

    @Test
    void loadsAPropertiesFileWithEveryFeed() throws IOException {
        Path file = dir.resolve("sofia.properties");
        Files.writeString(file, """
                city.id=sofia
                city.time-zone=Europe/Sofia
                city.service-day-start=04:00
                city.bounds=42.55,23.05,42.85,23.60
                city.language=bg
                gtfs.static.url=https://gtfs.sofiatraffic.bg/api/v1/static
                gtfs.static.interval=PT6H
                gtfsrt.vehicle-positions.url=https://gtfs.sofiatraffic.bg/api/v1/vehicle-positions
                gtfsrt.vehicle-positions.interval=10
                gtfsrt.trip-updates.url=https://gtfs.sofiatraffic.bg/api/v1/trip-updates
                gbfs.nextbike-sofia.url=https://example.org/gbfs.json
                gbfs.nextbike-sofia.interval=PT30S
                """);

        CityConfig city = CityConfig.load(file);

        assertThat(city.id()).isEqualTo("sofia");
        assertThat(city.zone()).isEqualTo(ZoneId.of("Europe/Sofia"));
        assertThat(city.serviceDayStart()).isEqualTo(LocalTime.of(4, 0));
        assertThat(city.bounds().contains(42.6977, 23.3219)).isTrue();
        assertThat(city.bounds().contains(0, 0)).isFalse();
        assertThat(city.gtfsStatic().url()).isEqualTo(URI.create("https://gtfs.sofiatraffic.bg/api/v1/static"));
        assertThat(city.gtfsStatic().interval()).isEqualTo(Duration.ofHours(6));
        assertThat(city.realtimeFeeds()).extracting(FeedEndpoint::id)
                .containsExactlyInAnyOrder("vehicle-positions", "trip-updates");
        assertThat(city.realtimeFeeds()).filteredOn(f -> f.id().equals("vehicle-positions"))
                .extracting(FeedEndpoint::interval).containsExactly(Duration.ofSeconds(10));
        assertThat(city.gbfsFeeds()).extracting(FeedEndpoint::id).containsExactly("nextbike-sofia");
    }

    @Test
    void loadsTheSameKeysFromNestedJson() throws IOException {
        Path file = dir.resolve("sofia.json");
        Files.writeString(file, """
                {"city": {"id": "sofia", "time-zone": "Europe/Sofia", "bounds": [42.55, 23.05, 42.85, 23.60]},
                 "gtfsrt": {"alerts": {"url": "file:///tmp/alerts.pb", "interval": "PT30S"}}}
                """, StandardCharsets.UTF_8);

        CityConfig city = CityConfig.load(file);

        assertThat(city.serviceDayStart()).isEqualTo(LocalTime.of(4, 0));
        assertThat(city.bounds().north()).isEqualTo(42.85);
        assertThat(city.realtimeFeeds()).singleElement().satisfies(feed -> {
            assertThat(feed.id()).isEqualTo("alerts");
            assertThat(feed.url()).isEqualTo(URI.create("file:///tmp/alerts.pb"));
            assertThat(feed.interval()).isEqualTo(Duration.ofSeconds(30));
        });
        assertThat(city.gtfsStatic()).isNull();
    }

    @Test
    void missingCityIdIsAClearError() {
        Path file = dir.resolve("bad.properties");
        assertThatThrownBy(() -> {
            Files.writeString(file, "city.time-zone=Europe/Sofia\n");
            CityConfig.load(file);
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("city.id");
    }

    @Test
    void unsupportedFeedSchemeIsRejected() {
        assertThatThrownBy(() -> new FeedEndpoint("x", URI.create("ftp://example.org/feed"), Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http:, https: or file:");
    }

    @Test
    void invertedBoundsAreRejected() {
        assertThatThrownBy(() -> BoundingBox.parse("42.85,23.05,42.55,23.60"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("south <= north");
    }

    @Test
    void populationFiguresOfTheCityAndItsDistrictsBecomeTheRecordsOfThePopulationTopic() throws IOException {
        Path file = dir.resolve("sofia.properties");
        Files.writeString(file, """
                city.id=sofia
                city.time-zone=Europe/Sofia
                population.city=1_286_383
                population.district.sredets=31000
                population.district.krasno-selo=82000
                population.as-of=2021-09-07
                population.source=NSI, 2021 census
                """);

        CityConfig city = CityConfig.load(file);

        assertThat(city.population().byArea()).containsExactlyInAnyOrderEntriesOf(Map.of("city", 1_286_383L,
                "district:sredets", 31_000L, "district:krasno-selo", 82_000L));
        Map<String, AreaPopulation> records = city.population().records("sofia");
        assertThat(records).containsOnlyKeys("sofia/city", "sofia/district:sredets", "sofia/district:krasno-selo");
        assertThat(records.get("sofia/district:sredets")).satisfies(r -> {
            assertThat(r.getCity()).isEqualTo("sofia");
            assertThat(r.getArea()).isEqualTo("district:sredets");
            assertThat(r.getPopulation()).isEqualTo(31_000L);
            assertThat(r.getAsOf()).isEqualTo(LocalDate.of(2021, 9, 7));
            assertThat(r.getSource()).isEqualTo("NSI, 2021 census");
        });
    }

    @Test
    void aCityWithoutPopulationFiguresHasNone() throws IOException {
        Path file = dir.resolve("granada.json");
        Files.writeString(file, """
                {"city": {"id": "granada", "time-zone": "Europe/Madrid"},
                 "population": {"city": 231775, "as-of": "2024-01-01"}}
                """, StandardCharsets.UTF_8);
        assertThat(CityConfig.load(file).population().byArea()).containsExactly(Map.entry("city", 231_775L));
        assertThat(CityConfig.of("granada", ZoneId.of("Europe/Madrid")).population().isEmpty()).isTrue();
    }

    @Test
    void badPopulationFiguresAreClearErrors() {
        assertThatThrownBy(() -> load("population.city=1286383\n"))
                .hasMessageContaining("population.as-of");
        assertThatThrownBy(() -> load("population.city=0\npopulation.as-of=2021-09-07\n"))
                .hasMessageContaining("population.city must be a positive number");
        assertThatThrownBy(() -> load("population.city=1.2M\npopulation.as-of=2021-09-07\n"))
                .hasMessageContaining("population.city must be a whole number");
        assertThatThrownBy(() -> load("population.district.Sredets=31000\npopulation.as-of=2021-09-07\n"))
                .hasMessageContaining("district id");
        assertThatThrownBy(() -> load("population.sredets=31000\npopulation.as-of=2021-09-07\n"))
                .hasMessageContaining("unknown population keys [population.sredets]");
        assertThatThrownBy(() -> load("population.city=31000\npopulation.as-of=7.9.2021\n"))
                .hasMessageContaining("population.as-of must be a date");
    }

    @Test
    void districtBoundariesLoadFromAPathRelativeToTheCityFile() throws IOException {
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("districts.geojson"), """
                {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "sredets"},
                 "geometry": {"type": "Polygon", "coordinates": [[[23.31, 42.68], [23.34, 42.68], [23.34, 42.70],
                 [23.31, 42.70], [23.31, 42.68]]]}}]}
                """);
        Path file = config.resolve("sofia.properties");
        Files.writeString(file, """
                city.id=sofia
                city.time-zone=Europe/Sofia
                districts.geojson=districts.geojson
                districts.id-property=code
                """);

        CityDistricts districts = CityConfig.load(file).districts();

        assertThat(districts.ids()).containsExactly("sredets");
        assertThat(districts.idAt(42.69, 23.32)).isEqualTo("sredets");
        assertThatThrownBy(() -> load("districts.geojson=missing.geojson\n"))
                .hasMessageContaining("districts.geojson missing.geojson cannot be read");
    }

    private CityConfig load(String population) throws IOException {
        Path file = dir.resolve("city.properties");
        Files.writeString(file, "city.id=sofia\ncity.time-zone=Europe/Sofia\n" + population);
        return CityConfig.load(file);
    }

    private static CityConfig parse(String... lines) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("city.id", "sofia");
        p.setProperty("city.time-zone", "Europe/Sofia");
        for (String line : lines) {
            p.setProperty(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
        return CityConfig.fromProperties(p);
    }

    @Test
    void aFeedCredentialComesFromTheCityFileAndNeverShowsInTheFeedOrItsUrl() {
        CityConfig city = parse("gtfsrt.alerts.url=https://rt.example.org/alerts.pb",
                "gtfsrt.alerts.auth.header=X-Api-Key", "gtfsrt.alerts.auth.value=s3cr3t");

        FeedEndpoint feed = city.realtimeFeeds().get(0);
        assertThat(feed.secret()).isEqualTo(FeedSecret.header("X-Api-Key", "s3cr3t"));
        assertThat(feed.url().toString()).doesNotContain("s3cr3t");
        assertThat(city.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void aCredentialWithoutAPlaceToGoIsAClearError() {
        assertThatThrownBy(() -> parse("gbfs.bikes.url=https://gbfs.example.org/gbfs.json",
                "gbfs.bikes.auth.value=s3cr3t"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gbfs.bikes.auth.header")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void allowedHostsAndTheEntityCapApplyToEveryFeedAndCanBeWidenedPerFeed() {
        CityConfig city = parse("feed.allowed-hosts=cdn.example.org", "feed.max-entities=500",
                "gbfs.bikes.url=https://gbfs.example.org/gbfs.json", "gbfs.bikes.allowed-hosts=*.bikes.example.org",
                "gbfs.bikes.max-entities=20000");

        FeedEndpoint bikes = city.gbfsFeeds().get(0);
        assertThat(bikes.allowedHosts()).containsExactlyInAnyOrder("cdn.example.org", "*.bikes.example.org");
        assertThat(bikes.maxEntities()).isEqualTo(20000);
        assertThat(parse("gbfs.x.url=https://a.example.org/gbfs.json").gbfsFeeds().get(0).allowedHosts()).isEmpty();
    }

    @Test
    void districtBoundariesLargerThanTheCapAreRefusedUnread() {
        String geoJson = """
                {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "sredets"},
                 "geometry": {"type": "Polygon", "coordinates": [[[23.31, 42.68], [23.34, 42.68], [23.34, 42.70],
                 [23.31, 42.70], [23.31, 42.68]]]}}], "padding": "%s"}""".formatted("x".repeat(4096));
        try (io.civicpulse.ingest.poll.FeedServer server = new io.civicpulse.ingest.poll.FeedServer()) {
            server.serve("/districts.geojson", geoJson.getBytes(StandardCharsets.UTF_8), "application/geo+json");

            assertThatThrownBy(() -> parse("districts.geojson=" + server.url("/districts.geojson"),
                    "districts.max-bytes=1024"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1024 bytes");
        }
    }

    @Test
    void aDistrictsFileLargerThanTheCapIsRefusedUnread() throws IOException {
        Path file = Files.writeString(dir.resolve("big.geojson"), "{\"padding\": \"" + "x".repeat(4096) + "\"}");

        assertThatThrownBy(() -> parse("districts.geojson=" + file.toUri(), "districts.max-bytes=1024"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 1024 bytes");
    }
}
