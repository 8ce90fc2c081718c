package io.civicpulse.ingest.mobility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.transit.realtime.GtfsRealtime;

import io.civicpulse.ingest.gtfs.GtfsZip;
import io.civicpulse.ingest.publish.MockKafka;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.city.ServiceDays;
import io.civicpulse.ingest.poll.FeedServer;

class MobilityIngestTest {

    private final MockKafka kafka = new MockKafka("sofia", Clock.systemUTC());
    private final FeedServer server = new FeedServer();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        server.close();
        kafka.close();
    }

    @Test
    void realtimePredictionsFindTheStaticScheduleFromTheFirstPoll() {
        long now = Instant.now().getEpochSecond();
        // Trip A94-1 reaches A0002 at 08:10 on today's service date; the feed predicts it 2 minutes late.
        ServiceDays days = CityConfig.of("sofia", ZoneId.of("Europe/Sofia")).serviceDays();
        LocalDate serviceDate = days.serviceDate(Instant.ofEpochSecond(now));
        String date = serviceDate.format(DateTimeFormatter.BASIC_ISO_DATE);
        long predicted = days.at(serviceDate, 8 * 3600 + 10 * 60 + 120).getEpochSecond();
        Path zip = GtfsZip.sofiaLike().file("calendar_dates.txt", "service_id,date,exception_type\nWD," + date + ",1\n")
                .writeTo(dir.resolve("gtfs.zip"));
        GtfsRealtime.FeedMessage feed = GtfsRealtime.FeedMessage.newBuilder()
                .setHeader(GtfsRealtime.FeedHeader.newBuilder().setGtfsRealtimeVersion("2.0").setTimestamp(now))
                .addEntity(GtfsRealtime.FeedEntity.newBuilder().setId("1").setTripUpdate(
                        GtfsRealtime.TripUpdate.newBuilder()
                                .setTrip(GtfsRealtime.TripDescriptor.newBuilder().setTripId("A94-1")
                                        .setStartDate(date))
                                .addStopTimeUpdate(GtfsRealtime.TripUpdate.StopTimeUpdate.newBuilder()
                                        .setStopSequence(0).setStopId("A0002")
                                        .setArrival(GtfsRealtime.TripUpdate.StopTimeEvent.newBuilder()
                                                .setTime(predicted)))))
                .build();
        server.serve("/trip-updates", feed.toByteArray(), "application/x-protobuf");
        CityConfig city = CityConfig.of("sofia", ZoneId.of("Europe/Sofia"))
                .withGtfsStatic(new FeedEndpoint("gtfs-static", zip.toUri(), Duration.ofHours(1)))
                .withRealtimeFeed(new FeedEndpoint("trip-updates", server.url("/trip-updates"), Duration.ofMillis(200)));

        try (MobilityIngest ingest = MobilityIngest.start(city, kafka.publisher, kafka.metrics, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !kafka.records(Topics.TRIP_UPDATES).isEmpty());

            TripUpdate update = kafka.values(Topics.TRIP_UPDATES).get(0);
            assertThat(update.getStopTimeUpdates().get(0).getArrivalDelaySeconds()).isEqualTo(120);
            assertThat(kafka.records(Topics.SCHEDULED_TRIPS)).hasSize(3);
            assertThat(ingest.schedule().tripCount()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.requests("/trip-updates") >= 3);
            assertThat(ingest.metrics().lastSuccessfulPoll("trip-updates")).isPresent();
        }
    }
}
