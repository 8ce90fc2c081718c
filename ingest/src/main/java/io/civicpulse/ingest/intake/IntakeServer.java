package io.civicpulse.ingest.intake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authenticated HTTP intake for e-service, payment, open-data and catalogue events pushed by the city's
 * systems: {@code POST /v1/events}. It never acknowledges what it has not made durable: the 202 is written only
 * after Kafka has acknowledged (acks=all) every accepted event and every dead letter of the batch; if Kafka
 * cannot, the answer is 503 and the client retries the batch, which event ids make idempotent downstream.
 */
public final class IntakeServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IntakeServer.class);
    private static final String JSON = "application/json";

    /**
     * @param maxBodyBytes       larger bodies are refused with 413 before they are read
     * @param requestsPerSecond  sustained requests per second per API key; more get 429
     * @param publishTimeout     how long a request waits for Kafka's acknowledgement before answering 503
     */
    public record Settings(String host, int port, int maxBodyBytes, double requestsPerSecond, int burst,
                           Duration allowedClockSkew, Duration publishTimeout, int threads) {

        public static Settings defaults() {
            return new Settings("127.0.0.1", 8088, 5 * 1024 * 1024, 20, 40, Duration.ofMinutes(5),
                    Duration.ofSeconds(20), 16);
        }

        public Settings withPort(int newPort) {
            return new Settings(host, newPort, maxBodyBytes, requestsPerSecond, burst, allowedClockSkew,
                    publishTimeout, threads);
        }
    }

    private final Settings settings;
    private final ApiKeys apiKeys;
    private final EventSink sink;
    private final IntakeMetrics metrics;
    private final IntakeEventParser parser;
    private final RateLimiter rateLimiter;
    private final ObjectMapper json = JsonMapper.builder().build();
    private HttpServer server;
    private ExecutorService executor;

    public IntakeServer(Settings settings, ApiKeys apiKeys, EventSink sink, IntakeMetrics metrics, Clock clock) {
        if (apiKeys.isEmpty()) {
            throw new IllegalArgumentException("the intake needs at least one API key (configuration or"
                    + " CIVICPULSE_INTAKE_API_KEYS); it never accepts anonymous events");
        }
        this.settings = settings;
        this.apiKeys = apiKeys;
        this.sink = sink;
        this.metrics = metrics;
        this.parser = new IntakeEventParser(clock, settings.allowedClockSkew());
        this.rateLimiter = new RateLimiter(settings.requestsPerSecond(), settings.burst(), System::nanoTime);
    }

    public synchronized IntakeServer start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
        executor = Executors.newFixedThreadPool(settings.threads(), runnable -> {
            Thread thread = new Thread(runnable, "intake-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        log.info("intake listening on {}", url());
        return this;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8088}. */
    public String url() {
        return "http://" + settings.host() + ":" + server.getAddress().getPort();
    }

    public IntakeMetrics metrics() {
        return metrics;
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/v1/events")) {
                if (!method.equals("POST")) {
                    exchange.getResponseHeaders().set("Allow", "POST");
                    error(exchange, 405, "method.not-allowed", "use POST to send events");
                    return;
                }
                postEvents(exchange);
            } else if (path.equals("/v1/openapi.json") && method.equals("GET")) {
                respond(exchange, 200, openApi());
            } else if (path.equals("/healthz") && method.equals("GET")) {
                respond(exchange, 200, json.writeValueAsBytes(Map.of("status", "ok")));
            } else {
                error(exchange, 404, "not-found", "no such resource: " + method + " " + path
                        + "; see /v1/openapi.json");
            }
        } catch (IOException | UncheckedIOException e) {
            // The client went away mid-request; nothing was acknowledged to it.
            log.debug("intake request aborted: {}", e.getMessage());
        }
    }

    private void postEvents(HttpExchange exchange) throws IOException {
        Optional<String> keyName = apiKeys.authenticate(presentedKey(exchange));
        if (keyName.isEmpty()) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"civicpulse-intake\"");
            error(exchange, 401, "auth.invalid-key", "a valid API key is required"
                    + " (Authorization: Bearer <key> or X-API-Key: <key>)");
            return;
        }
        Duration wait = rateLimiter.acquire(keyName.get());
        if (!wait.isZero()) {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            exchange.getResponseHeaders().set("Retry-After", String.valueOf(seconds));
            error(exchange, 429, "rate.exceeded", "more than " + settings.requestsPerSecond()
                    + " requests per second for this API key; retry after " + seconds + " s");
            return;
        }
        String declaredLength = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declaredLength != null && parseLong(declaredLength) > settings.maxBodyBytes()) {
            error(exchange, 413, "body.too-large", "body of " + declaredLength + " bytes exceeds the limit of "
                    + settings.maxBodyBytes() + " bytes; split the batch");
            return;
        }
        byte[] body = readAtMost(exchange.getRequestBody(), settings.maxBodyBytes());
        if (body == null) {
            error(exchange, 413, "body.too-large", "body exceeds the limit of " + settings.maxBodyBytes()
                    + " bytes; split the batch");
            return;
        }
        String contentType = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type"))
                .orElse(JSON).toLowerCase(Locale.ROOT);
        boolean ndjson = contentType.startsWith("application/x-ndjson") || contentType.startsWith("application/ndjson");
        if (!ndjson && !contentType.startsWith(JSON)) {
            error(exchange, 415, "content-type.unsupported", "send application/json (an array of events) or"
                    + " application/x-ndjson (one event per line), not " + contentType);
            return;
        }

        List<IntakeEvent> events;
        try {
            events = parser.parse(body, ndjson);
        } catch (IntakeEventParser.UnparseableBodyException e) {
            metrics.rejected("body.unparseable");
            error(exchange, 400, "json.invalid", e.getMessage());
            return;
        }
        List<IntakeEvent.Accepted> accepted = new ArrayList<>();
        List<IntakeEvent.Rejected> rejected = new ArrayList<>();
        for (IntakeEvent event : events) {
            if (event instanceof IntakeEvent.Accepted a) {
                accepted.add(a);
            } else {
                rejected.add((IntakeEvent.Rejected) event);
            }
        }

        long t0 = System.nanoTime();
        try {
            sink.publish(accepted, rejected, keyName.get())
                    .get(settings.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            log.warn("intake batch of {} events not acknowledged by Kafka: {}", events.size(), cause.toString());
            exchange.getResponseHeaders().set("Retry-After", "5");
            error(exchange, 503, "kafka.unavailable", "events could not be made durable ("
                    + cause.getClass().getSimpleName() + ": " + cause.getMessage() + "); nothing of this batch is"
                    + " acknowledged, retry it");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.getResponseHeaders().set("Retry-After", "5");
            error(exchange, 503, "shutting-down", "the intake is stopping; retry the batch");
            return;
        }
        metrics.published(System.nanoTime() - t0);
        metrics.accepted(accepted.size());
        rejected.forEach(r -> metrics.rejected(r.reason()));

        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("accepted", accepted.size());
        List<Map<String, Object>> rejections = new ArrayList<>();
        for (IntakeEvent.Rejected r : rejected) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("index", r.index());
            item.put("field", r.field());
            item.put("reason", r.reason());
            item.put("message", r.message());
            rejections.add(item);
        }
        answer.put("rejected", rejections);
        respond(exchange, 202, json.writeValueAsBytes(answer));
    }

    private static String presentedKey(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        return exchange.getRequestHeaders().getFirst("X-API-Key");
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Reads the body, or returns null as soon as it exceeds the limit (a chunked body declares no length). */
    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) != -1) {
            if (out.size() + n > limit) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private void error(HttpExchange exchange, int status, String reason, String message) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("reason", reason);
        body.put("message", message);
        respond(exchange, status, json.writeValueAsBytes(body));
    }

    private void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        metrics.request(status);
        exchange.getResponseHeaders().set("Content-Type", JSON);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] openApi() throws IOException {
        try (InputStream in = IntakeServer.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IOException("openapi.json missing from the intake's resources");
            }
            return in.readAllBytes();
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            // Requests in flight finish (answered 202 or 503) before the listener closes; new ones are refused.
            executor.shutdown();
            try {
                executor.awaitTermination(settings.publishTimeout().toSeconds() + 1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server.stop(0);
            server = null;
        }
    }
}
