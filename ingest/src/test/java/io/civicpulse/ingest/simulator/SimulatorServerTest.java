package io.civicpulse.ingest.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.google.transit.realtime.GtfsRealtime.FeedMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatorServerTest {

    private SimulationClock clock;
    private CitySimulation sofia;
    private CitySimulation granada;
    private SimulatorServer server;

    @BeforeEach
    void start() throws IOException {
        clock = SimulationClock.manual(Instant.parse("2026-03-31T06:00:00Z"));
        sofia = CitySimulation.create(CityProfile.sofia(), 42, NetworkSize.SMALL, clock);
        granada = CitySimulation.create(CityProfile.granada(), 7, NetworkSize.SMALL, clock);
        server = SimulatorServer.start("127.0.0.1", 0, List.of(sofia, granada));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aConditionalGetOfAnUnchangedStaticZipGives304() {
        HttpResponse<byte[]> first = FeedClient.get(server.urls("sofia").gtfsStatic());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue(ServedFeed.ZIP);
        String etag = first.headers().firstValue("ETag").orElseThrow();
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();
        HttpResponse<byte[]> byEtag = FeedClient.get(server.urls("sofia").gtfsStatic(), "If-None-Match", etag);
        assertThat(byEtag.statusCode()).isEqualTo(304);
        assertThat(byEtag.body()).isEmpty();
        HttpResponse<byte[]> byDate = FeedClient.get(server.urls("sofia").gtfsStatic(),
                "If-Modified-Since", lastModified);
        assertThat(byDate.statusCode()).isEqualTo(304);
        HttpResponse<byte[]> otherTag = FeedClient.get(server.urls("sofia").gtfsStatic(), "If-None-Match", "\"old\"");
        assertThat(otherTag.statusCode()).isEqualTo(200);
    }

    @Test
    void aRealtimeFeedIs304UntilSimulatedTimeMovesOn() {
        URI tripUpdates = server.urls("sofia").tripUpdates();
        String etag = FeedClient.get(tripUpdates).headers().firstValue("ETag").orElseThrow();
        assertThat(FeedClient.get(tripUpdates, "If-None-Match", etag).statusCode()).isEqualTo(304);
        clock.advance(Duration.ofSeconds(20));
        HttpResponse<byte[]> later = FeedClient.get(tripUpdates, "If-None-Match", etag);
        assertThat(later.statusCode()).isEqualTo(200);
        assertThat(later.headers().firstValue("Content-Type")).hasValue(ServedFeed.PROTOBUF);
    }

    @Test
    void anUnknownCityOrFeedIs404AndAPostIs405() throws Exception {
        assertThat(FeedClient.get(URI.create(server.baseUri() + "/plovdiv/gtfs.zip")).statusCode()).isEqualTo(404);
        assertThat(FeedClient.get(URI.create(server.baseUri() + "/sofia/gtfs-rt/nothing.pb")).statusCode())
                .isEqualTo(404);
        assertThat(FeedClient.get(URI.create(server.baseUri() + "/sofia/gbfs/v4/gbfs.json")).statusCode())
                .isEqualTo(404);
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.urls("sofia")
                .tripUpdates()).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void theIndexListsEveryCitysFeedUrls() {
        var index = FeedClient.json(server.baseUri());
        assertThat(index.path("sofia").path("trip_updates").asText())
                .isEqualTo(server.urls("sofia").tripUpdates().toString());
        assertThat(index.path("granada").path("gbfs_v3").asText()).endsWith("/granada/gbfs/v3/gbfs.json");
    }

    @Test
    void twoCitiesShareRouteIdsButNeverEachOthersTrips() {
        Set<String> sofiaRoutes = sofia.network().routes().stream().map(r -> r.id()).collect(Collectors.toSet());
        Set<String> granadaRoutes = granada.network().routes().stream().map(r -> r.id()).collect(Collectors.toSet());
        assertThat(sofiaRoutes).containsAnyElementsOf(granadaRoutes);

        FeedMessage sofiaFeed = FeedClient.feed(server.urls("sofia").tripUpdates());
        FeedMessage granadaFeed = FeedClient.feed(server.urls("granada").tripUpdates());
        assertThat(sofiaFeed.getEntityList()).isNotEmpty().allSatisfy(e ->
                assertThat(sofia.network().trip(e.getTripUpdate().getTrip().getTripId())).isPresent());
        assertThat(granadaFeed.getEntityList()).isNotEmpty().allSatisfy(e ->
                assertThat(granada.network().trip(e.getTripUpdate().getTrip().getTripId())).isPresent());
        FeedMessage granadaVehicles = FeedClient.feed(server.urls("granada").vehiclePositions());
        assertThat(granadaVehicles.getEntityList()).isNotEmpty().allSatisfy(e -> assertThat(
                granada.city().contains(e.getVehicle().getPosition().getLatitude(),
                        e.getVehicle().getPosition().getLongitude())).isTrue());
        Map<String, List<Map<String, String>>> granadaZip = GtfsCsv.read(FeedClient.bytes(server.urls("granada")
                .gtfsStatic()));
        assertThat(granadaZip.get("agency.txt").get(0).get("agency_timezone")).isEqualTo("Europe/Madrid");
        assertThat(sofia.groundTruth().tripsSeenCount()).isEqualTo(sofiaFeed.getEntityCount());
        assertThat(granada.groundTruth().tripsSeenCount()).isEqualTo(granadaFeed.getEntityCount());
    }

    @Test
    void theGroundTruthSummaryIsServedAsJson() {
        FeedClient.feed(server.urls("sofia").tripUpdates());
        var truth = FeedClient.json(URI.create(server.baseUri() + "/sofia/ground-truth.json"));
        assertThat(truth.path("vehicles_in_service").asInt()).isPositive();
        assertThat(truth.path("feeds_served").path("trip-updates").asLong()).isEqualTo(1);
        assertThat(truth.path("service_dates").path("2026-03-31").path("active_trips").asInt()).isPositive();
    }
}
