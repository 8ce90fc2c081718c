package io.civicpulse.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.gtfs.GtfsStaticLoader;
import io.civicpulse.ingest.gtfsrt.GtfsRtPoller;
import io.civicpulse.ingest.mobility.MobilityIngest;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.publish.MockKafka;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.ingest.replay.FeedRecorder.Feed;
import io.civicpulse.ingest.replay.FeedRecorder.Source;
import io.civicpulse.ingest.replay.ReplayServer.Pace;
import io.civicpulse.ingest.replay.ReplayServer.Progress;
import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.CitySimulation;
import io.civicpulse.ingest.simulator.NetworkSize;
import io.civicpulse.ingest.simulator.SimulationClock;
import io.civicpulse.ingest.simulator.SimulatorServer;
import io.civicpulse.ingest.simulator.SimulatorServer.FeedUrls;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.topics.Topics;

/** A recording of the simulator, replayed to the real pollers ({@link MobilityIngest}) over HTTP. */
class ReplayThroughPollersTest {

    /** 08:00 in Sofia: rush hour, so every feed has plenty to say. */
    private static final Instant MORNING = Instant.parse("2026-03-31T05:00:00Z");
    private static final Duration POLL = Duration.ofMillis(50);

    @TempDir
    Path dir;

    @TempDir
    Path work;

