package io.civicpulse.deploy.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.CliProcess;
import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;

/** {@code civicpulse intake} as a separate process against the real broker and registry. */
class IntakeIT {

    private static final String KEY = "intake-it-key-0123456789";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void killingTheIntakeRightAfterA202LosesNoAcceptedEvent() throws Exception {
        int port = freePort();
        String run = UUID.randomUUID().toString();
        try (CliProcess intake = CliProcess.start(Map.of("CIVICPULSE_INTAKE_API_KEYS", "it:" + KEY),
                "intake", "--port", String.valueOf(port),
                "--bootstrap-servers", SharedStack.get().bootstrapServers(),
                "--schema-registry-url", SharedStack.get().registryUrl())) {
            intake.awaitOutput("Intake listening on", Duration.ofSeconds(60));

            List<String> events = IntStream.range(0, 200).mapToObj(i -> session(run + "-" + i, run)).collect(Collectors.toList());
            events.add(50, "{\"type\":\"session\",\"eventId\":\"" + run + "-bad\",\"city\":\"sofia\"}");
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/events"))
                    .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("[" + String.join(",", events) + "]")).build(),
                    HttpResponse.BodyHandlers.ofString());
            intake.process().destroyForcibly(); // SIGKILL, the instant the 202 is read
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            assertThat(response.body()).contains("\"accepted\":200", "\"index\":50", "\"field\":\"occurredAt\"");
        }

        Set<String> received = consume(Topics.SERVICE_SESSIONS, 200, e -> e.getSessionId().equals(run),
                ServiceSessionEvent::getEventId);
        assertThat(received).hasSize(200).allMatch(id -> id.startsWith(run + "-") && !id.endsWith("-bad"));
        Set<String> deadLetters = consume(Topics.DEAD_LETTERS, 1,
                d -> d.getPayload() != null && new String(d.getPayload().array(), java.nio.charset.StandardCharsets.UTF_8)
                        .contains(run + "-bad"), DeadLetter::getReason);
        assertThat(deadLetters).containsExactly("field.missing");
    }

    @Test
    void kafkaUnreachableIsAnswered503() throws Exception {
        int port = freePort();
        try (CliProcess intake = CliProcess.start(Map.of("CIVICPULSE_INTAKE_API_KEYS", KEY),
                "intake", "--port", String.valueOf(port),
                "--bootstrap-servers", "127.0.0.1:" + freePort(),
                "--schema-registry-url", SharedStack.get().registryUrl())) {
            intake.awaitOutput("Intake listening on", Duration.ofSeconds(60));
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/events"))
                    .header("X-API-Key", KEY).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString("[" + session(UUID.randomUUID().toString(), "x") + "]"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
        }
    }

    private static String session(String eventId, String sessionId) {
        return """
                {"type":"session","eventId":"%s","city":"sofia","occurredAt":"%s","sessionId":"%s",
                 "serviceId":"parking-permit","phase":"completed","channel":"web"}"""
                .formatted(eventId, Instant.now().minusSeconds(60), sessionId);
    }

    private static <V extends org.apache.avro.specific.SpecificRecord> Set<String> consume(
            Topic<String, V> topic, int expected, java.util.function.Predicate<V> mine,
            java.util.function.Function<V, String> id) {
        Map<String, Object> config = new HashMap<>(SharedStack.clientConfig());
        config.put("group.id", "intake-it-" + UUID.randomUUID());
        config.put("auto.offset.reset", "earliest");
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, topic.keySerde().deserializer(),
                topic.valueSerde(config).deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ids.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (mine.test(r.value())) {
                        ids.add(id.apply(r.value()));
                    }
                });
            }
        }
        assertThat(ids).as("no record twice").doesNotHaveDuplicates();
        return Set.copyOf(ids);
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
