package io.civicpulse.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The intake's HTTP contract, over real HTTP: every status code with the case that produces it, per-event
 * reasons, and the rule that 202 waits for the sink's acknowledgement.
 */
class IntakeServerTest {

    private static final String KEY = "s3cret-key-for-tests";
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final List<IntakeEvent.Accepted> published = Collections.synchronizedList(new ArrayList<>());
    private final List<IntakeEvent.Rejected> deadLettered = Collections.synchronizedList(new ArrayList<>());
    private volatile CompletableFuture<Void> nextAck;
    private final EventSink sink = (events, rejected, key) -> {
        CompletableFuture<Void> ack = nextAck == null ? CompletableFuture.completedFuture(null) : nextAck;
        return ack.thenRun(() -> {
            published.addAll(events);
            deadLettered.addAll(rejected);
        });
    };
    private final IntakeMetrics metrics = new IntakeMetrics();
    private IntakeServer server;

    private IntakeServer start(IntakeServer.Settings settings) throws Exception {
        server = new IntakeServer(settings, ApiKeys.parse("portal:" + ApiKeys.hashedForm(KEY)), sink, metrics,
                Clock.fixed(IntakeEventParserTest.NOW, ZoneOffset.UTC)).start();
        return server;
    }

    private IntakeServer start() throws Exception {
        return start(IntakeServer.Settings.defaults().withPort(0));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpRequest.Builder post(String body) {
        return HttpRequest.newBuilder(URI.create(server.url() + "/v1/events"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String batch(String... events) {
        return "[" + String.join(",", events) + "]";
    }

    @Test
    void validBatchIsAnswered202WithTheAcceptedCountAndEachRejectionsIndexFieldAndReason() throws Exception {
        start();
        HttpResponse<String> response = send(post(batch(IntakeEventParserTest.session("a", "started", "web"),
                IntakeEventParserTest.session("b", "started", "fax"),
                IntakeEventParserTest.session("c", "completed", "web"))).header("Authorization", "Bearer " + KEY));

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode answer = json.readTree(response.body());
        assertThat(answer.get("accepted").asInt()).isEqualTo(2);
        JsonNode rejection = answer.get("rejected").get(0);
        assertThat(rejection.get("index").asInt()).isEqualTo(1);
        assertThat(rejection.get("field").asText()).isEqualTo("channel");
        assertThat(rejection.get("reason").asText()).isEqualTo("enum.unknown");
        assertThat(published).extracting(IntakeEvent.Accepted::eventId).containsExactly("a", "c");
        assertThat(deadLettered).extracting(IntakeEvent.Rejected::index).containsExactly(1);
        assertThat(metrics.requests(202)).isEqualTo(1);
        assertThat(metrics.acceptedEvents()).isEqualTo(2);
        assertThat(metrics.rejectedEvents("enum.unknown")).isEqualTo(1);
    }

    @Test
    void apiKeyIsAlsoAcceptedInTheXApiKeyHeader() throws Exception {
        start();
        assertThat(send(post(batch()).header("X-API-Key", KEY)).statusCode()).isEqualTo(202);
    }

    @Test
    void missingOrWrongApiKeyIsAnswered401() throws Exception {
        start();
        HttpResponse<String> none = send(post(batch()));
        HttpResponse<String> wrong = send(post(batch()).header("Authorization", "Bearer not-the-key"));

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json.readTree(wrong.body()).get("reason").asText()).isEqualTo("auth.invalid-key");
        assertThat(published).isEmpty();
    }

    @Test
    void bodyThatDoesNotParseIsAnswered400WithTheParsersPosition() throws Exception {
        start();
        HttpResponse<String> response = send(post("[{\"type\":\"session\",\"eventId\":006}]")
                .header("Authorization", "Bearer " + KEY));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("message").asText()).contains("Leading zeroes", "line 1");
        assertThat(metrics.requests(400)).isEqualTo(1);
    }

    @Test
    void bodyOverTheSizeLimitIsAnswered413() throws Exception {
        start(IntakeServer.Settings.defaults().withPort(0).withMaxBodyBytes(1024));
        String big = batch(Collections.nCopies(20, IntakeEventParserTest.session("a", "started", "web"))
                .toArray(String[]::new));
        HttpResponse<String> response = send(post(big).header("Authorization", "Bearer " + KEY));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(published).isEmpty();
    }

    @Test
    void requestsBeyondTheKeysRateAreAnswered429WithRetryAfter() throws Exception {
        start(IntakeServer.Settings.defaults().withPort(0).withRate(0.01, 2));
        assertThat(send(post(batch()).header("Authorization", "Bearer " + KEY)).statusCode()).isEqualTo(202);
        assertThat(send(post(batch()).header("Authorization", "Bearer " + KEY)).statusCode()).isEqualTo(202);
        HttpResponse<String> third = send(post(batch()).header("Authorization", "Bearer " + KEY));
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
                assertThat(Long.parseLong(v)).isPositive());
    }

    @Test
    void unsupportedContentTypeIsAnswered415() throws Exception {
        start();
        HttpResponse<String> response = send(post(batch()).header("Authorization", "Bearer " + KEY)
                .setHeader("Content-Type", "text/csv"));
        assertThat(response.statusCode()).isEqualTo(415);
    }

    @Test
    void kafkaNotAcknowledgingIsAnswered503AndNothingIsAcknowledged() throws Exception {
        start();
        nextAck = CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException(
                "Topic civicpulse.services.sessions.v1 not present in metadata after 5000 ms."));
        HttpResponse<String> response = send(post(batch(IntakeEventParserTest.session("a", "started", "web")))
                .header("Authorization", "Bearer " + KEY));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(json.readTree(response.body()).get("message").asText()).contains("not present in metadata");
        assertThat(metrics.acceptedEvents()).isZero();
    }