    @Test
    void aRecordingReplayedAsFastAsPossiblePublishesWhatPollingTheSimulatorDirectlyPublished() throws Exception {
        SimulationClock clock = SimulationClock.manual(MORNING);
        CitySimulation simulation = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, clock);
        try (SimulatorServer simulator = SimulatorServer.start("127.0.0.1", 0, List.of(simulation));
             MockKafka direct = new MockKafka("sofia", clock)) {
            FeedUrls urls = simulator.urls("sofia");
            FeedFetcher fetcher = FeedFetcher.create(clock);
            FeedRecorder recorder = new FeedRecorder(dir, "sofia", List.of(new Source(Feed.GTFS_STATIC, urls.gtfsStatic()),
                    new Source(Feed.TRIP_UPDATES, urls.tripUpdates()),
                    new Source(Feed.VEHICLE_POSITIONS, urls.vehiclePositions()),
                    new Source(Feed.ALERTS, urls.alerts())), fetcher, clock);
            // The same pollers, called by hand right after each recording round: what polling the simulator
            // directly at the recorded instants publishes.
            CityConfig city = city(urls, POLL);
            GtfsStaticLoader loader = new GtfsStaticLoader(city, city.gtfsStatic(), fetcher, direct.publisher,
                    direct.deadLetters, direct.metrics, clock, new StateChangeLog(), work);
            assertThat(loader.poll()).isTrue();
            Map<Feed, GtfsRtPoller> pollers = new EnumMap<>(Feed.class);
            for (FeedEndpoint feed : city.realtimeFeeds()) {
                pollers.put(Feed.byId(feed.id()), new GtfsRtPoller(city, feed, fetcher, loader::schedule,
                        direct.publisher, direct.deadLetters, direct.metrics, new StateChangeLog(), clock,
                        Duration.ofSeconds(60)));
            }
            Instant end = MORNING.plus(Duration.ofMinutes(2));
            while (recorder.nextDue().isBefore(end)) {
                clock.set(recorder.nextDue());
                for (Feed due : recorder.recordDue()) {
                    if (pollers.containsKey(due)) {
                        assertThat(pollers.get(due).poll()).isTrue();
                    }
                }
            }
            List<String> directTrips = tripUpdates(direct);
            List<String> directVehicles = vehiclePositions(direct);
            assertThat(direct.values(Topics.TRIP_UPDATES).stream().map(TripUpdate::getFeedTimestamp).distinct())
                    .as("trip updates of every recorded round").hasSize(8);
            assertThat(direct.values(Topics.VEHICLE_POSITIONS).stream().map(VehiclePosition::getFeedTimestamp)
                    .distinct()).as("vehicle positions of every recorded round").hasSize(12);

            Recording recording = Recording.read(dir);
            try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, recording, Pace.AS_FAST_AS_POSSIBLE);
                 MockKafka replayed = new MockKafka("sofia", replay.clock());
                 MobilityIngest ingest = MobilityIngest.start(city(replay.urls("sofia"), POLL), replayed.publisher,
                         replayed.metrics, replay.clock())) {
                Progress done = replay.completion().get(60, TimeUnit.SECONDS);

                assertThat(done.snapshotsServed()).isEqualTo(done.snapshots()).isEqualTo(1 + 8 + 12 + 2);
                assertThat(done.position()).isEqualTo(MORNING.plusSeconds(110));
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(tripUpdates(replayed)).containsExactlyElementsOf(directTrips);
                    assertThat(vehiclePositions(replayed)).containsExactlyElementsOf(directVehicles);
                });
                assertThat(replayed.deadLetters()).isEmpty();
            }
        }
    }

    @Test
    void aCorruptSnapshotIsDeadLetteredByThePollerAndTheReplayGoesOn() throws Exception {
        FeedRecorder.recordSimulation(dir, CityProfile.sofia(), 42, NetworkSize.SMALL, MORNING,
                Duration.ofSeconds(45), Map.of(), at -> { });
        Path corrupt = dir.resolve("sofia/trip-updates/" + MORNING.plusSeconds(15).toEpochMilli() + ".pb");
        byte[] valid = Files.readAllBytes(corrupt);
        // One more entity (field 2) that claims 100 bytes and has 3: a feed cut off mid-transfer.
        byte[] truncated = new byte[valid.length + 5];
        System.arraycopy(valid, 0, truncated, 0, valid.length);
        System.arraycopy(new byte[] {0x12, 100, 1, 2, 3}, 0, truncated, valid.length, 5);
        Files.write(corrupt, truncated);

        Recording recording = Recording.read(dir).onlyFeeds(Set.of("gtfs", "trip-updates"));
        try (ReplayServer replay = ReplayServer.start("127.0.0.1", 0, recording, Pace.AS_FAST_AS_POSSIBLE);
             MockKafka replayed = new MockKafka("sofia", replay.clock());
             MobilityIngest ingest = MobilityIngest.start(city(replay.urls("sofia"), POLL), replayed.publisher,
                     replayed.metrics, replay.clock())) {
            Progress done = replay.completion().get(60, TimeUnit.SECONDS);

            assertThat(done.snapshotsServed()).isEqualTo(1 + 3);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(replayed.values(Topics.TRIP_UPDATES))
                    .anySatisfy(t -> assertThat(t.getFeedTimestamp()).isEqualTo(MORNING.plusSeconds(30))));
            assertThat(replayed.values(Topics.TRIP_UPDATES)).extracting(TripUpdate::getFeedTimestamp)
                    .doesNotContain(MORNING.plusSeconds(15));
            List<DeadLetter> letters = replayed.deadLetters();
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).getReason()).isEqualTo("gtfsrt.truncated-protobuf");
            assertThat(letters.get(0).getPayload().array()).isEqualTo(truncated);
        }
    }

    /** Sofia with whichever of the feeds are given (the others are null). */
    private static CityConfig city(FeedUrls urls, Duration realtimeInterval) {
        CityConfig city = CityConfig.of("sofia", ZoneId.of("Europe/Sofia")).withLanguage("bg")
                .withGtfsStatic(new FeedEndpoint("gtfs-static", urls.gtfsStatic(), Duration.ofHours(6)));
        Map<String, URI> realtime = new LinkedHashMap<>();
        realtime.put("trip-updates", urls.tripUpdates());
        realtime.put("vehicle-positions", urls.vehiclePositions());
        realtime.put("alerts", urls.alerts());
        for (Map.Entry<String, URI> feed : realtime.entrySet()) {
            if (feed.getValue() != null) {
                city = city.withRealtimeFeed(new FeedEndpoint(feed.getKey(), feed.getValue(), realtimeInterval));
            }
        }
        return city;
    }

    /**
     * Trip updates as a consumer sees them (key and value), with the ingest's own receive time left out. As text:
     * the generated records' equals() cannot compare their java.time fields.
     */
    private static List<String> tripUpdates(MockKafka kafka) {
        return kafka.records(Topics.TRIP_UPDATES).stream().map(s -> s.key() + " "
                + TripUpdate.newBuilder(s.value()).setIngestedAt(Instant.EPOCH).build()).toList();
    }

    private static List<String> vehiclePositions(MockKafka kafka) {
        return kafka.records(Topics.VEHICLE_POSITIONS).stream().map(s -> s.key() + " "
                + VehiclePosition.newBuilder(s.value()).setIngestedAt(Instant.EPOCH).build()).toList();
    }
}
