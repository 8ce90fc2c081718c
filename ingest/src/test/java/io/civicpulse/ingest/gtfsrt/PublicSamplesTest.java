package io.civicpulse.ingest.gtfsrt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.city.MutableClock;
import io.civicpulse.ingest.publish.MockKafka;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.mobility.AlertCause;
import io.civicpulse.schemas.mobility.AlertEffect;
import io.civicpulse.schemas.mobility.OccupancyStatus;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.topics.Topics;

/** The public GTFS-Realtime samples in ../shared/samples, polled from file: URLs without a static schedule. */
class PublicSamplesTest {

    private static final Path SAMPLES = Path.of("../../shared/samples/gtfs-realtime");

    private final MutableClock clock = new MutableClock(Instant.parse("2010-09-14T10:00:00Z"));
    private final MockKafka kafka = new MockKafka("demo", clock);
    private final CityConfig city = CityConfig.of("demo", ZoneId.of("America/Los_Angeles"));

    @AfterEach
    void close() {
        kafka.close();
    }

    private void poll(String file) {
        Path path = SAMPLES.resolve(file);
        assumeTrue(Files.exists(path), "public samples not available");
        new GtfsRtPoller(city, new FeedEndpoint("sample", path.toAbsolutePath().toUri(), Duration.ofSeconds(10)),
                FeedFetcher.create(clock), () -> null, kafka.publisher, kafka.deadLetters, kafka.metrics,
                new StateChangeLog(), clock, Duration.ofMinutes(2)).poll();
    }

    @Test
    void vehiclePositionSampleDecodes() {
        poll("vehicle_position.pb");

        assertThat(kafka.records(Topics.VEHICLE_POSITIONS)).singleElement().satisfies(sent -> {
            assertThat(sent.key()).isEqualTo("demo/1");
            VehiclePosition v = sent.value();
            assertThat(v.getTripId()).isEqualTo("t0");
            assertThat(v.getLatitude()).isEqualTo(47.0);
            assertThat(v.getLongitude()).isEqualTo(-122.0);
            // No timestamps in the sample: the time the file was read stands in for the feed's.
            assertThat(v.getPositionTime()).isEqualTo(clock.instant());
            assertThat(v.getOccupancyStatus()).isNull();
        });
    }

    @Test
    void occupancySampleDecodes() {
        poll("vehicle-position-pre-occupancy-defaults-with-occupancy-status.pb");

        assertThat(kafka.values(Topics.VEHICLE_POSITIONS)).singleElement()
                .satisfies(v -> assertThat(v.getOccupancyStatus()).isEqualTo(OccupancyStatus.FEW_SEATS_AVAILABLE));
    }

    @Test
    void tripUpdatesSampleDecodesAndItsSequenceOnlyStopsAreCountedAsUnidentified() {
        poll("trip-updates-full.pb");

        List<TripUpdate> updates = kafka.values(Topics.TRIP_UPDATES);
        assertThat(updates).extracting(TripUpdate::getTripId).contains("trip-1", "frequency-expanded-trip");
        TripUpdate frequency = updates.stream().filter(u -> u.getTripId().equals("frequency-expanded-trip"))
                .findFirst().orElseThrow();
        assertThat(frequency.getStartTime()).isEqualTo("11:15:35");
        assertThat(frequency.getUpdateTime()).isEqualTo(Instant.ofEpochSecond(1284457468));
        // 09:44 UTC is 02:44 in Los Angeles: before the 04:00 day start, so the previous service day.
        assertThat(frequency.getServiceDate()).isEqualTo(LocalDate.of(2010, 9, 13));
        // Without the sample's static feed a stop given only by stop_sequence cannot be named: each is counted.
        assertThat(updates).flatExtracting(TripUpdate::getStopTimeUpdates).extracting(StopTimePrediction::getStopId)
                .isEmpty();
        assertThat(kafka.metrics.rejectedCount("gtfsrt.unidentified-stop")).isEqualTo(
                kafka.deadLetters().stream().filter(l -> l.getReason().equals("gtfsrt.unidentified-stop")).count())
                .isGreaterThanOrEqualTo(5);
    }

    @Test
    void alertsSampleDecodes() {
        poll("alerts.pb");

        List<ServiceAlert> alerts = kafka.values(Topics.SERVICE_ALERTS);
        assertThat(alerts).isNotEmpty();
        ServiceAlert first = alerts.get(0);
        assertThat(first.getActivePeriods().get(0).getStart()).isEqualTo(Instant.ofEpochSecond(1284457468));
        assertThat(first.getActivePeriods().get(0).getEnd()).isEqualTo(Instant.ofEpochSecond(1284468072));
        assertThat(first.getInformedEntities()).extracting(e -> e.getRouteId()).contains("219");
        assertThat(first.getCause()).isEqualTo(AlertCause.CONSTRUCTION);
        assertThat(first.getEffect()).isEqualTo(AlertEffect.DETOUR);
        assertThat(first.getHeaderText()).isEqualTo("Stop at Elm street is closed, temporary stop at Oak street");
        assertThat(first.getUrl()).isEqualTo("http://www.sometransitagency/alerts");
        assertThat(first.getRemoved()).isFalse();
    }
}
