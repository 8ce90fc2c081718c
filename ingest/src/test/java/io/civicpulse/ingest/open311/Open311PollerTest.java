package io.civicpulse.ingest.open311;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.city.BoundingBox;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.CityDistricts;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.reference.CityService;
import io.civicpulse.schemas.services.RequestLifecycle;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.schemas.topics.Topics;

class Open311PollerTest {

    static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private CityConfig sofia = CityConfig.of("sofia", ZoneId.of("Europe/Sofia"))
            .withBounds(new BoundingBox(42.55, 23.05, 42.85, 23.60));
    private final RecordingPublisher publisher = new RecordingPublisher();
    private IngestMetrics metrics;
    private Open311Endpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        endpoint = new Open311Endpoint();
        metrics = new IngestMetrics("sofia", clock);
    }

    @AfterEach
    void stop() {
        endpoint.close();
        metrics.close();
    }

    private Open311Poller poller(Open311Poller.Settings settings) {
        return new Open311Poller(sofia, settings, HttpClient.newHttpClient(), publisher,
                new DeadLetters(publisher, metrics, clock), metrics, new StateChangeLog(), clock);
    }

    private Open311Poller poller() {
        return poller(Open311Poller.Settings.of(endpoint.baseUrl()));
    }

    private static Open311Endpoint.Request request(String id, String status, String requested, String updated) {
        return new Open311Endpoint.Request(id, status, "pothole", requested, updated, "2026-11-27T10:00:00Z",
                42.69, 23.32);
    }

    private List<ServiceRequestEvent> requestEvents() {
        return publisher.values(Topics.SERVICE_REQUESTS);
    }

    private List<DeadLetter> deadLetters() {
        return publisher.values(Topics.DEAD_LETTERS);
    }

    @Test
    void servicesBecomeCatalogueEntriesPublishedOnlyWhenTheyChange() throws Exception {
        Open311Poller poller = poller();
        poller.pollOnce();
        poller.pollOnce();

        List<CityService> entries = publisher.values(Topics.CITY_SERVICES);
        assertThat(entries).extracting(CityService::getServiceId).containsExactlyInAnyOrder("pothole", "graffiti");
        assertThat(entries).allMatch(CityService::getOnlineAvailable).allMatch(e -> e.getSource().equals("open311"));
    }

    @Test
    void serviceThatLeavesTheListIsPublishedInactive() throws Exception {
        Open311Poller poller = poller();
        poller.pollOnce();
        endpoint.servicesBody = "[{\"service_code\":\"pothole\",\"service_name\":\"Pothole\"}]";
        poller.pollOnce();

        List<CityService> entries = publisher.values(Topics.CITY_SERVICES);
        assertThat(entries.get(entries.size() - 1)).satisfies(e -> {
            assertThat(e.getServiceId()).isEqualTo("graffiti");
            assertThat(e.getActive()).isFalse();
        });
    }

    @Test
    void requestLifecycleIsPublishedOnceAndTheSameDataPolledTwicePublishesNothing() throws Exception {
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:00:00Z"));
        endpoint.put(request("2", "closed", "2026-11-26T07:00:00Z", "2026-11-26T09:00:00Z"));
        Open311Poller poller = poller();

        poller.pollOnce();
        poller.pollOnce();

        assertThat(requestEvents()).extracting(e -> e.getServiceRequestId() + ":" + e.getLifecycle())
                .containsExactly("1:OPENED", "2:OPENED", "2:CLOSED");
        ServiceRequestEvent closed = requestEvents().get(2);
        assertThat(closed.getClosedAt()).isEqualTo(Instant.parse("2026-11-26T09:00:00Z"));
        assertThat(closed.getEventTime()).isEqualTo(closed.getUpdatedAt());
        assertThat(requestEvents().get(0).getEventTime()).isEqualTo(Instant.parse("2026-11-26T08:00:00Z"));
        assertThat(requestEvents().get(0).getExpectedAt()).isEqualTo(Instant.parse("2026-11-27T10:00:00Z"));
    }

    @Test
    void aRequestIsPlacedInTheDistrictItsCoordinatesLieIn() throws Exception {
        sofia = sofia.withDistricts(CityDistricts.fromGeoJson("""
                {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "sredets"},
                 "geometry": {"type": "Polygon", "coordinates": [[[23.31, 42.68], [23.34, 42.68], [23.34, 42.70],
                 [23.31, 42.70], [23.31, 42.68]]]}}]}
                """.getBytes(StandardCharsets.UTF_8), "id"));
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:00:00Z"));
        endpoint.put(new Open311Endpoint.Request("2", "open", "pothole", "2026-11-26T08:00:00Z",
                "2026-11-26T08:00:00Z", "2026-11-27T10:00:00Z", 42.75, 23.50));

        poller().pollOnce();

        assertThat(requestEvents()).extracting(ServiceRequestEvent::getServiceRequestId, ServiceRequestEvent::getDistrict)
                .containsExactly(tuple("1", "sredets"), tuple("2", null));
    }

    @Test
    void closingAndReopeningAreTransitionsOfTheirOwn() throws Exception {
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:00:00Z"));
        Open311Poller poller = poller();
        poller.pollOnce();
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:30:00Z"));
        poller.pollOnce();
        endpoint.put(request("1", "closed", "2026-11-26T08:00:00Z", "2026-11-26T09:00:00Z"));
        poller.pollOnce();
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T09:30:00Z"));
        poller.pollOnce();

        assertThat(requestEvents()).extracting(ServiceRequestEvent::getLifecycle).containsExactly(
                RequestLifecycle.OPENED, RequestLifecycle.UPDATED, RequestLifecycle.CLOSED, RequestLifecycle.REOPENED);
    }

    @Test
    void aSecondPollerOverTheSameDataDerivesTheSameEventIds() throws Exception {
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:00:00Z"));
        endpoint.put(request("2", "closed", "2026-11-26T07:00:00Z", "2026-11-26T09:00:00Z"));
        poller().pollOnce();
        List<String> first = requestEvents().stream().map(ServiceRequestEvent::getEventId).toList();
        publisher.sent.clear();

        poller().pollOnce(); // a restarted process: no memory of what it published

        assertThat(requestEvents()).extracting(ServiceRequestEvent::getEventId).containsExactlyElementsOf(first);
    }

    @Test
    void fullPagesAreFollowedByAdvancingUpdatedAfterWithoutDuplicates() throws Exception {
        for (int i = 0; i < 7; i++) {
            // Two requests share each update instant, so page boundaries fall inside a tie.
            String updated = "2026-11-26T08:0" + (i / 2) + ":00Z";
            endpoint.put(request("r" + i, "open", "2026-11-26T07:00:00Z", updated));
        }
        endpoint.pageSize = 2;

        poller(Open311Poller.Settings.of(endpoint.baseUrl()).withPageSize(2)).pollOnce();

        assertThat(requestEvents()).extracting(ServiceRequestEvent::getServiceRequestId)
                .containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4", "r5", "r6");
    }

    @Test
    void requestWithAMissingFieldIsDeadLetteredAndItsNeighboursPublished() throws Exception {
        endpoint.requestsOverride = "[{\"service_request_id\":\"1\",\"status\":\"open\",\"service_code\":\"pothole\","
                + "\"requested_datetime\":\"2026-11-26T08:00:00Z\"},"
                + "{\"service_request_id\":\"2\",\"status\":\"open\",\"service_code\":\"pothole\"}]";
        poller().pollOnce();

        assertThat(requestEvents()).extracting(ServiceRequestEvent::getServiceRequestId).containsExactly("1");
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.getReason()).isEqualTo("open311.field-missing");
            assertThat(d.getHeaders()).containsEntry("field", "requested_datetime");
            assertThat(new String(d.getPayload().array(), StandardCharsets.UTF_8)).contains("\"2\"");
        });
        assertThat(metrics.rejectedCount("open311.field-missing")).isEqualTo(1);
    }

    @Test
    void futureTimestampAndCoordinatesOutsideTheCityAreRejectedByReason() throws Exception {
        endpoint.put(request("future", "open", "2026-11-27T08:00:00Z", "2026-11-27T08:00:00Z"));
        endpoint.put(new Open311Endpoint.Request("faraway", "open", "pothole", "2026-11-26T08:00:00Z",
                "2026-11-26T08:00:00Z", null, 37.76, -122.46));
        endpoint.put(request("ok", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:00:00Z"));

        poller().pollOnce();

        assertThat(requestEvents()).extracting(ServiceRequestEvent::getServiceRequestId).containsExactly("ok");
        assertThat(deadLetters()).extracting(DeadLetter::getReason)
                .containsExactlyInAnyOrder("event.future-timestamp", "geo.outside-city");
    }

    @Test
    void httpErrorIsDeadLetteredAndThePollerKeepsPollingUntilItRecovers() throws Exception {
        endpoint.status = 503;
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:00:00Z"));
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (Open311Poller poller = poller(Open311Poller.Settings.of(endpoint.baseUrl())
                .withInterval(Duration.ofMillis(20)))) {
            poller.start(scheduler);
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.rejectedCount("http.status-503") >= 1);
            endpoint.status = 200;
            await().atMost(Duration.ofSeconds(10)).until(() -> !requestEvents().isEmpty());
        } finally {
            scheduler.shutdownNow();
        }
        assertThat(deadLetters()).extracting(DeadLetter::getReason).contains("http.status-503");
        assertThat(requestEvents()).extracting(ServiceRequestEvent::getServiceRequestId).containsExactly("1");
    }

    @Test
    void kafkaFailureKeepsTheWatermarkSoTheDataIsReadAgain() throws Exception {
        endpoint.put(request("1", "open", "2026-11-26T08:00:00Z", "2026-11-26T08:00:00Z"));
        Open311Poller poller = poller();
        publisher.failWith = new org.apache.kafka.common.errors.TimeoutException("broker down");
        assertThatThrownBy(poller::pollOnce).isInstanceOf(Open311Poller.PollFailed.class);
        publisher.failWith = null;

        poller.pollOnce();

        assertThat(requestEvents()).extracting(ServiceRequestEvent::getLifecycle)
                .containsExactly(RequestLifecycle.OPENED);
    }

    @Test
    void specExampleVerbatimIsRejectedWholeWithAClearReason() throws Exception {
        Path sample = Path.of("..", "..", "shared", "samples", "open311", "requests.spec-verbatim.json");
        Assumptions.assumeTrue(Files.exists(sample), "shared samples not present");
        endpoint.requestsOverride = Files.readString(sample);

        assertThatThrownBy(() -> poller().pollOnce()).isInstanceOf(Open311Poller.PollFailed.class)
                .hasMessageContaining("Leading zeroes");
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.getReason()).isEqualTo("json.invalid");
            assertThat(d.getHeaders()).containsEntry("bodyBytes", String.valueOf(Files.size(sample)));
        });
        assertThat(requestEvents()).isEmpty();
    }

    @Test
    void specExamplesMadeValidAreAccepted() throws Exception {
        Path requests = Path.of("..", "..", "shared", "samples", "open311", "requests.valid.json");
        Path services = Path.of("..", "..", "shared", "samples", "open311", "services.valid.json");
        Assumptions.assumeTrue(Files.exists(requests), "shared samples not present");
        endpoint.requestsOverride = Files.readString(requests);
        endpoint.servicesBody = Files.readString(services);
        CityConfig sanFrancisco = CityConfig.of("sf", ZoneId.of("America/Los_Angeles"));
        Open311Poller poller = new Open311Poller(sanFrancisco, Open311Poller.Settings.of(endpoint.baseUrl()),
                HttpClient.newHttpClient(), publisher, new DeadLetters(publisher, metrics, clock), metrics,
                new StateChangeLog(), clock);

        poller.pollOnce();

        assertThat(deadLetters()).isEmpty();
        assertThat(requestEvents()).isNotEmpty().allMatch(e -> e.getCity().equals("sf"));
        assertThat(publisher.values(Topics.CITY_SERVICES)).isNotEmpty();
    }

    private static final String PERSONAL = "\"first_name\":\"Jane\",\"email\":\"jane.doe@example.org\","
            + "\"phone\":\"+359888123456\",\"address\":\"ul. Tsar Shishman 12, ap. 4\","
            + "\"description\":\"Jane Doe here, call me back\",\"status_notes\":\"Called Jane Doe\"";

    @Test
    void personalFieldsOfARequestNeverReachTheDeadLetterOrThePublishedRecord() throws Exception {
        endpoint.requestsOverride = "[{\"service_request_id\":\"1\",\"status\":\"open\",\"service_code\":"
                + "\"pothole\",\"requested_datetime\":\"2026-11-26T08:00:00Z\",\"lat\":42.6912345,"
                + "\"long\":23.3198765," + PERSONAL + "},"
                + "{\"service_request_id\":\"2\",\"service_code\":\"pothole\","
                + "\"requested_datetime\":\"2026-11-26T08:00:00Z\"," + PERSONAL + "}]";

        poller().pollOnce();

        ServiceRequestEvent published = requestEvents().get(0);
        assertThat(published.toString()).doesNotContain("Jane", "jane", "359888", "Shishman");
        assertThat(published.getDescription()).isNull();
        assertThat(published.getStatusNotes()).isNull();
        assertThat(published.getAddress()).isNull();
        assertThat(published.getLatitude()).isEqualTo(42.691);
        assertThat(published.getLongitude()).isEqualTo(23.320);
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.toString()).doesNotContain("Jane", "jane", "359888", "Shishman");
            assertThat(d.getReason()).isEqualTo("open311.field-missing");
            assertThat(d.getHeaders()).containsEntry("field", "status").containsEntry("serviceRequestId", "2");
        });
    }

    @Test
    void freeTextIsKeptOnlyWhenTheCitySaysSo() throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("open311.url", endpoint.baseUrl().toString());
        p.setProperty("open311.keep-free-text", "true");
        endpoint.requestsOverride = "[{\"service_request_id\":\"1\",\"status\":\"open\",\"service_code\":"
                + "\"pothole\",\"requested_datetime\":\"2026-11-26T08:00:00Z\"," + PERSONAL + "}]";

        poller(Open311Poller.Settings.fromProperties(p).orElseThrow()).pollOnce();

        assertThat(requestEvents().get(0).getDescription()).isEqualTo("Jane Doe here, call me back");
    }

    @Test
    void aResponseLargerThanTheCapIsRefusedWithoutBeingParsed() {
        String padding = "x".repeat((int) Open311Poller.Settings.DEFAULT_MAX_BODY_BYTES);
        endpoint.requestsOverride = "[{\"service_request_id\":\"1\",\"status\":\"open\",\"service_code\":"
                + "\"pothole\",\"requested_datetime\":\"2026-11-26T08:00:00Z\",\"padding\":\"" + padding
                + "\"}]";

        assertThatThrownBy(() -> poller().pollOnce()).isInstanceOf(Open311Poller.PollFailed.class);

        assertThat(requestEvents()).isEmpty();
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.getReason()).isEqualTo("feed.too-large");
            assertThat(d.getPayload()).isNull();
        });
    }
}
