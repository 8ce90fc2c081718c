package io.civicpulse.deploy.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.transit.realtime.GtfsRealtime;
import com.sun.net.httpserver.HttpServer;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.city.BoundingBox;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.mobility.MobilityIngest;
import io.civicpulse.ingest.city.ServiceDays;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.reference.ScheduledTrip;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/**
 * The real mobility ingest path end to end: a GTFS static zip and a Sofia-style GTFS-Realtime feed (absolute times,
 * stop_sequence 0) served over HTTP, polled into the shared broker, and read back from the topics as a dashboard
 * would, Avro in the Confluent wire format through the registry.
 */
class MobilityIngestIT {

    @TempDir
    Path dir;

    @Test
    void aStaticFeedAndRealtimeFeedLandOnTheirTopicsAndDecodeToTheExpectedValues() throws Exception {
        String cityId = "it-" + UUID.randomUUID().toString().substring(0, 8);
        ServiceDays days = new ServiceDays(ZoneId.of("Europe/Sofia"), java.time.LocalTime.of(4, 0));
        long now = Instant.now().getEpochSecond();
        LocalDate serviceDate = days.serviceDate(Instant.ofEpochSecond(now));
        String date = serviceDate.format(DateTimeFormatter.BASIC_ISO_DATE);
        long predicted = days.at(serviceDate, 8 * 3600 + 10 * 60 + 95).getEpochSecond();
        Path zip = zip(dir.resolve("gtfs.zip"), Map.of(
                "routes.txt", "route_id,route_short_name,route_type\nA94,94,3\n",
                "stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nA0001,One,42.69,23.33\nA0002,Two,42.70,23.32\n",
                "trips.txt", "route_id,service_id,trip_id\nA94,WD,A94-1\n",
                "stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                        + "A94-1,08:00:00,08:00:00,A0001,1\nA94-1,08:10:00,08:10:00,A0002,2\n",
                "calendar_dates.txt", "service_id,date,exception_type\nWD," + date + ",1\n"));
        byte[] realtime = GtfsRealtime.FeedMessage.newBuilder()
                .setHeader(GtfsRealtime.FeedHeader.newBuilder().setGtfsRealtimeVersion("2.0").setTimestamp(now))
                .addEntity(GtfsRealtime.FeedEntity.newBuilder().setId("tu").setTripUpdate(
                        GtfsRealtime.TripUpdate.newBuilder()
                                .setTrip(GtfsRealtime.TripDescriptor.newBuilder().setTripId("A94-1").setStartDate(date))
                                .addStopTimeUpdate(GtfsRealtime.TripUpdate.StopTimeUpdate.newBuilder()
                                        .setStopSequence(0).setStopId("A0002")
                                        .setArrival(GtfsRealtime.TripUpdate.StopTimeEvent.newBuilder()
                                                .setTime(predicted)))))
                .addEntity(GtfsRealtime.FeedEntity.newBuilder().setId("v").setVehicle(
                        GtfsRealtime.VehiclePosition.newBuilder()
                                .setVehicle(GtfsRealtime.VehicleDescriptor.newBuilder().setId("2101"))
                                .setTrip(GtfsRealtime.TripDescriptor.newBuilder().setTripId("A94-1"))
                                .setPosition(GtfsRealtime.Position.newBuilder().setLatitude(42.695f)
                                        .setLongitude(23.325f))
                                .setTimestamp(now - 5)))
                .addEntity(GtfsRealtime.FeedEntity.newBuilder().setId("lost").setVehicle(
                        GtfsRealtime.VehiclePosition.newBuilder()
                                .setVehicle(GtfsRealtime.VehicleDescriptor.newBuilder().setId("9999"))
                                .setPosition(GtfsRealtime.Position.newBuilder().setLatitude(0f).setLongitude(0f))
                                .setTimestamp(now - 5)))
                .build().toByteArray();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/realtime", exchange -> {
            exchange.sendResponseHeaders(200, realtime.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(realtime);
            }
        });
        server.start();
        CityConfig city = CityConfig.of(cityId, ZoneId.of("Europe/Sofia"))
                .withBounds(BoundingBox.parse("42.55,23.05,42.85,23.60"))
                .withGtfsStatic(new FeedEndpoint("gtfs-static", zip.toUri(), Duration.ofHours(1)))
                .withRealtimeFeed(new FeedEndpoint("realtime",
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/realtime"),
                        Duration.ofSeconds(1)));

        try (MobilityIngest ingest = MobilityIngest.start(city, SharedStack.clientConfig())) {
            List<ScheduledTrip> trips = consume(Topics.SCHEDULED_TRIPS, cityId, 1);
            assertThat(trips).singleElement().satisfies(trip -> {
                assertThat(trip.getTripId()).isEqualTo("A94-1");
                assertThat(trip.getStopTimes()).hasSize(2);
                assertThat(trip.getStopTimes().get(1).getArrivalSeconds()).isEqualTo(8 * 3600 + 600);
            });
            List<TripUpdate> updates = consume(Topics.TRIP_UPDATES, cityId, 1);
            assertThat(updates).singleElement().satisfies(update -> {
                assertThat(update.getRouteId()).isEqualTo("A94");
                assertThat(update.getServiceDate()).isEqualTo(serviceDate);
                assertThat(update.getStopTimeUpdates().get(0).getArrivalDelaySeconds()).isEqualTo(95);
            });
            List<VehiclePosition> vehicles = consume(Topics.VEHICLE_POSITIONS, cityId, 1);
            assertThat(vehicles).singleElement().satisfies(v -> {
                assertThat(v.getVehicleId()).isEqualTo("2101");
                assertThat(v.getPositionTime()).isEqualTo(Instant.ofEpochSecond(now - 5));
            });
            List<DeadLetter> letters = consume(Topics.DEAD_LETTERS, cityId, 1);
            assertThat(letters).singleElement().satisfies(letter -> {
                assertThat(letter.getReason()).isEqualTo("event.outside-city");
                assertThat(letter.getPayload()).isNotNull();
            });
            assertThat(ingest.metrics().publishedCount(Topics.TRIP_UPDATES.name())).isEqualTo(1);
        } finally {
            server.stop(0);
        }
    }

    /** Reads the city's records from the topic as bytes, checks the wire format, and decodes them. */
    private static <V extends SpecificRecord> List<V> consume(Topic<String, V> topic, String cityId, int expected) {
        Map<String, Object> config = new HashMap<>(SharedStack.clientConfig());
        config.put("group.id", "mobility-ingest-it-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        config.put("specific.avro.reader", true);
        List<V> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer());
             Deserializer<V> avro = topic.valueSerde(config).deserializer()) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    boolean mine = topic.equals(Topics.DEAD_LETTERS)
                            ? record.value() != null && new String(record.value(), StandardCharsets.ISO_8859_1)
                            .contains(cityId)
                            : record.key().startsWith(cityId + "/");
                    if (mine) {
                        assertThat(record.value()[0]).as("Confluent wire format magic byte").isZero();
                        values.add(avro.deserialize(topic.name(), record.value()));
                    }
                }
            }
        }
        assertThat(values).as("records of " + cityId + " on " + topic.name()).hasSize(expected);
        return values;
    }

    private static Path zip(Path target, Map<String, String> files) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                out.putNextEntry(new ZipEntry(file.getKey()));
                out.write(file.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return target;
    }
}
