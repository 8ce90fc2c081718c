package io.civicpulse.ingest.simulator.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.open311.Open311Poller;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.Publisher;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.ingest.simulator.SimulationClock;
import io.civicpulse.schemas.services.RequestLifecycle;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.schemas.topics.Topics;

/** The real Open311 poller, polling the simulated endpoint as simulated days pass, sees exactly the model's fates. */
class SimulatedOpen311Test {

    @Test
    void pollingOverSimulatedDaysYieldsEachRequestsOpeningAndClosingOnce() throws Exception {
        ServiceUsageModel model = ServiceUsageModelTest.model(11);
        Instant start = ServiceUsageModelTest.EPOCH.plus(Duration.ofDays(3));
        SimulationClock clock = SimulationClock.manual(start);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String base = new SimulatedOpen311(model, clock, 100).register(server);
        server.start();
        List<ServiceRequestEvent> published = new java.util.concurrent.CopyOnWriteArrayList<>();
        Publisher publisher = new Publisher() {
            @Override
            @SuppressWarnings("unchecked")
            public <V extends org.apache.avro.specific.SpecificRecord> java.util.concurrent.CompletableFuture<Void> send(
                    io.civicpulse.schemas.topics.Topic<String, V> topic, String key, V value) {
                if (topic.equals(Topics.SERVICE_REQUESTS)) {
                    published.add((ServiceRequestEvent) value);
                }
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
        };
        try (IngestMetrics metrics = new IngestMetrics("sofia", clock)) {
            Open311Poller.Settings settings = Open311Poller.Settings.of(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + base)).withPageSize(100);
            settings = new Open311Poller.Settings(settings.baseUrl(), null, null, settings.interval(),
                    Duration.ofDays(30), 100, settings.timeout(), Set.of(), Set.of(), Set.of());
            Open311Poller poller = new Open311Poller(CityConfig.of("sofia", ZoneId.of("Europe/Sofia")), settings,
                    HttpClient.newHttpClient(), publisher, new DeadLetters(publisher, metrics, clock), metrics,
                    new StateChangeLog(), clock);
            for (int step = 0; step < 12; step++) {
                poller.pollOnce();
                clock.advance(Duration.ofHours(7));
            }
            poller.pollOnce();
        } finally {
            server.stop(0);
        }
        Instant end = clock.instant();

        List<ServiceUsageModel.Request> truth = model.requests(start.minus(SimulatedOpen311.HORIZON), end);
        Set<String> opened = ids(published, RequestLifecycle.OPENED);
        Set<String> closed = ids(published, RequestLifecycle.CLOSED);
        assertThat(opened).isEqualTo(truth.stream().map(ServiceUsageModel.Request::id).collect(Collectors.toSet()));
        assertThat(closed).isEqualTo(truth.stream().filter(r -> !r.closedAt().isAfter(end))
                .map(ServiceUsageModel.Request::id).collect(Collectors.toSet()));
        assertThat(published).extracting(ServiceRequestEvent::getEventId).doesNotHaveDuplicates();
        assertThat(published).filteredOn(e -> e.getLifecycle() == RequestLifecycle.CLOSED)
                .allMatch(e -> e.getClosedAt() != null && e.getExpectedAt() != null);
    }

    private static Set<String> ids(List<ServiceRequestEvent> events, RequestLifecycle lifecycle) {
        return events.stream().filter(e -> e.getLifecycle() == lifecycle)
                .map(ServiceRequestEvent::getServiceRequestId).collect(Collectors.toSet());
    }
}
