package io.civicpulse.ingest.gbfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.city.BoundingBox;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.FeedServer;
import io.civicpulse.ingest.city.MutableClock;
import io.civicpulse.ingest.publish.MockKafka;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.AvailabilityKind;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.schemas.topics.Topics;

class GbfsPollerTest {

    private static final Path SAMPLES = Path.of("../../shared/samples/gbfs");
    private static final String JSON = "application/json";

    private final MutableClock clock = new MutableClock(Instant.parse("2025-06-10T08:00:00Z"));
    private final MockKafka kafka = new MockKafka("sofia", clock);
    private final FeedServer server = new FeedServer();
    private final CityConfig sofia = CityConfig.of("sofia", ZoneId.of("Europe/Sofia"))
            .withBounds(BoundingBox.parse("42.55,23.05,42.85,23.60"));

    @AfterEach
    void tearDown() {
        server.close();
        kafka.close();
    }

    private GbfsPoller poller(CityConfig city) {
        return new GbfsPoller(city, new FeedEndpoint("nextbike-sofia", server.url("/gbfs.json"),
                Duration.ofSeconds(30), Duration.ofSeconds(2)), FeedFetcher.create(clock), kafka.publisher,
                kafka.deadLetters, kafka.metrics, new StateChangeLog(), clock);
    }

    private void serve(String path, String json) {
        server.serve(path, json.getBytes(StandardCharsets.UTF_8), JSON);
    }

    /** A v2.3 system: two stations, two free bikes, POSIX times, feeds listed per language. */
    private void serveV23(String stationStatus) {
        long t = clock.instant().getEpochSecond() - 20;
        serve("/gbfs.json", "{\"last_updated\":" + t + ",\"ttl\":60,\"version\":\"2.3\",\"data\":{\"bg\":{\"feeds\":["
                + "{\"name\":\"system_information\",\"url\":\"" + server.url("/system_information.json") + "\"},"
                + "{\"name\":\"station_information\",\"url\":\"" + server.url("/station_information.json") + "\"},"
                + "{\"name\":\"station_status\",\"url\":\"" + server.url("/station_status.json") + "\"},"
                + "{\"name\":\"free_bike_status\",\"url\":\"" + server.url("/free_bike_status.json") + "\"}]}}}");
        serve("/system_information.json", "{\"last_updated\":" + t + ",\"ttl\":60,\"version\":\"2.3\","
                + "\"data\":{\"system_id\":\"nextbike_bg\",\"language\":\"bg\",\"name\":\"Sofia Bikes\"}}");
        serve("/station_information.json", "{\"last_updated\":" + t + ",\"ttl\":60,\"version\":\"2.3\","
                + "\"data\":{\"stations\":[{\"station_id\":\"S1\",\"name\":\"NDK\",\"lat\":42.685,\"lon\":23.319},"
                + "{\"station_id\":\"S2\",\"name\":\"Far away\",\"lat\":48.85,\"lon\":2.35}]}}");
        serve("/station_status.json", stationStatus);
        serve("/free_bike_status.json", "{\"last_updated\":" + t + ",\"ttl\":60,\"version\":\"2.3\",\"data\":{\"bikes\":["
                + "{\"bike_id\":\"b1\",\"lat\":42.69,\"lon\":23.32,\"is_reserved\":false,\"is_disabled\":false,"
                + "\"vehicle_type_id\":\"bike\",\"last_reported\":" + (t - 5) + "},"
                + "{\"bike_id\":\"b2\",\"lat\":42.70,\"lon\":23.33,\"is_reserved\":1,\"is_disabled\":0}]}}");
    }

    private String stationStatusV23() {
        long t = clock.instant().getEpochSecond() - 20;
        return "{\"last_updated\":" + t + ",\"ttl\":60,\"version\":\"2.3\",\"data\":{\"stations\":["
                + "{\"station_id\":\"S1\",\"num_bikes_available\":4,\"num_docks_available\":6,\"is_installed\":true,"
                + "\"is_renting\":true,\"is_returning\":true,\"last_reported\":" + (t - 60) + "},"
                + "{\"station_id\":\"S2\",\"num_bikes_available\":1,\"num_docks_available\":1,\"is_installed\":true,"
                + "\"is_renting\":true,\"is_returning\":true,\"last_reported\":" + (t - 60) + "}]}}";
    }

    private List<DeadLetter> deadLetters(String reason) {
        return kafka.deadLetters().stream().filter(l -> l.getReason().equals(reason)).toList();
    }

