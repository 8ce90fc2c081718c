package io.civicpulse.deploy.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.intake.ApiKeys;
import io.civicpulse.ingest.intake.IntakeMetrics;
import io.civicpulse.ingest.intake.IntakeServer;
import io.civicpulse.ingest.intake.KafkaEventSink;
import io.civicpulse.ingest.open311.Open311Ingest;
import io.civicpulse.ingest.open311.Open311Poller;
import io.civicpulse.ingest.simulator.services.IntakePusher;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.ingest.simulator.services.SimulatedOpen311;
import io.civicpulse.schemas.services.RequestLifecycle;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/**
 * The service-usage half of ingest on the real broker and registry: the simulated city's Open311 endpoint polled
 * by the real poller, and its e-service systems pushing to the real intake; the topics hold exactly what the
 * simulation generated, as Avro in the Confluent wire format.
 */
class ServiceUsageIngestIT {

    @Test
    void simulatedOpen311RequestsAndPushedSessionsLandOnTheirTopics() throws Exception {
        // A city id of its own keeps this test's records apart from every other test's on the shared topics.
        String city = "it-" + UUID.randomUUID().toString().substring(0, 8);
        Instant now = Instant.now();
        Instant epoch = now.minus(Duration.ofDays(2));
        ServiceUsageModel model = new ServiceUsageModel(city, 21, ZoneId.of("Europe/Sofia"), epoch, 0.05,
                new double[] {42.62, 23.20, 42.77, 23.45});
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        Map<String, Object> kafka = SharedStack.clientConfig();

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String base = new SimulatedOpen311(model, clock, 1000).register(server);
        server.start();
        String key = "it-key-0123456789";
        try (KafkaEventSink sink = new KafkaEventSink(kafka, Clock.systemUTC(), "it");
             IntakeServer intake = new IntakeServer(IntakeServer.Settings.defaults().withPort(0),
                     ApiKeys.parse(key), sink, new IntakeMetrics(), Clock.systemUTC()).start();
             IntakePusher pusher = new IntakePusher(model, clock, URI.create(intake.url() + "/v1/events"), key,
                     now.minus(Duration.ofHours(3)));
             Open311Ingest open311 = Open311Ingest.start(CityConfig.of(city, ZoneId.of("Europe/Sofia")),
                     Open311Poller.Settings.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + base)),
                     kafka, clock)) {
            int pushed = pusher.pushUntilNow();
            List<ServiceUsageModel.Event> sessions = model.events(now.minus(Duration.ofHours(3)), now).stream()
                    .filter(e -> e.type().equals("session")).toList();
            assertThat(pushed).isPositive();

            Set<String> sessionIds = consume(Topics.SERVICE_SESSIONS, sessions.size(),
                    e -> e.getCity().equals(city), ServiceSessionEvent::getEventId);
            assertThat(sessionIds).isEqualTo(sessions.stream().map(ServiceUsageModel.Event::eventId)
                    .collect(Collectors.toSet()));

            // The poller's first poll reads a week back by update time; the endpoint serves 30 days of requests.
            List<ServiceUsageModel.Request> filed = model.requests(now.minus(Duration.ofDays(30)), now).stream()
                    .filter(r -> r.updatedAt(now).isAfter(now.minus(Duration.ofDays(7)))).toList();
            Set<String> opened = consume(Topics.SERVICE_REQUESTS, filed.size(),
                    e -> e.getCity().equals(city) && e.getLifecycle() == RequestLifecycle.OPENED,
                    ServiceRequestEvent::getServiceRequestId);
            assertThat(opened).isEqualTo(filed.stream().map(ServiceUsageModel.Request::id).collect(Collectors.toSet()));
        } finally {
            server.stop(0);
        }
    }

    private static <V extends SpecificRecord> Set<String> consume(Topic<String, V> topic, int expected,
                                                                  Predicate<V> mine,
                                                                  java.util.function.Function<V, String> id) {
        Map<String, Object> config = new HashMap<>(SharedStack.clientConfig());
        config.put("group.id", "service-usage-it-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, topic.keySerde().deserializer(),
                topic.valueSerde(config).deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ids.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (mine.test(r.value())) {
                        ids.add(id.apply(r.value()));
                    }
                });
            }
        }
        assertThat(ids).as("no record twice on " + topic.name()).doesNotHaveDuplicates();
        return Set.copyOf(ids);
    }
}
