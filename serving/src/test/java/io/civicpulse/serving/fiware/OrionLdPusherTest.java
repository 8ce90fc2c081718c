package io.civicpulse.serving.fiware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

class OrionLdPusherTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Short, so that the tests are quick; the rate limit itself is tested with it too. */
    private static final Duration INTERVAL = Duration.ofMillis(100);

    /** A request as the broker saw it. */
    record Received(String method, String path, Headers headers, JsonNode body, long atNanos) {
        List<String> ids() {
            List<String> ids = new ArrayList<>();
            body.forEach(entity -> ids.add(entity.get("id").asText()));
            return ids;
        }
    }

    /** What the broker answers next; when none is scripted, 204. */
    private interface Answer {
        void answer(HttpExchange exchange) throws IOException;
    }

    private HttpServer broker;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Deque<Answer> script = new ArrayDeque<>();
    private final CountDownLatch neverReleased = new CountDownLatch(1);
    private OrionLdPusher pusher;

    @BeforeEach
    void startBroker() throws IOException {
        broker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        broker.createContext("/", exchange -> {
            long at = System.nanoTime();
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders(), MAPPER.readTree(body), at));
            Answer answer;
            synchronized (script) {
                answer = script.poll();
            }
            if (answer == null) {
                answer = status(204, "");
            }
            answer.answer(exchange);
            exchange.close();
        });
        broker.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        broker.start();
    }

    @AfterEach
    void stop() {
        if (pusher != null) {
            pusher.close();
        }
        neverReleased.countDown();
        broker.stop(0);
    }

    private URI brokerUrl() {
        return URI.create("http://127.0.0.1:" + broker.getAddress().getPort() + "/");
    }

    private OrionLdPusher.Config config() {
        return OrionLdPusher.Config.of(brokerUrl()).withInterval(INTERVAL)
                .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(200));
    }

    private void answers(Answer... answers) {
        synchronized (script) {
            script.addAll(List.of(answers));
        }
    }

    private static Answer status(int status, String body) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
        };
    }

    /** Answers only after the client has given up waiting. */
    private Answer hang() {
        return exchange -> {
            try {
                neverReleased.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            status(204, "").answer(exchange);
        };
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + what).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    private static ObjectNode entity(String id, int version) {
        ObjectNode entity = MAPPER.createObjectNode();
        entity.put("id", "urn:ngsi-ld:KeyPerformanceIndicator:" + id);
        entity.put("type", "KeyPerformanceIndicator");
        entity.putObject("kpiValue").put("type", "Property").put("value", version);
        entity.putArray("@context").add(KpiEntities.NGSI_LD_CORE_CONTEXT);
        return entity;
    }

    private static String id(String id) {
        return "urn:ngsi-ld:KeyPerformanceIndicator:" + id;
    }

    @Test
    void pendingEntitiesGoAsOneUpsertOfLdJsonWithTheirContextInTheBody() {
        pusher = new OrionLdPusher(config());
        pusher.offer(TestValues.onTimeRouteA94().build());
        pusher.offer(TestValues.resolutionTimeLozenets().build());

        pusher.start();
        await("the batch", () -> pusher.sent() == 2);

        assertThat(received).hasSize(1);
        Received request = received.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/ngsi-ld/v1/entityOperations/upsert");
        assertThat(request.headers().getFirst("Content-Type")).isEqualTo("application/ld+json");
        assertThat(request.headers().containsKey("Link")).isFalse();
        assertThat(request.headers().containsKey("NGSILD-Tenant")).isFalse();
        assertThat(request.body().isArray()).isTrue();
        assertThat(request.body().get(0).get("@context")).isNotNull();
        assertThat(request.body().get(0).get("type").asText()).isEqualTo("KeyPerformanceIndicator");
    }

    @Test
    void tenantIsSentInTheNgsiLdTenantHeader() {
        pusher = new OrionLdPusher(config().withTenant("civicpulse"));
        pusher.offer(entity("a", 1));

        pusher.start();
        await("the batch", () -> pusher.sent() == 1);

        assertThat(received.get(0).headers().getFirst("NGSILD-Tenant")).isEqualTo("civicpulse");
    }

    @Test
    void updatesOfTheSameEntityAreCoalescedToTheNewest() {
        pusher = new OrionLdPusher(config());
        pusher.offer(entity("a", 1));
        pusher.offer(entity("b", 1));
        pusher.offer(entity("a", 2));
        pusher.offer(entity("a", 3));

        pusher.start();
        await("the batch", () -> pusher.sent() == 2);

        assertThat(received).hasSize(1);
        assertThat(received.get(0).ids()).containsExactly(id("a"), id("b"));
        assertThat(received.get(0).body().get(0).get("kpiValue").get("value").asInt()).isEqualTo(3);
        assertThat(pusher.coalesced()).isEqualTo(2);
    }

    @Test
    void batchesHoldAtMostMaxBatchEntitiesAndGoAtMostOncePerInterval() {
        pusher = new OrionLdPusher(config().withLimits(2, 100).withInterval(Duration.ofMillis(300)));
        for (int i = 0; i < 5; i++) {
            pusher.offer(entity("e" + i, 1));
        }

        pusher.start();
        await("every entity", () -> pusher.sent() == 5);

        assertThat(received).extracting(request -> request.ids().size()).containsExactly(2, 2, 1);
        for (int i = 1; i < received.size(); i++) {
            assertThat(Duration.ofNanos(received.get(i).atNanos() - received.get(i - 1).atNanos()))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void fullQueueDropsTheEntityThatWaitedLongest() {
        pusher = new OrionLdPusher(config().withLimits(10, 10));
        for (int i = 0; i < 13; i++) {
            pusher.offer(entity("e" + i, 1));
        }

        assertThat(pusher.pending()).isEqualTo(10);
        assertThat(pusher.dropped()).isEqualTo(3);
        pusher.start();
        await("the batch", () -> pusher.sent() == 10);
        assertThat(received.get(0).ids()).first().isEqualTo(id("e3"));
        assertThat(received.get(0).ids()).doesNotContain(id("e0"), id("e1"), id("e2"));
    }

    @Test
    void coalescedUpdateDoesNotCountAgainstTheBound() {
        pusher = new OrionLdPusher(config().withLimits(2, 2));
        pusher.offer(entity("a", 1));
        pusher.offer(entity("b", 1));
        pusher.offer(entity("a", 2));

        assertThat(pusher.dropped()).isZero();
        assertThat(pusher.pending()).isEqualTo(2);
    }

    @Test
    void batchRefusedWith503IsSentAgainAndThenCountsAsSent() {
        answers(status(503, "{\"title\":\"busy\"}"));
        pusher = new OrionLdPusher(config());
        pusher.offer(entity("a", 1));

        pusher.start();
        await("the retry to succeed", () -> pusher.sent() == 1);

        assertThat(received).hasSize(2);
        assertThat(received.get(1).body()).isEqualTo(received.get(0).body());
        assertThat(pusher.retries()).isEqualTo(1);
        assertThat(pusher.failed()).isZero();
    }

    @Test
    void newerUpdateThatArrivesDuringBackoffIsSentInsteadOfTheFailedOne() {
        answers(status(503, ""));
        pusher = new OrionLdPusher(config().withRetries(3, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        pusher.offer(entity("a", 1));

        pusher.start();
        await("the first failure", () -> pusher.retries() == 1);
        pusher.offer(entity("a", 2));
        await("the retry", () -> pusher.sent() == 1);

        assertThat(received).hasSize(2);
        assertThat(received.get(1).body().get(0).get("kpiValue").get("value").asInt()).isEqualTo(2);
    }

    @Test
    void requestThatTimesOutIsRetried() {
        answers(hang());
        pusher = new OrionLdPusher(config().withRequestTimeout(Duration.ofMillis(300)));
        pusher.offer(entity("a", 1));

        pusher.start();
        await("the retry to succeed", () -> pusher.sent() == 1);

        assertThat(pusher.retries()).isEqualTo(1);
        assertThat(pusher.requests()).isEqualTo(2);
    }

    @Test
    void brokerThatIsDownIsRetriedAndTheBatchKept() throws IOException {
        broker.stop(0);
        pusher = new OrionLdPusher(config().withRetries(1_000, Duration.ofMillis(20), Duration.ofMillis(20)));
        pusher.offer(entity("a", 1));

        pusher.start();
        await("two failed attempts", () -> pusher.retries() >= 2);

        assertThat(pusher.sent()).isZero();
        assertThat(pusher.failed()).isZero();
        assertThat(pusher.pending()).isEqualTo(1);
    }

    @Test
    void entityIsGivenUpAfterMaxAttempts() {
        answers(status(503, ""), status(503, ""), status(503, ""));
        pusher = new OrionLdPusher(config());
        pusher.offer(entity("a", 1));

        pusher.start();
        await("giving up", () -> pusher.failed() == 1);

        assertThat(received).hasSize(3);
        assertThat(pusher.pending()).isZero();
        assertThat(pusher.sent()).isZero();
    }

    @Test
    void clientErrorIsNotRetried() {
        answers(status(400, "{\"title\":\"bad\"}"));
        pusher = new OrionLdPusher(config());
        pusher.offer(entity("a", 1));
        pusher.offer(entity("b", 1));

        pusher.start();
        await("the refusal", () -> pusher.failed() == 2);
        pusher.offer(entity("c", 1));
        await("the next batch", () -> pusher.sent() == 1);

        assertThat(received).hasSize(2);
        assertThat(received.get(1).ids()).containsExactly(id("c"));
    }

    @Test
    void multiStatusCountsItsErrorsAsFailedAndTheRestAsSent() {
        answers(status(207, "{\"success\":[\"" + id("a") + "\"],\"errors\":[{\"entityId\":\"" + id("b")
                + "\",\"error\":{\"status\":400,\"title\":\"bad\"}}]}"));
        pusher = new OrionLdPusher(config());
        pusher.offer(entity("a", 1));
        pusher.offer(entity("b", 1));

        pusher.start();
        await("the answer", () -> pusher.sent() + pusher.failed() == 2);

        assertThat(pusher.sent()).isEqualTo(1);
        assertThat(pusher.failed()).isEqualTo(1);
    }

    @Test
    void entityWithoutIdIsRefused() {
        pusher = new OrionLdPusher(config());

        assertThatThrownBy(() -> pusher.offer(MAPPER.createObjectNode()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noUrlMeansNoPush() {
        assertThat(OrionLdPusher.Config.from(Map.of())).isEmpty();
        assertThat(OrionLdPusher.Config.from(Map.of(OrionLdPusher.URL_KEY, " "))).isEmpty();
    }

    @Test
    void configIsReadFromCivicPulseProperties() {
        Optional<OrionLdPusher.Config> config = OrionLdPusher.Config.from(Map.of(
                OrionLdPusher.URL_KEY, "http://orion:1026/",
                OrionLdPusher.TENANT_KEY, "sofia",
                OrionLdPusher.MAX_BATCH_KEY, "50",
                OrionLdPusher.TIMEOUT_KEY, "PT3S"));

        assertThat(config).hasValueSatisfying(c -> {
            assertThat(c.upsertUri()).isEqualTo(URI.create("http://orion:1026/ngsi-ld/v1/entityOperations/upsert"));
            assertThat(c.tenant()).contains("sofia");
            assertThat(c.maxBatch()).isEqualTo(50);
            assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(c.interval()).isEqualTo(Duration.ofSeconds(1));
        });
    }

    @Test
    void badConfigValueFailsNamingItsKey() {
        assertThatThrownBy(() -> OrionLdPusher.Config.from(Map.of(OrionLdPusher.URL_KEY, "orion:1026")))
                .hasMessageContaining(OrionLdPusher.URL_KEY);
        assertThatThrownBy(() -> OrionLdPusher.Config.from(Map.of(OrionLdPusher.URL_KEY, "http://orion:1026",
                OrionLdPusher.INTERVAL_KEY, "1s"))).hasMessageContaining(OrionLdPusher.INTERVAL_KEY);
    }
}