    @Test
    void answerIsSentOnlyAfterTheSinkAcknowledges() throws Exception {
        start();
        nextAck = new CompletableFuture<>();
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(
                post(batch(IntakeEventParserTest.session("a", "started", "web")))
                        .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());

        // Poll for a while: with the acknowledgement outstanding no answer may arrive.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() < deadline) {
            assertThat(response).as("answered before Kafka acknowledged").isNotDone();
            Thread.onSpinWait();
        }
        nextAck.complete(null);
        assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    }

    @Test
    void ndjsonBodyIsAccepted() throws Exception {
        start();
        String body = IntakeEventParserTest.session("a", "started", "web").replace("\n", "") + "\n"
                + IntakeEventParserTest.session("b", "completed", "web").replace("\n", "") + "\n";
        HttpResponse<String> response = send(post(body).header("Authorization", "Bearer " + KEY)
                .setHeader("Content-Type", "application/x-ndjson"));
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(json.readTree(response.body()).get("accepted").asInt()).isEqualTo(2);
    }

    @Test
    void openApiDescriptionIsServedWithoutAKey() throws Exception {
        start();
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/openapi.json")).GET());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode doc = json.readTree(response.body());
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.get("paths").has("/v1/events")).isTrue();
    }

    @Test
    void getOnTheEventsPathIsAnswered405() throws Exception {
        start();
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/events"))
                .header("Authorization", "Bearer " + KEY).GET());
        assertThat(response.statusCode()).isEqualTo(405);
    }

    /** Opens a connection that sends the start of a request and then nothing, as a stuck or hostile client does. */
    private java.net.Socket stalledConnection() throws Exception {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", URI.create(server.url()).getPort());
        socket.getOutputStream().write("POST /v1/events HTTP/1.1\r\nHost: intake\r\nX-Slow: "
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        stalled.add(socket);
        return socket;
    }

    private final List<java.net.Socket> stalled = new ArrayList<>();

    @AfterEach
    void closeStalledConnections() throws Exception {
        for (java.net.Socket socket : stalled) {
            socket.close();
        }
    }

    @Test
    void slowClientHoldingMoreConnectionsThanWorkersDoesNotLockOutAnotherClient() throws Exception {
        start();
        for (int i = 0; i < IntakeServer.Settings.defaults().threads() + 4; i++) {
            stalledConnection();
        }
        HttpResponse<String> response = send(post(batch(IntakeEventParserTest.session("a", "started", "web")))
                .header("Authorization", "Bearer " + KEY).timeout(java.time.Duration.ofSeconds(10)));
        assertThat(response.statusCode()).isEqualTo(202);
    }

    @Test
    void kafkaDownIsAnswered503WithRetryAfterWithinTheRequestDeadline() throws Exception {
        // A sink whose hand-over blocks per event, as KafkaProducer.send does for max.block.ms without metadata.
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        EventSink down = (events, rejected, key) -> {
            for (IntakeEvent.Accepted ignored : events) {
                try {
                    never.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException("no metadata"));
        };
        server = new IntakeServer(IntakeServer.Settings.defaults().withPort(0)
                .withTimeouts(java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(2)),
                ApiKeys.parse("portal:" + ApiKeys.hashedForm(KEY)), down, metrics, Clock.systemUTC()).start();
        String[] events = new String[4];
        for (int i = 0; i < events.length; i++) {
            events[i] = IntakeEventParserTest.session("e" + i, "started", "web");
        }
        long t0 = System.nanoTime();
        HttpResponse<String> response = send(post(batch(events)).header("Authorization", "Bearer " + KEY)
                .timeout(java.time.Duration.ofSeconds(60)));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        never.countDown();

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        // Generous: the deadline is 2 s; before, the sink held the request for 4 x 5 s first.
        assertThat(seconds).isLessThan(10);
    }

    @Test
    void connectionThatDoesNotSendItsRequestWithinTheReadTimeoutIsClosed() throws Exception {
        start(IntakeServer.Settings.defaults().withPort(0)
                .withTimeouts(java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(5)));
        java.net.Socket socket = stalledConnection();
        socket.setSoTimeout(20_000);

        // Closed by the server: end of stream (or a reset), well before the 20 s the test would wait.
        long t0 = System.nanoTime();
        try {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        } catch (java.net.SocketException reset) {
            // also closed
        }
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(15);
        assertThat(metrics.readTimeouts()).isPositive();
    }

    @Test
    void requestsBeyondTheLimitPerClientAddressAreAnswered429() throws Exception {
        start(IntakeServer.Settings.defaults().withPort(0).withConnectionLimits(4, 16, 1));
        nextAck = new CompletableFuture<>();
        CompletableFuture<HttpResponse<String>> first = http.sendAsync(
                post(batch(IntakeEventParserTest.session("a", "started", "web")))
                        .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.requestsInProgress() < 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }

        HttpResponse<String> second = send(post(batch()).header("Authorization", "Bearer " + KEY));
        nextAck.complete(null);

        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(json.readTree(second.body()).get("reason").asText()).isEqualTo("connections.exceeded");
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    }

    @Test
    void failedAuthenticationsBeyondTheBudgetGet429EvenWithTheRightKey() throws Exception {
        start(IntakeServer.Settings.defaults().withPort(0).withAuthFailuresPerMinute(3));
        for (int i = 0; i < 3; i++) {
            assertThat(send(post(batch()).header("Authorization", "Bearer guess-number-" + i + "-0123456789"))
                    .statusCode()).isEqualTo(401);
        }
        HttpResponse<String> guarded = send(post(batch()).header("Authorization", "Bearer " + KEY));
        assertThat(guarded.statusCode()).isEqualTo(429);
        assertThat(json.readTree(guarded.body()).get("reason").asText()).isEqualTo("auth.too-many-failures");
        assertThat(guarded.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void base64KeyWithPaddingAuthenticatesAndItsPaddingAloneDoesNot() throws Exception {
        String base64Key = "q83vEjRWeJq83vEjRWeJ==";
        server = new IntakeServer(IntakeServer.Settings.defaults().withPort(0), ApiKeys.parse(base64Key), sink,
                metrics, Clock.fixed(IntakeEventParserTest.NOW, ZoneOffset.UTC)).start();
        assertThat(send(post(batch()).header("Authorization", "Bearer =")).statusCode()).isEqualTo(401);
        assertThat(send(post(batch()).header("Authorization", "Bearer " + base64Key)).statusCode()).isEqualTo(202);
    }

    @Test
    void intakeRefusesToStartWithoutAnyApiKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new IntakeServer(IntakeServer.Settings.defaults(),
                ApiKeys.parse(""), sink, metrics, Clock.systemUTC())).hasMessageContaining("API key");
    }

}
