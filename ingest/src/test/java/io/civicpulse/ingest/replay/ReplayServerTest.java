package io.civicpulse.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.ingest.replay.ReplayServer.Pace;
import io.civicpulse.ingest.replay.ReplayServer.Progress;

class ReplayServerTest {

    private static final Instant T0 = Instant.parse("2026-03-31T05:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theReplayClockRunsAtTheSpeedFactorFromTheFirstFeedRequest() throws Exception {
        Snapshots.realtime(dir, "trip-updates", T0);
        Snapshots.realtime(dir, "trip-updates", T0.plusSeconds(300));
        Snapshots.realtime(dir, "trip-updates", T0.plusSeconds(900));
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, Recording.read(dir), Pace.ofSpeed(60),
                nanos::get)) {
            URI tripUpdates = replay.urls("sofia").tripUpdates();
            nanos.addAndGet(Duration.ofMinutes(10).toNanos());
            assertThat(replay.clock().instant()).as("the clock waits for the first request").isEqualTo(T0);

            assertThat(Snapshots.feedTime(Snapshots.get(tripUpdates).body())).isEqualTo(T0);
            nanos.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(replay.clock().instant()).isEqualTo(T0.plusSeconds(300));
            assertThat(Snapshots.feedTime(Snapshots.get(tripUpdates).body())).isEqualTo(T0.plusSeconds(300));
            nanos.addAndGet(Duration.ofSeconds(9).toNanos());
            assertThat(replay.clock().instant()).isEqualTo(T0.plusSeconds(840));
            assertThat(Snapshots.feedTime(Snapshots.get(tripUpdates).body())).isEqualTo(T0.plusSeconds(300));
            assertThat(replay.progress().complete()).isFalse();

            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThat(Snapshots.feedTime(Snapshots.get(tripUpdates).body())).isEqualTo(T0.plusSeconds(900));
            Progress done = replay.completion().get(10, TimeUnit.SECONDS);
            assertThat(done.position()).isEqualTo(T0.plusSeconds(900));
            assertThat(replay.progress().snapshotsServed()).isEqualTo(3);
        }
    }

    @Test
    void aSnapshotTheClientAlreadyHasIsAnswered304() throws Exception {
        Snapshots.realtime(dir, "vehicle-positions", T0);
        Snapshots.realtime(dir, "vehicle-positions", T0.plusSeconds(10));
        AtomicLong nanos = new AtomicLong();
        try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, Recording.read(dir), Pace.ofSpeed(1),
                nanos::get)) {
            URI vehicles = replay.urls("sofia").vehiclePositions();
            HttpResponse<byte[]> first = Snapshots.get(vehicles);
            String etag = first.headers().firstValue("ETag").orElseThrow();
            String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();
            assertThat(lastModified).isEqualTo("Tue, 31 Mar 2026 05:00:00 GMT");

            assertThat(Snapshots.get(vehicles, "If-None-Match", etag).statusCode()).isEqualTo(304);
            assertThat(Snapshots.get(vehicles, "If-Modified-Since", lastModified).statusCode()).isEqualTo(304);

            nanos.addAndGet(Duration.ofSeconds(10).toNanos());
            HttpResponse<byte[]> next = Snapshots.get(vehicles, "If-None-Match", etag);
            assertThat(next.statusCode()).isEqualTo(200);
            assertThat(Snapshots.feedTime(next.body())).isEqualTo(T0.plusSeconds(10));
        }
    }

    @Test
    void asFastAsPossibleEverySnapshotOfAPolledFeedIsServedOnceInOrder() throws Exception {
        List<Instant> tripUpdates = List.of(T0, T0.plusSeconds(10), T0.plusSeconds(20));
        List<Instant> vehicles = List.of(T0, T0.plusSeconds(5), T0.plusSeconds(15), T0.plusSeconds(25));
        tripUpdates.forEach(t -> Snapshots.realtime(dir, "trip-updates", t));
        vehicles.forEach(t -> Snapshots.realtime(dir, "vehicle-positions", t));
        try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, Recording.read(dir), Pace.AS_FAST_AS_POSSIBLE)) {
            Poller tu = new Poller(replay.urls("sofia").tripUpdates());
            Poller vp = new Poller(replay.urls("sofia").vehiclePositions());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!replay.progress().complete() && System.nanoTime() < deadline) {
                tu.poll();
                vp.poll();
            }

            assertThat(replay.progress().complete()).isTrue();
            assertThat(tu.seen).containsExactlyElementsOf(tripUpdates);
            assertThat(vp.seen).containsExactlyElementsOf(vehicles);
            assertThat(replay.progress().position()).isEqualTo(T0.plusSeconds(25));
            assertThat(replay.progress().snapshotsSkipped()).isZero();
        }
    }

    @Test
    void asFastAsPossibleTheClockWaitsForAPolledFeedNobodyFetched() throws Exception {
        Snapshots.realtime(dir, "trip-updates", T0);
        Snapshots.realtime(dir, "trip-updates", T0.plusSeconds(10));
        for (int s = 0; s <= 30; s += 5) {
            Snapshots.realtime(dir, "vehicle-positions", T0.plusSeconds(s));
        }
        try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, Recording.read(dir), Pace.AS_FAST_AS_POSSIBLE)) {
            Poller vp = new Poller(replay.urls("sofia").vehiclePositions());
            for (int i = 0; i < 10; i++) {
                vp.poll();
            }

            Progress progress = replay.progress();
            assertThat(progress.position()).isEqualTo(T0.plusSeconds(5));
            assertThat(progress.waitingFor()).containsExactly("/sofia/gtfs-rt/trip-updates.pb");
            assertThat(vp.seen).containsExactly(T0, T0.plusSeconds(5));

            Snapshots.get(replay.urls("sofia").tripUpdates());
            assertThat(replay.progress().position()).isEqualTo(T0.plusSeconds(10));
        }
    }

    @Test
    void gbfsDiscoveryPointsAtTheReplayNotAtTheRecordedServer() throws Exception {
        Snapshots.write(dir, "sofia", "gbfs-v3/gbfs", T0, """
                {"last_updated":"2026-03-31T08:00:00+03:00","ttl":60,"version":"3.0","data":{"feeds":[
                 {"name":"system_information","url":"https://operator.example/gbfs/system_information.json"},
                 {"name":"station_status","url":"https://operator.example/gbfs/station_status.json"}]}}
                """.getBytes(StandardCharsets.UTF_8));
        Snapshots.write(dir, "sofia", "gbfs-v3/station_status", T0, """
                {"last_updated":"2026-03-31T08:00:00+03:00","ttl":60,"version":"3.0","data":{"stations":[]}}
                """.getBytes(StandardCharsets.UTF_8));
        try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, Recording.read(dir), Pace.ofSpeed(1))) {
            JsonNode discovery = json(Snapshots.get(replay.urls("sofia").gbfsV3()));

            List<String> urls = new ArrayList<>();
            discovery.path("data").path("feeds").forEach(f -> urls.add(f.path("url").asText()));
            assertThat(urls).containsExactly(replay.baseUri() + "/sofia/gbfs/v3/system_information.json",
                    replay.baseUri() + "/sofia/gbfs/v3/station_status.json");
            assertThat(Snapshots.get(URI.create(urls.get(1))).statusCode()).isEqualTo(200);
            assertThat(replay.urls("sofia").gbfsV2()).isNull();
        }
    }

    @Test
    void theIndexListsTheFeedUrlsAndTheProgress() throws Exception {
        Snapshots.realtime(dir, "alerts", T0);
        Snapshots.realtime(dir, "alerts", T0.plusSeconds(60));
        try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, Recording.read(dir), Pace.AS_FAST_AS_POSSIBLE)) {
            JsonNode index = json(Snapshots.get(URI.create(replay.baseUri() + "/")));

            assertThat(index.path("cities").path("sofia").path("alerts").asText())
                    .isEqualTo(replay.urls("sofia").alerts().toString());
            assertThat(index.path("replay").path("position").asText()).isEqualTo(T0.toString());
            assertThat(index.path("replay").path("snapshots").asInt()).isEqualTo(2);
            assertThat(index.path("replay").path("pace").asText()).isEqualTo("as fast as possible");
            assertThat(Snapshots.get(URI.create(replay.baseUri() + "/sofia/gtfs-rt/trip-updates.pb")).statusCode())
                    .isEqualTo(404);
        }
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        assertThat(response.statusCode()).isEqualTo(200);
        return JsonMapper.builder().build().readTree(response.body());
    }

    /** What a poller does: conditional GETs, remembering the feed time of each new body. */
    private static final class Poller {
        final URI url;
        final List<Instant> seen = new ArrayList<>();
        String etag;

        Poller(URI url) {
            this.url = url;
        }

        void poll() {
            HttpResponse<byte[]> response = etag == null ? Snapshots.get(url) : Snapshots.get(url, "If-None-Match", etag);
            if (response.statusCode() == 200) {
                seen.add(Snapshots.feedTime(response.body()));
                etag = response.headers().firstValue("ETag").orElseThrow();
            } else {
                assertThat(response.statusCode()).isEqualTo(304);
            }
        }
    }
}
