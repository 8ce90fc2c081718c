package io.civicpulse.ingest.gtfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.CityDistricts;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.publish.MockKafka;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.reference.FrequencyPeriod;
import io.civicpulse.schemas.reference.Route;
import io.civicpulse.schemas.reference.ScheduledStopTime;
import io.civicpulse.schemas.reference.ScheduledTrip;
import io.civicpulse.schemas.reference.ServiceCalendar;
import io.civicpulse.schemas.reference.Stop;
import io.civicpulse.schemas.reference.TransitMode;
import io.civicpulse.schemas.topics.Topics;

class GtfsStaticLoaderTest {

    private final Clock clock = Clock.fixed(Instant.parse("2025-06-10T05:00:00Z"), ZoneOffset.UTC);
    private final MockKafka kafka = new MockKafka("sofia", clock);
    private CityConfig city = CityConfig.of("sofia", ZoneId.of("Europe/Sofia"));
    private HttpServer server;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        kafka.close();
        if (server != null) {
            server.stop(0);
        }
    }

    private GtfsStaticLoader loader(URI url) {
        FeedEndpoint feed = new FeedEndpoint("gtfs-static", url, Duration.ofHours(6));
        return new GtfsStaticLoader(city, feed, FeedFetcher.create(clock), kafka.publisher, kafka.deadLetters,
                kafka.metrics, clock, new StateChangeLog(), dir);
    }

    private Path feedFile(GtfsZip zip) {
        return zip.writeTo(dir.resolve("published-feed.zip"));
    }

    @Test
    void theFirstLoadPublishesEveryRouteStopTripAndCalendarKeyedByCity() {
        GtfsStaticLoader loader = loader(feedFile(GtfsZip.sofiaLike()).toUri());

        assertThat(loader.poll()).isTrue();

        assertThat(kafka.records(Topics.ROUTES)).extracting(MockKafka.Sent::key)
                .containsExactlyInAnyOrder("sofia/A94", "sofia/TM5");
        assertThat(kafka.records(Topics.STOPS)).hasSize(4);
        assertThat(kafka.records(Topics.SCHEDULED_TRIPS)).hasSize(3);
        assertThat(kafka.records(Topics.SERVICE_CALENDARS)).extracting(MockKafka.Sent::key).containsExactly("sofia/WD");
        assertThat(loader.schedule().tripCount()).isEqualTo(3);
    }

    @Test
    void stopsCarryTheDistrictTheirCoordinatesLieIn() {
        // A box around Sofia University (42.6934 N) only: the feed's other stops lie outside every district.
        city = city.withDistricts(CityDistricts.fromGeoJson("""
                {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "sredets"},
                 "geometry": {"type": "Polygon", "coordinates": [[[23.0, 42.690], [23.6, 42.690], [23.6, 42.695],
                 [23.0, 42.695], [23.0, 42.690]]]}}]}
                """.getBytes(StandardCharsets.UTF_8), "id"));
        loader(feedFile(GtfsZip.sofiaLike()).toUri()).poll();

        assertThat(kafka.values(Topics.STOPS)).filteredOn(s -> s.getDistrict() != null).extracting(Stop::getStopId)
                .containsExactly("A0001");
        assertThat(kafka.values(Topics.STOPS)).filteredOn(s -> s.getDistrict() != null).extracting(Stop::getDistrict)
                .containsExactly("sredets");
    }

    @Test
    void recordsCarryTheFeedValuesAndTheZipDigestAsVersion() throws IOException {
        Path file = feedFile(GtfsZip.sofiaLike());
        String sha256 = io.civicpulse.ingest.publish.EventIds.sha256Hex(Files.readAllBytes(file));
        loader(file.toUri()).poll();

        Route tram = kafka.values(Topics.ROUTES).stream().filter(r -> r.getRouteId().equals("TM5")).findFirst()
                .orElseThrow();
        assertThat(tram.getMode()).isEqualTo(TransitMode.TRAM);
        assertThat(tram.getShortName()).isEqualTo("5");
        assertThat(tram.getFeedVersion()).isEqualTo(sha256);
        assertThat(tram.getUpdatedAt()).isEqualTo(clock.instant());
        Stop university = kafka.values(Topics.STOPS).stream().filter(s -> s.getStopId().equals("A0001"))
                .findFirst().orElseThrow();
        assertThat(university.getName()).isEqualTo("Sofia University \"St. Kliment Ohridski\"");
        assertThat(university.getLatitude()).isEqualTo(42.6934);
        ScheduledTrip night = kafka.values(Topics.SCHEDULED_TRIPS).stream()
                .filter(t -> t.getTripId().equals("A94-N")).findFirst().orElseThrow();
        assertThat(night.getRouteId()).isEqualTo("A94");
        assertThat(night.getDirectionId()).isEqualTo(1);
        assertThat(night.getStopTimes()).containsExactly(new ScheduledStopTime("A0003", 1, 87600, 87600),
                new ScheduledStopTime("A0001", 2, 88800, 88800));
        ServiceCalendar weekdays = kafka.values(Topics.SERVICE_CALENDARS).get(0);
        assertThat(weekdays.getActiveDates()).containsExactly(LocalDate.of(2025, 6, 10), LocalDate.of(2025, 6, 11));
    }

    @Test
    void aFrequencyBasedTripIsPublishedWithItsPeriodsSoEachRunCanBeTold() {
        loader(feedFile(GtfsZip.sofiaLike().file("frequencies.txt",
                "trip_id,start_time,end_time,headway_secs,exact_times\nTM5-LOOP,06:00:00,22:00:00,600,1\n"))
                .toUri()).poll();

        ScheduledTrip loop = kafka.values(Topics.SCHEDULED_TRIPS).stream()
                .filter(t -> t.getTripId().equals("TM5-LOOP")).findFirst().orElseThrow();
        assertThat(loop.getFrequencyBased()).isTrue();
        assertThat(loop.getFrequencies()).containsExactly(new FrequencyPeriod(6 * 3600, 22 * 3600, 600, true));
        ScheduledTrip night = kafka.values(Topics.SCHEDULED_TRIPS).stream()
                .filter(t -> t.getTripId().equals("A94-N")).findFirst().orElseThrow();
        assertThat(night.getFrequencies()).isEmpty();
    }

    @Test
    void pollingAnUnchangedFeedAgainPublishesNothing() {
        GtfsStaticLoader loader = loader(feedFile(GtfsZip.sofiaLike()).toUri());
        loader.poll();
        int before = kafka.producer.history().size();

        assertThat(loader.poll()).isTrue();

        assertThat(kafka.producer.history()).hasSize(before);
    }

    @Test
    void aReloadPublishesOnlyWhatChangedAndTombstonesWhatDisappeared() throws Exception {
        Path file = feedFile(GtfsZip.sofiaLike());
        GtfsStaticLoader loader = loader(file.toUri());
        loader.poll();
        int before = kafka.producer.history().size();

        // A94-1 gets a new time, the night trip leaves the feed, everything else is identical.
        GtfsZip changed = GtfsZip.sofiaLike()
                .file("trips.txt", "route_id,service_id,trip_id,trip_headsign,direction_id,block_id\n"
                        + "A94,WD,A94-1,Center,0,B1\nTM5,WD,TM5-LOOP,Loop,,\n")
                .file("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        + "A94-1,08:00:00,08:00:00,A0001,1\nA94-1,08:12:00,08:12:00,A0002,2\n"
                        + "A94-1,08:20:00,08:20:00,A0003,3\nTM5-LOOP,09:00:00,09:00:00,TM0300,1\n"
                        + "TM5-LOOP,09:10:00,09:10:00,A0002,2\nTM5-LOOP,09:20:00,09:20:00,A0003,3\n"
                        + "TM5-LOOP,09:30:00,09:30:00,TM0300,4\n");
        GtfsStaticLoader.LoadSummary summary = loader.load(changed.writeTo(dir.resolve("v2.zip")), "v2");

        List<MockKafka.Sent<ScheduledTrip>> trips = kafka.records(Topics.SCHEDULED_TRIPS);
        List<MockKafka.Sent<ScheduledTrip>> sinceReload = trips.subList(3, trips.size());
        assertThat(sinceReload).extracting(MockKafka.Sent::key).containsExactlyInAnyOrder("sofia/A94-1", "sofia/A94-N");
        assertThat(sinceReload).filteredOn(s -> s.key().equals("sofia/A94-N")).singleElement()
                .satisfies(s -> assertThat(s.value()).isNull());
        assertThat(sinceReload).filteredOn(s -> s.key().equals("sofia/A94-1")).singleElement()
                .satisfies(s -> assertThat(s.value().getFeedVersion()).isEqualTo("v2"));
        assertThat(kafka.producer.history().size() - before).isEqualTo(2);
        assertThat(summary.published()).isEqualTo(1);
        assertThat(summary.removed()).isEqualTo(1);
        assertThat(loader.schedule().tripIndex("A94-N")).isEqualTo(-1);
    }

    @Test
    void anHttpFeedWithAnEtagIsNotDownloadedAgainWhenUnchanged() throws IOException {
        byte[] zip = GtfsZip.sofiaLike().bytes(dir);
        AtomicInteger fullResponses = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/gtfs.zip", exchange -> {
            if ("\"feed-1\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
            } else {
                fullResponses.incrementAndGet();
                exchange.getResponseHeaders().add("ETag", "\"feed-1\"");
                exchange.sendResponseHeaders(200, zip.length);
                exchange.getResponseBody().write(zip);
            }
            exchange.close();
        });
        server.start();
        GtfsStaticLoader loader = loader(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/gtfs.zip"));

        assertThat(loader.poll()).isTrue();
        assertThat(loader.poll()).isTrue();

        assertThat(fullResponses).hasValue(1);
        assertThat(kafka.values(Topics.ROUTES)).allSatisfy(r -> assertThat(r.getFeedVersion()).isEqualTo("\"feed-1\""));
        assertThat(kafka.records(Topics.ROUTES)).hasSize(2);
    }

    @Test
    void aBrokenZipIsDeadLetteredAndTheLoadedScheduleStays() throws IOException {
        Path file = feedFile(GtfsZip.sofiaLike());
        GtfsStaticLoader loader = loader(file.toUri());
        loader.poll();
        Files.writeString(file, "<html>502 Bad Gateway</html>");

        assertThat(loader.poll()).isFalse();

        assertThat(kafka.metrics.rejectedCount("gtfs.invalid-zip")).isEqualTo(1);
        assertThat(kafka.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("gtfs.invalid-zip");
            assertThat(letter.getSource()).isEqualTo("ingest.gtfs-static");
            assertThat(StandardCharsets.UTF_8.decode(letter.getPayload()).toString())
                    .isEqualTo("<html>502 Bad Gateway</html>");
        });
        assertThat(loader.schedule().tripCount()).isEqualTo(3);
    }

    @Test
    void anHttpErrorIsDeadLetteredWithItsStatusAndThePollFails() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/gtfs.zip", exchange -> {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        server.start();
        GtfsStaticLoader loader = loader(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/gtfs.zip"));

        assertThat(loader.poll()).isFalse();

        assertThat(kafka.metrics.rejectedCount("http.server-error")).isEqualTo(1);
        assertThat(kafka.deadLetters()).singleElement()
                .satisfies(letter -> assertThat(letter.getHeaders()).containsEntry("status", "500"));
        assertThat(kafka.metrics.pollFailures("gtfs-static")).isEqualTo(1);
    }

    @Test
    void aBadRowIsDeadLetteredWithItsTextWhileTheRestIsPublished() {
        GtfsStaticLoader loader = loader(feedFile(GtfsZip.sofiaLike().file("trips.txt",
                "route_id,service_id,trip_id,trip_headsign,direction_id,block_id\n"
                        + "A94,WD,A94-1,Center,0,B1\nX99,WD,X99-1,Nowhere,0,\nTM5,WD,TM5-LOOP,Loop,,\n")).toUri());

        assertThat(loader.poll()).isTrue();

        List<DeadLetter> letters = kafka.deadLetters().stream()
                .filter(l -> l.getReason().equals("gtfs.unknown-route")).toList();
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(StandardCharsets.UTF_8.decode(letter.getPayload()).toString())
                    .isEqualTo("X99,WD,X99-1,Nowhere,0,");
            assertThat(letter.getHeaders()).containsEntry("file", "trips.txt").containsEntry("line", "3");
        });
        assertThat(kafka.records(Topics.SCHEDULED_TRIPS)).extracting(MockKafka.Sent::key)
                .containsExactlyInAnyOrder("sofia/A94-1", "sofia/TM5-LOOP");
    }

    @Test
    void aSofiaSizedFeedIsPublishedWithOneRecordPerTrip() throws Exception {
        Path zip = GtfsZip.synthetic(dir.resolve("big.zip"), 140, 215, 33, 3000);
        AtomicReference<Integer> trips = new AtomicReference<>(0);
        io.civicpulse.ingest.publish.Publisher counting = new io.civicpulse.ingest.publish.Publisher() {
            @Override
            public <V extends org.apache.avro.specific.SpecificRecord> java.util.concurrent.CompletableFuture<Void>
                    send(io.civicpulse.schemas.topics.Topic<String, V> topic, String key, V value) {
                if (topic.equals(Topics.SCHEDULED_TRIPS)) {
                    trips.updateAndGet(n -> n + 1);
                }
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
        };
        GtfsStaticLoader loader = new GtfsStaticLoader(city, new FeedEndpoint("gtfs-static", zip.toUri(),
                Duration.ofHours(6)), FeedFetcher.create(clock), counting, kafka.deadLetters, kafka.metrics, clock,
                new StateChangeLog(), dir);

        GtfsStaticLoader.LoadSummary summary = loader.load(zip, "big");

        assertThat(summary.trips()).isEqualTo(30_100);
        assertThat(summary.stopTimes()).isEqualTo(993_300);
        assertThat(trips).hasValue(30_100);
        assertThat(loader.load(zip, "big-again").published()).isZero();
    }
}