    @Test
    void aV23SystemIsDiscoveredAndItsStationsAndFreeBikesPublishedPerOperator() {
        serveV23(stationStatusV23());

        // S2 lies in Paris: rejected alone, the poll itself works.
        assertThat(poller(sofia).poll()).isTrue();

        List<MockKafka.Sent<SharedVehicleAvailability>> sent = kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY);
        assertThat(sent).extracting(MockKafka.Sent::key).containsExactlyInAnyOrder(
                "sofia/nextbike_bg/S1", "sofia/nextbike_bg/b1", "sofia/nextbike_bg/b2");
        SharedVehicleAvailability s1 = sent.stream().filter(s -> s.key().endsWith("/S1")).findFirst().orElseThrow()
                .value();
        assertThat(s1.getKind()).isEqualTo(AvailabilityKind.STATION);
        assertThat(s1.getNumVehiclesAvailable()).isEqualTo(4);
        assertThat(s1.getNumDocksAvailable()).isEqualTo(6);
        assertThat(s1.getLatitude()).isEqualTo(42.685);
        assertThat(s1.getGbfsVersion()).isEqualTo("2.3");
        assertThat(s1.getLastReported()).isEqualTo(clock.instant().minusSeconds(80));
        SharedVehicleAvailability b2 = sent.stream().filter(s -> s.key().endsWith("/b2")).findFirst().orElseThrow()
                .value();
        assertThat(b2.getKind()).isEqualTo(AvailabilityKind.FREE_VEHICLE);
        assertThat(b2.getIsReserved()).isTrue();
        assertThat(b2.getNumVehiclesAvailable()).isZero();
        assertThat(b2.getLastReported()).isEqualTo(clock.instant().minusSeconds(20));
    }

    @Test
    void aStationOutsideTheCityIsDeadLetteredAndItsNeighboursPublished() {
        serveV23(stationStatusV23());

        poller(sofia).poll();

        assertThat(deadLetters("event.outside-city")).singleElement().satisfies(letter ->
                assertThat(StandardCharsets.UTF_8.decode(letter.getPayload()).toString()).contains("\"S2\""));
        assertThat(kafka.metrics.rejectedCount("event.outside-city")).isEqualTo(1);
        assertThat(kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY)).extracting(MockKafka.Sent::key)
                .contains("sofia/nextbike_bg/S1");
    }

    @Test
    void anUnchangedSystemPolledAgainPublishesNothingNew() {
        serveV23(stationStatusV23());
        GbfsPoller poller = poller(sofia.withBounds(BoundingBox.WORLD));
        assertThat(poller.poll()).isTrue();
        int before = kafka.producer.history().size();

        assertThat(poller.poll()).isTrue();

        assertThat(kafka.producer.history()).hasSize(before);
    }

    @Test
    void everyEntryStillInTheFeedIsPublishedAgainEveryRefreshIntervalEvenUnchanged() {
        serveV23(stationStatusV23());
        GbfsPoller poller = poller(sofia.withBounds(BoundingBox.WORLD));
        Instant firstPoll = clock.instant();
        assertThat(poller.poll()).isTrue();
        List<MockKafka.Sent<SharedVehicleAvailability>> first = kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY);
        clock.advance(GbfsPoller.REFRESH_EVERY.minusSeconds(30));
        assertThat(poller.poll()).isTrue();
        assertThat(kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY)).as("unchanged, before the refresh is due")
                .hasSameSizeAs(first);

        clock.advance(Duration.ofSeconds(30));
        assertThat(poller.poll()).isTrue();

        // The same reports (same lastReported and eventId), received again: the engine sees they are still there.
        List<MockKafka.Sent<SharedVehicleAvailability>> all = kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY);
        List<MockKafka.Sent<SharedVehicleAvailability>> again = all.subList(first.size(), all.size());
        assertThat(again).extracting(MockKafka.Sent::key)
                .containsExactlyInAnyOrderElementsOf(first.stream().map(MockKafka.Sent::key).toList());
        assertThat(again).allSatisfy(sent -> {
            SharedVehicleAvailability before = first.stream().filter(f -> f.key().equals(sent.key())).findFirst()
                    .orElseThrow().value();
            assertThat(sent.value().getIngestedAt()).isEqualTo(firstPoll.plus(GbfsPoller.REFRESH_EVERY));
            assertThat(sent.value().getLastReported()).isEqualTo(before.getLastReported());
            assertThat(sent.value().getEventId()).isEqualTo(before.getEventId());
        });
        clock.advance(Duration.ofSeconds(30));
        assertThat(poller.poll()).isTrue();
        assertThat(kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY)).as("the next refresh is 10 minutes away")
                .hasSameSizeAs(all);
    }

    @Test
    void invalidJsonIsDeadLetteredWithItsBytesTheOtherFileIsPublishedAndThePollerGoesOn() {
        String broken = "{\"last_updated\": 1749542400, \"data\": {\"stations\": [ {\"station_id\": 0012 } ] }";
        serveV23(broken);
        GbfsPoller poller = poller(sofia.withBounds(BoundingBox.WORLD));

        assertThat(poller.poll()).isFalse();

        assertThat(deadLetters("json.invalid")).singleElement().satisfies(letter -> {
            assertThat(StandardCharsets.UTF_8.decode(letter.getPayload()).toString()).isEqualTo(broken);
            assertThat(letter.getOrigin()).endsWith("/station_status.json");
        });
        assertThat(kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY)).extracting(MockKafka.Sent::key)
                .containsExactlyInAnyOrder("sofia/nextbike_bg/b1", "sofia/nextbike_bg/b2");

        serve("/station_status.json", stationStatusV23());
        assertThat(poller.poll()).isTrue();
        assertThat(kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY)).extracting(MockKafka.Sent::key)
                .contains("sofia/nextbike_bg/S1", "sofia/nextbike_bg/S2");
    }

    @Test
    void aFailingDiscoveryIsDeadLetteredAndRetried() {
        server.fail("/gbfs.json", 502, "bad gateway".getBytes(StandardCharsets.UTF_8));
        GbfsPoller poller = poller(sofia.withBounds(BoundingBox.WORLD));

        assertThat(poller.poll()).isFalse();
        assertThat(deadLetters("http.server-error")).hasSize(1);

        serveV23(stationStatusV23());
        assertThat(poller.poll()).isTrue();
        assertThat(kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY)).hasSize(4);
    }

    @Test
    void anEntryWithoutItsIdIsDeadLetteredAlone() {
        long t = clock.instant().getEpochSecond();
        serveV23("{\"last_updated\":" + t + ",\"version\":\"2.3\",\"data\":{\"stations\":["
                + "{\"num_bikes_available\":3},{\"station_id\":\"S1\",\"num_bikes_available\":2,\"is_installed\":1,"
                + "\"is_renting\":1,\"is_returning\":1,\"last_reported\":" + t + "}]}}");

        poller(sofia).poll();

        assertThat(deadLetters("gbfs.missing-field")).hasSize(1);
        assertThat(kafka.values(Topics.SHARED_VEHICLE_AVAILABILITY)).filteredOn(v -> "S1".equals(v.getStationId()))
                .singleElement().satisfies(v -> assertThat(v.getIsInstalled()).isTrue());
    }

    @Test
    void aStatusReportedFarInTheFutureIsDeadLettered() {
        long t = clock.instant().getEpochSecond();
        serveV23("{\"last_updated\":" + t + ",\"version\":\"2.3\",\"data\":{\"stations\":["
                + "{\"station_id\":\"S1\",\"num_bikes_available\":2,\"last_reported\":" + (t + 7200) + "}]}}");

        poller(sofia).poll();

        assertThat(deadLetters("event.future-timestamp")).hasSize(1);
        assertThat(kafka.values(Topics.SHARED_VEHICLE_AVAILABILITY)).noneMatch(v -> "S1".equals(v.getStationId()));
    }

    @Test
    void thePublicV3SamplesDecode() throws IOException {
        assumeTrue(Files.isDirectory(SAMPLES), "public samples not available");
        serve("/gbfs.json", "{\"last_updated\":\"2023-07-17T13:34:13+02:00\",\"ttl\":0,\"version\":\"3.1-RC\","
                + "\"data\":{\"feeds\":["
                + "{\"name\":\"system_information\",\"url\":\"" + server.url("/system_information") + "\"},"
                + "{\"name\":\"station_information\",\"url\":\"" + server.url("/station_information") + "\"},"
                + "{\"name\":\"station_status\",\"url\":\"" + server.url("/station_status") + "\"},"
                + "{\"name\":\"vehicle_status\",\"url\":\"" + server.url("/vehicle_status") + "\"}]}}");
        for (String file : List.of("system_information", "station_information", "station_status", "vehicle_status")) {
            server.serve("/" + file, Files.readAllBytes(SAMPLES.resolve("example-" + file + ".json")), JSON);
        }
        clock.set(Instant.parse("2023-07-17T11:40:00Z"));

        assertThat(poller(CityConfig.of("example", ZoneId.of("Europe/Paris"))).poll()).isTrue();

        List<SharedVehicleAvailability> all = kafka.values(Topics.SHARED_VEHICLE_AVAILABILITY);
        SharedVehicleAvailability station1 = all.stream().filter(v -> "station1".equals(v.getStationId())
                && v.getKind() == AvailabilityKind.STATION).findFirst().orElseThrow();
        assertThat(station1.getOperatorId()).isEqualTo("example_cityname");
        assertThat(station1.getNumVehiclesAvailable()).isEqualTo(1);
        assertThat(station1.getNumDocksAvailable()).isEqualTo(3);
        assertThat(station1.getLastReported()).isEqualTo(Instant.parse("2023-07-17T11:34:13Z"));
        assertThat(station1.getGbfsVersion()).isEqualTo("3.1-RC");
        SharedVehicleAvailability docked = all.stream()
                .filter(v -> "987fd100-b822-4347-86a4-b3eef8ca8b53".equals(v.getVehicleId())).findFirst().orElseThrow();
        assertThat(docked.getStationId()).isEqualTo("86");
        assertThat(docked.getLatitude()).isNull();
        SharedVehicleAvailability free = all.stream()
                .filter(v -> "973a5c94-c288-4a2b-afa6-de8aeb6ae2e5".equals(v.getVehicleId())).findFirst().orElseThrow();
        assertThat(free.getLatitude()).isEqualTo(12.345678);
        assertThat(free.getVehicleTypeId()).isEqualTo("abc123");
        assertThat(free.getNumVehiclesAvailable()).isEqualTo(1);
    }

    /** The v2.3 system with station_status listed at another URL. */
    private void serveV23WithStationStatusAt(String url) {
        serveV23(stationStatusV23());
        String discovery = new String(server.body("/gbfs.json"), StandardCharsets.UTF_8);
        serve("/gbfs.json", discovery.replace(server.url("/station_status.json").toString(), url));
    }

    @Test
    void aFileUrlListedByTheDiscoveryFileIsNeverRead(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path environ = Files.writeString(dir.resolve("environ"), "AWS_SECRET_ACCESS_KEY=hunter2\n");
        serveV23WithStationStatusAt(environ.toUri().toString());

        poller(sofia).poll();

        assertThat(kafka.deadLetters()).noneSatisfy(l -> assertThat(l.toString()).contains("hunter2"));
        assertThat(deadLetters("url.not-allowed")).singleElement()
                .satisfies(l -> assertThat(l.getOrigin()).startsWith("file:"));
        // The other files of the system still flow.
        assertThat(kafka.records(Topics.SHARED_VEHICLE_AVAILABILITY)).extracting(MockKafka.Sent::key)
                .contains("sofia/nextbike_bg/b1");
    }

    @Test
    void aUrlListedOnAnotherHostIsNotFetched() {
        serveV23WithStationStatusAt(server.url("/station_status.json").toString().replace("127.0.0.1", "localhost"));

        poller(sofia).poll();

        assertThat(server.requests("/station_status.json")).isZero();
        assertThat(deadLetters("url.not-allowed")).hasSize(1);
    }

    @Test
    void aUrlListedOnAHostTheCityAllowsIsFetched() {
        serveV23WithStationStatusAt(server.url("/station_status.json").toString().replace("127.0.0.1", "localhost"));
        GbfsPoller poller = new GbfsPoller(sofia, new FeedEndpoint("nextbike-sofia", server.url("/gbfs.json"),
                Duration.ofSeconds(30), Duration.ofSeconds(2)).withAllowedHosts(java.util.Set.of("localhost")),
                FeedFetcher.create(clock), kafka.publisher, kafka.deadLetters, kafka.metrics, new StateChangeLog(),
                clock);

        assertThat(poller.poll()).isTrue();

        assertThat(server.requests("/station_status.json")).isEqualTo(1);
    }

    @Test
    void theFeedsCredentialIsSentButNeverReachesADeadLetter() {
        server.fail("/gbfs.json", 403, "key s3cr3t-k3y is not valid here".getBytes(StandardCharsets.UTF_8));
        GbfsPoller poller = new GbfsPoller(sofia, new FeedEndpoint("nextbike-sofia", server.url("/gbfs.json"),
                Duration.ofSeconds(30), Duration.ofSeconds(2)).withSecret(
                io.civicpulse.ingest.city.FeedSecret.query("key", "s3cr3t-k3y")), FeedFetcher.create(clock),
                kafka.publisher, kafka.deadLetters, kafka.metrics, new StateChangeLog(), clock);

        assertThat(poller.poll()).isFalse();

        assertThat(server.lastQuery("/gbfs.json")).isEqualTo("key=s3cr3t-k3y");
        assertThat(kafka.deadLetters()).isNotEmpty().allSatisfy(l -> {
            assertThat(l.toString()).doesNotContain("s3cr3t-k3y");
            assertThat(new String(l.getPayload().array(), StandardCharsets.UTF_8)).contains("key *** is not valid");
        });
    }
}
