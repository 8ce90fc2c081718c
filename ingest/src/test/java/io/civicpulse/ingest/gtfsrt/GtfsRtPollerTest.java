package io.civicpulse.ingest.gtfsrt;

import static io.civicpulse.ingest.gtfsrt.Feeds.alert;
import static io.civicpulse.ingest.gtfsrt.Feeds.arrival;
import static io.civicpulse.ingest.gtfsrt.Feeds.feed;
import static io.civicpulse.ingest.gtfsrt.Feeds.sofia;
import static io.civicpulse.ingest.gtfsrt.Feeds.tripUpdate;
import static io.civicpulse.ingest.gtfsrt.Feeds.vehicle;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.transit.realtime.GtfsRealtime;

import io.civicpulse.ingest.city.BoundingBox;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.FeedServer;
import io.civicpulse.ingest.city.MutableClock;
import io.civicpulse.ingest.gtfs.GtfsReader;
import io.civicpulse.ingest.gtfs.GtfsZip;
import io.civicpulse.ingest.gtfs.ScheduleIndex;
import io.civicpulse.ingest.publish.MockKafka;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.AlertCause;
import io.civicpulse.schemas.mobility.AlertEffect;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.mobility.VehicleStopStatus;
import io.civicpulse.schemas.topics.Topics;

class GtfsRtPollerTest {

    private static final String PB = "application/x-protobuf";

