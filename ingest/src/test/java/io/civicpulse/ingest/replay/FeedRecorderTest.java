package io.civicpulse.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.ingest.city.MutableClock;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.FeedServer;
import io.civicpulse.ingest.replay.FeedRecorder.Feed;
import io.civicpulse.ingest.replay.FeedRecorder.Source;
import io.civicpulse.ingest.replay.FeedRecorder.Stats;
import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.NetworkSize;

class FeedRecorderTest {

    private static final Instant MORNING = Instant.parse("2026-03-31T05:00:00Z");

    @TempDir
    Path dir;

    private final FeedServer server = new FeedServer();

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void recordingTheSimulatorStoresEachFeedAtItsIntervalAndOnlyWhenItChanged() throws Exception {
        List<Instant> rounds = new ArrayList<>();
        Stats stats = FeedRecorder.recordSimulation(dir, CityProfile.sofia(), 42, NetworkSize.SMALL, MORNING,
                Duration.ofMinutes(2), Map.of(), rounds::add);

        Path sofia = dir.resolve("sofia");
        assertThat(files(sofia)).contains("gtfs.zip").noneMatch(f -> f.startsWith("gtfs-"));
        assertThat(files(sofia.resolve("trip-updates"))).hasSize(8).first()
                .isEqualTo(MORNING.toEpochMilli() + ".pb");
        assertThat(files(sofia.resolve("vehicle-positions"))).hasSize(12);
        assertThat(files(sofia.resolve("alerts"))).hasSize(2);
        assertThat(files(sofia.resolve("gbfs-v3/station_status"))).as("fetched 4 times; bikes move minute by minute")
                .hasSize(2);
        assertThat(files(sofia.resolve("gbfs-v3/gbfs"))).as("discovery only restamps itself").hasSize(1);
        assertThat(rounds).first().isEqualTo(MORNING);
        assertThat(rounds).last().isEqualTo(MORNING.plusSeconds(110));
        assertThat(stats.unchanged()).as("the static zip answered 304 after the first fetch").isPositive();
        assertThat(stats.failures()).isZero();
    }

    @Test
    void whateverTheServerSendsIsStoredAndAFailingFeedDoesNotStopTheOthers() throws Exception {
        byte[] notProtobuf = "<html>maintenance</html>".getBytes(StandardCharsets.UTF_8);
        server.serve("/vehicles", notProtobuf, "text/html");
        server.fail("/trips", 503, "down".getBytes(StandardCharsets.UTF_8));
        MutableClock clock = new MutableClock(MORNING);
        FeedRecorder recorder = new FeedRecorder(dir, "sofia", List.of(
                new Source(Feed.VEHICLE_POSITIONS, server.url("/vehicles"), Duration.ofSeconds(10)),
                new Source(Feed.TRIP_UPDATES, server.url("/trips"), Duration.ofSeconds(10))),
                FeedFetcher.create(clock), clock);

        recorder.recordDue();
        clock.advance(Duration.ofSeconds(10));
        recorder.recordDue();

        assertThat(files(dir.resolve("sofia/vehicle-positions"))).containsExactly(MORNING.toEpochMilli() + ".pb");
        assertThat(Files.readAllBytes(dir.resolve("sofia/vehicle-positions/" + MORNING.toEpochMilli() + ".pb")))
                .isEqualTo(notProtobuf);
        assertThat(Files.exists(dir.resolve("sofia/trip-updates"))).isFalse();
        assertThat(recorder.stats()).isEqualTo(new Stats(4, 1, 1, 2));
        assertThat(server.requests("/trips")).isEqualTo(2);
    }

    private static List<String> files(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