    private final MutableClock clock = new MutableClock(Instant.ofEpochSecond(sofia("2025-06-10T08:05:30")));
    private final MockKafka kafka = new MockKafka("sofia", clock);
    private final FeedServer server = new FeedServer();
    private final CityConfig city = CityConfig.of("sofia", ZoneId.of("Europe/Sofia"))
            .withBounds(BoundingBox.parse("42.55,23.05,42.85,23.60")).withLanguage("bg");
    private ScheduleIndex schedule;
    private GtfsRtPoller poller;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        schedule = GtfsReader.read(GtfsZip.sofiaLike().writeTo(dir.resolve("gtfs.zip")), "v1").schedule();
        poller = new GtfsRtPoller(city, new FeedEndpoint("realtime", server.url("/rt"), Duration.ofSeconds(10),
                Duration.ofMillis(500)), FeedFetcher.create(clock), () -> schedule, kafka.publisher,
                kafka.deadLetters, kafka.metrics, new StateChangeLog(), clock, Duration.ofMinutes(2));
    }

    @AfterEach
    void tearDown() {
        server.close();
        kafka.close();
    }

    private void serve(GtfsRealtime.FeedMessage message) {
        server.serve("/rt", message.toByteArray(), PB);
    }

    private TripUpdate onlyTripUpdate() {
        List<TripUpdate> updates = kafka.values(Topics.TRIP_UPDATES);
        assertThat(updates).hasSize(1);
        return updates.get(0);
    }

    private DeadLetter onlyDeadLetter(String reason) {
        List<DeadLetter> letters = kafka.deadLetters().stream().filter(l -> l.getReason().equals(reason)).toList();
        assertThat(letters).hasSize(1);
        return letters.get(0);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    // --- Sofia's rules -------------------------------------------------------------------------------------------

    @Test
    void delayIsThePredictedTimeMinusTheScheduledTimeWhenTheFeedGivesOnlyAbsoluteTimes() {
        serve(feed(sofia("2025-06-10T08:05:00"), tripUpdate("A94-1", sofia("2025-06-10T08:05:00"),
                arrival("A0002", sofia("2025-06-10T08:12:30")))));

        assertThat(poller.poll()).isTrue();

        TripUpdate update = onlyTripUpdate();
        StopTimePrediction prediction = update.getStopTimeUpdates().get(0);
        assertThat(prediction.getScheduledArrivalTime()).isEqualTo(Instant.ofEpochSecond(sofia("2025-06-10T08:10:00")));
        assertThat(prediction.getArrivalDelaySeconds()).isEqualTo(150);
        assertThat(prediction.getArrivalTime()).isEqualTo(Instant.ofEpochSecond(sofia("2025-06-10T08:12:30")));
        assertThat(update.getRouteId()).isEqualTo("A94");
        assertThat(update.getServiceDate()).isEqualTo(LocalDate.of(2025, 6, 10));
        assertThat(update.getScheduleRelationship()).isEqualTo(TripScheduleRelationship.SCHEDULED);
    }

    @Test
    void stopSequenceZeroIsMatchedOnTripAndStop() {
        serve(feed(sofia("2025-06-10T08:05:00"), tripUpdate("A94-1", sofia("2025-06-10T08:05:00"),
                arrival("A0002", sofia("2025-06-10T08:11:00")), arrival("A0003", sofia("2025-06-10T08:19:00")))));

        poller.poll();

        List<StopTimePrediction> predictions = onlyTripUpdate().getStopTimeUpdates();
        assertThat(predictions).extracting(StopTimePrediction::getStopId).containsExactly("A0002", "A0003");
        assertThat(predictions).extracting(StopTimePrediction::getStopSequence).containsExactly(0, 0);
        assertThat(predictions).extracting(StopTimePrediction::getArrivalDelaySeconds).containsExactly(60, -60);
    }

    @Test
    void aLoopRouteStopIsMatchedToTheVisitClosestToThePrediction() {
        clock.set(Instant.ofEpochSecond(sofia("2025-06-10T09:00:30")));
        serve(feed(sofia("2025-06-10T09:00:00"), tripUpdate("TM5-LOOP", sofia("2025-06-10T09:00:00"),
                arrival("TM0300", sofia("2025-06-10T09:01:00")), arrival("A0002", sofia("2025-06-10T09:11:00")),
                arrival("TM0300", sofia("2025-06-10T09:32:00")))));

        poller.poll();

        List<StopTimePrediction> predictions = onlyTripUpdate().getStopTimeUpdates();
        assertThat(predictions).extracting(StopTimePrediction::getScheduledArrivalTime).containsExactly(
                Instant.ofEpochSecond(sofia("2025-06-10T09:00:00")), Instant.ofEpochSecond(sofia("2025-06-10T09:10:00")),
                Instant.ofEpochSecond(sofia("2025-06-10T09:30:00")));
        assertThat(predictions).extracting(StopTimePrediction::getArrivalDelaySeconds).containsExactly(60, 60, 120);
    }

    @Test
    void aTripAfterMidnightBelongsToThePreviousServiceDay() {
        clock.set(Instant.ofEpochSecond(sofia("2025-06-11T00:30:10")));
        serve(feed(sofia("2025-06-11T00:30:00"), tripUpdate("A94-N", sofia("2025-06-11T00:30:00"),
                arrival("A0001", sofia("2025-06-11T00:41:00")))));

        poller.poll();

        TripUpdate update = onlyTripUpdate();
        assertThat(update.getServiceDate()).isEqualTo(LocalDate.of(2025, 6, 10));
        assertThat(update.getStopTimeUpdates().get(0).getScheduledArrivalTime())
                .isEqualTo(Instant.ofEpochSecond(sofia("2025-06-11T00:40:00")));
        assertThat(update.getStopTimeUpdates().get(0).getArrivalDelaySeconds()).isEqualTo(60);
    }

    @Test
    void aVehiclePositionCarriesTheRouteAndServiceDateFromTheSchedule() {
        serve(feed(sofia("2025-06-10T08:05:00"), vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))));

        poller.poll();

        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).singleElement().satisfies(sent -> {
            assertThat(sent.key()).isEqualTo("sofia/2101");
            VehiclePosition v = sent.value();
            assertThat(v.getRouteId()).isEqualTo("A94");
            assertThat(v.getServiceDate()).isEqualTo(LocalDate.of(2025, 6, 10));
            assertThat(v.getVehicleLabel()).isEqualTo("#2101");
            assertThat(v.getLatitude()).isCloseTo(42.69, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(v.getSpeedMetersPerSecond()).isEqualTo(8.5);
            assertThat(v.getBearing()).isNull();
            assertThat(v.getCurrentStatus()).isEqualTo(VehicleStopStatus.IN_TRANSIT_TO);
            assertThat(v.getPositionTime()).isEqualTo(Instant.ofEpochSecond(sofia("2025-06-10T08:04:55")));
            assertThat(v.getFeedTimestamp()).isEqualTo(Instant.ofEpochSecond(sofia("2025-06-10T08:05:00")));
            assertThat(v.getIngestedAt()).isEqualTo(clock.instant());
        });
    }

    // --- publishing only what changed --------------------------------------------------------------------------

    @Test
    void anIdenticalFeedPolledTwicePublishesNothingNew() {
        serve(feed(sofia("2025-06-10T08:05:00"), vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55")),
                tripUpdate("A94-1", sofia("2025-06-10T08:05:00"), arrival("A0002", sofia("2025-06-10T08:12:30"))),
                alert("works", "A94", "Ремонт")));
        poller.poll();
        int before = kafka.producer.history().size();

        assertThat(poller.poll()).isTrue();

        assertThat(kafka.producer.history()).hasSize(before);
    }

    @Test
    void aNewFeedPublishesOnlyTheEntitiesThatChanged() {
        serve(feed(sofia("2025-06-10T08:05:00"),
                vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55")),
                vehicle("2102", "TM5-LOOP", 42.70, 23.32, sofia("2025-06-10T08:04:50")),
                tripUpdate("A94-1", sofia("2025-06-10T08:05:00"), arrival("A0002", sofia("2025-06-10T08:12:30")))));
        poller.poll();
        clock.advance(Duration.ofSeconds(10));
        // 2101 reports a new position; 2102 and the trip's predictions are unchanged (only its timestamp moved).
        serve(feed(sofia("2025-06-10T08:05:10"),
                vehicle("2101", "A94-1", 42.691, 23.331, sofia("2025-06-10T08:05:05")),
                vehicle("2102", "TM5-LOOP", 42.70, 23.32, sofia("2025-06-10T08:04:50")),
                tripUpdate("A94-1", sofia("2025-06-10T08:05:10"), arrival("A0002", sofia("2025-06-10T08:12:30")))));

        poller.poll();

        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).extracting(MockKafka.Sent::key)
                .containsExactly("sofia/2101", "sofia/2102", "sofia/2101");
        assertThat(kafka.records(Topics.TRIP_UPDATES)).hasSize(1);
    }

    @Test
    void eventIdsAreDeterministicSoARepublishedFactHasTheSameId() {
        GtfsRealtime.FeedMessage message = feed(sofia("2025-06-10T08:05:00"),
                vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55")));
        serve(message);
        poller.poll();
        MockKafka other = new MockKafka("sofia", clock);
        try {
            GtfsRtPoller fresh = new GtfsRtPoller(city, new FeedEndpoint("realtime", server.url("/rt"),
                    Duration.ofSeconds(10)), FeedFetcher.create(clock), () -> schedule, other.publisher,
                    other.deadLetters, other.metrics, new StateChangeLog(), clock, Duration.ofMinutes(2));
            fresh.poll();

            assertThat(other.values(Topics.VEHICLE_POSITIONS).get(0).getEventId())
                    .isEqualTo(kafka.values(Topics.VEHICLE_POSITIONS).get(0).getEventId());
        } finally {
            other.close();
        }
    }

    @Test
    void anAlertIsPublishedWhenItAppearsAndChangesAndARemovalWhenItLeaves() {
        serve(feed(sofia("2025-06-10T08:05:00"), alert("works", "A94", "Ремонт")));
        poller.poll();
        clock.advance(Duration.ofSeconds(30));
        serve(feed(sofia("2025-06-10T08:05:30"), alert("works", "A94", "Ремонт")));
        poller.poll();
        clock.advance(Duration.ofSeconds(30));
        serve(feed(sofia("2025-06-10T08:06:00"), alert("works", "A94", "Ремонт до 18:00")));
        poller.poll();
        clock.advance(Duration.ofSeconds(30));
        serve(feed(sofia("2025-06-10T08:06:30")));
        poller.poll();

        List<ServiceAlert> alerts = kafka.values(Topics.SERVICE_ALERTS);
        assertThat(alerts).extracting(ServiceAlert::getHeaderText, ServiceAlert::getRemoved).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Ремонт", false),
                org.assertj.core.groups.Tuple.tuple("Ремонт до 18:00", false),
                org.assertj.core.groups.Tuple.tuple("Ремонт до 18:00", true));
        ServiceAlert removal = alerts.get(2);
        assertThat(removal.getAlertTime()).isEqualTo(Instant.ofEpochSecond(sofia("2025-06-10T08:06:30")));
        assertThat(removal.getEventId()).isNotEqualTo(alerts.get(1).getEventId());
        assertThat(alerts.get(0).getCause()).isEqualTo(AlertCause.CONSTRUCTION);
        assertThat(alerts.get(0).getEffect()).isEqualTo(AlertEffect.DETOUR);
        assertThat(alerts.get(0).getInformedEntities().get(0).getRouteId()).isEqualTo("A94");
        assertThat(kafka.records(Topics.SERVICE_ALERTS)).extracting(MockKafka.Sent::key).containsOnly("sofia/works");
    }

    // --- bad input -----------------------------------------------------------------------------------------------

    private void thenAGoodFeedIsStillPublished() {
        clock.advance(Duration.ofSeconds(10));
        serve(feed(sofia("2025-06-10T08:05:20"), vehicle("3001", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:05:15"))));
        assertThat(poller.poll()).isTrue();
        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).extracting(MockKafka.Sent::key).contains("sofia/3001");
    }

    @Test
    void aTruncatedFeedIsDeadLetteredWithItsBytesAndThePollerGoesOn() {
        byte[] whole = feed(sofia("2025-06-10T08:05:00"),
                vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))).toByteArray();
        byte[] truncated = Arrays.copyOf(whole, whole.length - 7);
        server.serve("/rt", truncated, PB);

        assertThat(poller.poll()).isFalse();

        assertThat(kafka.metrics.rejectedCount("gtfsrt.truncated-protobuf")).isEqualTo(1);
        assertThat(bytes(onlyDeadLetter("gtfsrt.truncated-protobuf").getPayload())).isEqualTo(truncated);
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void bytesThatAreNotProtobufAreDeadLetteredAndThePollerGoesOn() {
        byte[] html = "<html><body>Service Unavailable</body></html>".getBytes();
        server.serve("/rt", html, "text/html");

        assertThat(poller.poll()).isFalse();

        assertThat(kafka.metrics.rejectedCount("gtfsrt.invalid-protobuf")).isEqualTo(1);
        assertThat(bytes(onlyDeadLetter("gtfsrt.invalid-protobuf").getPayload())).isEqualTo(html);
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void theSameBadFeedOnEveryPollIsDeadLetteredOnce() {
        server.serve("/rt", "<html>down</html>".getBytes(), "text/html");

        poller.poll();
        poller.poll();

        assertThat(kafka.deadLetters()).hasSize(1);
        assertThat(kafka.metrics.pollFailures("realtime")).isEqualTo(2);
    }

    @Test
    void anHttpServerErrorIsDeadLetteredWithItsStatusAndThePollerGoesOn() {
        server.fail("/rt", 503, "maintenance".getBytes());

        assertThat(poller.poll()).isFalse();

        DeadLetter letter = onlyDeadLetter("http.server-error");
        assertThat(letter.getHeaders()).containsEntry("status", "503");
        assertThat(bytes(letter.getPayload())).isEqualTo("maintenance".getBytes());
        assertThat(kafka.metrics.rejectedCount("http.server-error")).isEqualTo(1);
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void anHttpClientErrorIsDeadLetteredAndThePollerGoesOn() {
        server.fail("/rt", 404, "no such feed".getBytes());

        assertThat(poller.poll()).isFalse();

        assertThat(onlyDeadLetter("http.client-error").getHeaders()).containsEntry("status", "404");
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void aServerThatDoesNotAnswerTimesOutAndThePollerGoesOn() {
        server.hang("/rt");

        assertThat(poller.poll()).isFalse();

        assertThat(kafka.metrics.rejectedCount("http.timeout")).isEqualTo(1);
        assertThat(onlyDeadLetter("http.timeout").getPayload()).isNull();
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void aFeedGoingBackInTimeIsDeadLetteredWholeAndNothingOfItIsPublished() {
        serve(feed(sofia("2025-06-10T08:05:00"), vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))));
        poller.poll();
        serve(feed(sofia("2025-06-10T08:04:00"), vehicle("2102", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:03:55"))));

        assertThat(poller.poll()).isFalse();

        assertThat(onlyDeadLetter("gtfsrt.timestamp-backwards").getHeaders())
                .containsEntry("previousFeedTimestamp", Instant.ofEpochSecond(sofia("2025-06-10T08:05:00")).toString());
        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).extracting(MockKafka.Sent::key).containsExactly("sofia/2101");
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void aFeedWhoseTimestampStopsAdvancingIsReportedOnceWithTheStaleFeed() {
        GtfsRealtime.FeedMessage stale = feed(sofia("2025-06-10T08:05:00"),
                vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55")));
        serve(stale);
        poller.poll();
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(10));
            assertThat(poller.poll()).isTrue();
        }

        assertThat(kafka.metrics.rejectedCount("gtfsrt.timestamp-not-advancing")).isEqualTo(1);
        assertThat(bytes(onlyDeadLetter("gtfsrt.timestamp-not-advancing").getPayload())).isEqualTo(stale.toByteArray());
        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).hasSize(1);
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void aFeedTimestampFarInTheFutureIsDeadLetteredWhole() {
        serve(feed(sofia("2025-06-10T09:05:00"), vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))));

        assertThat(poller.poll()).isFalse();

        assertThat(kafka.metrics.rejectedCount("gtfsrt.future-timestamp")).isEqualTo(1);
        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).isEmpty();
        thenAGoodFeedIsStillPublished();
    }

    @Test
    void anEntityTimestampFarInTheFutureIsDeadLetteredAndItsNeighboursPublished() {
        serve(feed(sofia("2025-06-10T08:05:00"),
                vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T10:00:00")),
                vehicle("2102", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))));

        assertThat(poller.poll()).isTrue();

        DeadLetter letter = onlyDeadLetter("event.future-timestamp");
        assertThat(letter.getHeaders()).containsEntry("entityId", "v-2101");
        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).extracting(MockKafka.Sent::key).containsExactly("sofia/2102");
    }

    @Test
    void aVehicleOutsideTheCityIsDeadLetteredWithItsEntityBytesAndItsNeighboursPublished() throws Exception {
        GtfsRealtime.FeedEntity nullIsland = vehicle("2101", "A94-1", 0.0, 0.0, sofia("2025-06-10T08:04:55"));
        serve(feed(sofia("2025-06-10T08:05:00"), nullIsland,
                vehicle("2102", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))));

        poller.poll();

        DeadLetter letter = onlyDeadLetter("event.outside-city");
        assertThat(GtfsRealtime.FeedEntity.parseFrom(bytes(letter.getPayload()))).isEqualTo(nullIsland);
        assertThat(kafka.metrics.rejectedCount("event.outside-city")).isEqualTo(1);
        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).extracting(MockKafka.Sent::key).containsExactly("sofia/2102");
    }

    @Test
    void anUnknownTripIsDeadLetteredAndItsNeighboursPublished() {
        serve(feed(sofia("2025-06-10T08:05:00"),
                tripUpdate("GHOST-1", sofia("2025-06-10T08:05:00"), arrival("A0002", sofia("2025-06-10T08:12:30"))),
                tripUpdate("A94-1", sofia("2025-06-10T08:05:00"), arrival("A0002", sofia("2025-06-10T08:12:30")))));

        poller.poll();

        assertThat(onlyDeadLetter("gtfsrt.unknown-trip").getHeaders()).containsEntry("entityId", "tu-GHOST-1");
        assertThat(onlyTripUpdate().getTripId()).isEqualTo("A94-1");
    }

    @Test
    void anUnknownRouteIsDeadLetteredAndItsNeighboursPublished() {
        GtfsRealtime.FeedEntity wrongRoute = vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))
                .toBuilder().setVehicle(vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))
                        .getVehicle().toBuilder().setTrip(GtfsRealtime.TripDescriptor.newBuilder()
                                .setTripId("A94-1").setRouteId("X999"))).build();
        serve(feed(sofia("2025-06-10T08:05:00"), wrongRoute,
                vehicle("2102", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))));

        poller.poll();

        assertThat(kafka.metrics.rejectedCount("gtfsrt.unknown-route")).isEqualTo(1);
        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).extracting(MockKafka.Sent::key).containsExactly("sofia/2102");
    }

    @Test
    void anUnknownStopCostsOnlyItsOwnPrediction() {
        serve(feed(sofia("2025-06-10T08:05:00"), tripUpdate("A94-1", sofia("2025-06-10T08:05:00"),
                arrival("A0002", sofia("2025-06-10T08:12:30")), arrival("A9999", sofia("2025-06-10T08:15:00")),
                arrival("A0003", sofia("2025-06-10T08:21:00")))));

        poller.poll();

        assertThat(onlyDeadLetter("gtfsrt.unknown-stop").getHeaders()).containsEntry("stopId", "A9999");
        assertThat(onlyTripUpdate().getStopTimeUpdates()).extracting(StopTimePrediction::getStopId)
                .containsExactly("A0002", "A0003");
    }

    @Test
    void withoutAScheduleYetEntitiesArePublishedWithoutScheduledTimes() {
        schedule = null;
        serve(feed(sofia("2025-06-10T08:05:00"), tripUpdate("A94-1", sofia("2025-06-10T08:05:00"),
                arrival("A0002", sofia("2025-06-10T08:12:30")))));

        poller.poll();

        TripUpdate update = onlyTripUpdate();
        assertThat(update.getServiceDate()).isEqualTo(LocalDate.of(2025, 6, 10));
        assertThat(update.getStopTimeUpdates().get(0).getScheduledArrivalTime()).isNull();
        assertThat(update.getStopTimeUpdates().get(0).getArrivalDelaySeconds()).isNull();
    }

    @Test
    void pollsAndFeedAgeAreMeasuredPerFeed() {
        serve(feed(sofia("2025-06-10T08:05:00"), vehicle("2101", "A94-1", 42.69, 23.33, sofia("2025-06-10T08:04:55"))));

        poller.poll();

        assertThat(kafka.metrics.lastSuccessfulPoll("realtime")).contains(clock.instant());
        assertThat(kafka.metrics.snapshot()).containsEntry("feed-age-seconds{feed=realtime}", 30.0);
        assertThat(kafka.metrics.publishedCount(Topics.VEHICLE_POSITIONS.name())).isEqualTo(1);
    }

    @Test
    void aFeedWithMoreEntitiesThanTheCapIsRefusedWholeAndNothingPublished() {
        GtfsRtPoller capped = new GtfsRtPoller(city, new FeedEndpoint("realtime", server.url("/rt"),
                Duration.ofSeconds(10), Duration.ofMillis(500)).withMaxEntities(2), FeedFetcher.create(clock),
                () -> schedule, kafka.publisher, kafka.deadLetters, kafka.metrics, new StateChangeLog(), clock,
                Duration.ofMinutes(2));
        long t = sofia("2025-06-10T08:05:00");
        serve(feed(t, vehicle("v1", "A94-1", 42.69, 23.32, t), vehicle("v2", "A94-1", 42.69, 23.32, t),
                vehicle("v3", "A94-1", 42.69, 23.32, t)));

        assertThat(capped.poll()).isFalse();

        assertThat(kafka.values(Topics.VEHICLE_POSITIONS)).isEmpty();
        assertThat(onlyDeadLetter("gtfsrt.too-many-entities").getMessage()).contains("more than 2");
    }
}
