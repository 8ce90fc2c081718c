package io.civicpulse.ingest.intake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

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
 *
 * <p>Slow, stuck or hostile clients. The JDK's server reads a request's line and headers on the executor's thread,
 * with no deadline of its own, so a fixed pool of workers is taken by as many connections that send a byte and
 * stall. Here the executor is a pool of up to {@code maxConnections} cheap threads that only read requests; a
 * watchdog interrupts (and so closes) any connection still reading its request after {@code readTimeout}; and the
 * work proper (parsing, publishing) is limited to {@code threads} requests at a time. A client address may have
 * {@code maxConnectionsPerClient} requests in progress (counted once its headers are in: the JDK's server shows no
 * connection before that), and {@code authFailuresPerMinute} failed authentications before its requests get 429
 * without their key being looked at. One deadline, {@code requestTimeout} from the first byte, covers the whole
 * request: when Kafka cannot take the batch by then, the answer is 503 with Retry-After. The JDK's server is kept
 * (rather than a server library) because these defences need only its executor and handler hooks, and the intake
 * stays free of a web framework's dependencies.
 */
public final class IntakeServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IntakeServer.class);
    private static final String JSON = "application/json";

    /**
     * @param maxBodyBytes            larger bodies are refused with 413 before they are read
     * @param requestsPerSecond       sustained requests per second per API key; more get 429
     * @param readTimeout             how long a client may take to send its request line, headers and body; then
     *                                its connection is closed
     * @param requestTimeout          one deadline for the whole request, from its first byte: when Kafka has not
     *                                acknowledged the batch by then, the answer is 503 with Retry-After
     * @param threads                 requests parsed and published at a time; more wait (within their deadline)
     * @param maxConnections          connections read at a time; a connection beyond them is closed at once
     * @param maxConnectionsPerClient requests in progress per client address; more get 429
     * @param authFailuresPerMinute   failed authentications per client address per minute (also the burst); beyond
     *                                them every request from that address gets 429 until the budget refills
     */
    public record Settings(String host, int port, int maxBodyBytes, double requestsPerSecond, int burst,
                           Duration allowedClockSkew, Duration readTimeout, Duration requestTimeout, int threads,
                           int maxConnections, int maxConnectionsPerClient, int authFailuresPerMinute) {

        public Settings {
            if (readTimeout.isNegative() || readTimeout.isZero() || requestTimeout.compareTo(readTimeout) <= 0) {
                throw new IllegalArgumentException("the read timeout must be positive and the request timeout"
                        + " longer than it");
            }
            if (threads < 1 || maxConnections < threads || maxConnectionsPerClient < 1 || authFailuresPerMinute < 1) {
                throw new IllegalArgumentException("threads, connections per client and authentication failures"
                        + " must be at least 1, and max connections at least the threads");
            }
        }

        public static Settings defaults() {
            return new Settings("127.0.0.1", 8088, 5 * 1024 * 1024, 20, 40, Duration.ofMinutes(5),
                    Duration.ofSeconds(10), Duration.ofSeconds(30), 16, 256, 8, 10);
        }

        public Settings withPort(int newPort) {
            return new Settings(host, newPort, maxBodyBytes, requestsPerSecond, burst, allowedClockSkew,
                    readTimeout, requestTimeout, threads, maxConnections, maxConnectionsPerClient,
                    authFailuresPerMinute);
        }

        public Settings withHost(String newHost) {
            return new Settings(newHost, port, maxBodyBytes, requestsPerSecond, burst, allowedClockSkew,
                    readTimeout, requestTimeout, threads, maxConnections, maxConnectionsPerClient,
                    authFailuresPerMinute);
        }

        public Settings withMaxBodyBytes(int newMaxBodyBytes) {
            return new Settings(host, port, newMaxBodyBytes, requestsPerSecond, burst, allowedClockSkew,
                    readTimeout, requestTimeout, threads, maxConnections, maxConnectionsPerClient,
                    authFailuresPerMinute);
        }

        public Settings withRate(double newRequestsPerSecond, int newBurst) {
            return new Settings(host, port, maxBodyBytes, newRequestsPerSecond, newBurst, allowedClockSkew,
                    readTimeout, requestTimeout, threads, maxConnections, maxConnectionsPerClient,
                    authFailuresPerMinute);
        }

        public Settings withTimeouts(Duration newReadTimeout, Duration newRequestTimeout) {
            return new Settings(host, port, maxBodyBytes, requestsPerSecond, burst, allowedClockSkew,
                    newReadTimeout, newRequestTimeout, threads, maxConnections, maxConnectionsPerClient,
                    authFailuresPerMinute);
        }

        public Settings withConnectionLimits(int newThreads, int newMaxConnections, int newMaxConnectionsPerClient) {
            return new Settings(host, port, maxBodyBytes, requestsPerSecond, burst, allowedClockSkew,
                    readTimeout, requestTimeout, newThreads, newMaxConnections, newMaxConnectionsPerClient,
                    authFailuresPerMinute);
        }

        public Settings withAuthFailuresPerMinute(int newAuthFailuresPerMinute) {
            return new Settings(host, port, maxBodyBytes, requestsPerSecond, burst, allowedClockSkew,
                    readTimeout, requestTimeout, threads, maxConnections, maxConnectionsPerClient,
                    newAuthFailuresPerMinute);
        }
    }

    private final Settings settings;
    private final ApiKeys apiKeys;
    private final EventSink sink;
    private final IntakeMetrics metrics;
    private final IntakeEventParser parser;
    private final RateLimiter rateLimiter;
    private final RateLimiter authFailures;
    private final Semaphore workers;
    private final Map<InetAddress, AtomicInteger> inProgress = new ConcurrentHashMap<>();
    /** The request each reading thread is on; the watchdog closes those past their read deadline. */
    private final Set<RequestClock> reading = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<RequestClock> current = new ThreadLocal<>();
    private final ObjectMapper json = JsonMapper.builder().build();
    private HttpServer server;
    private ThreadPoolExecutor executor;
    private ExecutorService publishing;
    private ScheduledExecutorService watchdog;

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
        this.authFailures = new RateLimiter(settings.authFailuresPerMinute() / 60.0, settings.authFailuresPerMinute(),
                System::nanoTime);
        this.workers = new Semaphore(settings.threads(), true);
    }

    public synchronized IntakeServer start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 64);
        // No queue: a connection beyond maxConnections is refused (the JDK's dispatcher closes it) rather than
        // parked behind stalled ones. Threads that read nothing for a minute go away.
        executor = new ThreadPoolExecutor(0, settings.maxConnections(), 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemon("intake-http"), (exchange, pool) -> {
                    metrics.connectionRefused();
                    throw new java.util.concurrent.RejectedExecutionException("over " + settings.maxConnections()
                            + " connections");
                });
        publishing = Executors.newCachedThreadPool(daemon("intake-publish"));
        watchdog = Executors.newSingleThreadScheduledExecutor(daemon("intake-watchdog"));
        long tick = Math.max(10, Math.min(250, settings.readTimeout().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(this::closeOverdueReads, tick, tick, TimeUnit.MILLISECONDS);
        server.setExecutor(timed(executor));
        server.createContext("/", this::handle);
        server.start();
        log.info("intake listening on {}", url());
        return this;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Runs each of the JDK server's exchanges with a clock started: the exchange reads its request (on this thread,
     * before our handler sees it) under the read deadline, and the whole request is due by the request deadline.
     */
    private Executor timed(Executor pool) {
        return exchange -> pool.execute(() -> {
            RequestClock clock = new RequestClock(Thread.currentThread(), System.nanoTime());
            current.set(clock);
            reading.add(clock);
            try {
                exchange.run();
            } finally {
                reading.remove(clock);
                clock.done();
                current.remove();
            }
        });
    }

    /** Interrupting a thread blocked reading a socket channel closes the channel: the stalled client is cut off. */
    private void closeOverdueReads() {
        long now = System.nanoTime();
        long limit = settings.readTimeout().toNanos();
        for (RequestClock clock : reading) {
            // Counted before the interrupt closes the connection, so a client that sees it closed sees it counted.
            if (clock.interruptIfReadingSince(now, limit, metrics::readTimedOut)) {
                log.debug("intake closed a connection that took over {} to send its request",
                        settings.readTimeout());
            }
        }
    }

    /** When a request started, and whether it is still reading (the only phase the watchdog may cut short). */
    private static final class RequestClock {
        private final Thread thread;
        private final long startNanos;
        private boolean readingRequest = true;

        RequestClock(Thread thread, long startNanos) {
            this.thread = thread;
            this.startNanos = startNanos;
        }

        synchronized boolean interruptIfReadingSince(long now, long limitNanos, Runnable beforeInterrupt) {
            if (readingRequest && now - startNanos > limitNanos) {
                readingRequest = false;
                beforeInterrupt.run();
                thread.interrupt();
                return true;
            }
            return false;
        }

        /** The request is read: from here on only the request deadline applies. Called on the request's thread. */
        synchronized boolean requestRead() {
            readingRequest = false;
            // An interrupt that arrived as the last byte did belongs to the read, not to the work ahead.
            return !Thread.interrupted();
        }

        synchronized void done() {
            readingRequest = false;
            Thread.interrupted();
        }

        long remainingNanos(Duration requestTimeout) {
            return requestTimeout.toNanos() - (System.nanoTime() - startNanos);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8088}. */
    public String url() {
        return "http://" + settings.host() + ":" + server.getAddress().getPort();
    }

    public IntakeMetrics metrics() {
        return metrics;
    }

    private void handle(HttpExchange exchange) {
        InetAddress client = exchange.getRemoteAddress().getAddress();
        AtomicInteger clientRequests = inProgress.computeIfAbsent(client, c -> new AtomicInteger());
        try (exchange) {
            if (clientRequests.incrementAndGet() > settings.maxConnectionsPerClient()) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                error(exchange, 429, "connections.exceeded", "more than " + settings.maxConnectionsPerClient()
                        + " requests in progress from this address; wait for their answers");
                return;
            }
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
            // The client went away mid-request, or took longer than the read deadline; nothing was acknowledged.
            log.debug("intake request aborted: {}", e.toString());
        } finally {
            if (clientRequests.decrementAndGet() <= 0) {
                inProgress.remove(client, clientRequests);
            }
        }
    }

    private void postEvents(HttpExchange exchange) throws IOException {
        String address = exchange.getRemoteAddress().getAddress().getHostAddress();
        Duration banned = authFailures.waitTime(address);
        if (!banned.isZero()) {
            long seconds = Math.max(1, (banned.toMillis() + 999) / 1000);
            exchange.getResponseHeaders().set("Retry-After", String.valueOf(seconds));
            error(exchange, 429, "auth.too-many-failures", "too many failed authentications from this address;"
                    + " retry after " + seconds + " s");
            return;
        }
        Optional<String> keyName = apiKeys.authenticate(presentedKey(exchange));
        if (keyName.isEmpty()) {
            authFailures.acquire(address);
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
        RequestClock clock = current.get();
        if (clock != null) {
            reading.remove(clock);
            if (!clock.requestRead()) {
                throw new IOException("request not read within " + settings.readTimeout());
            }
        }
        String contentType = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type"))
                .orElse(JSON).toLowerCase(Locale.ROOT);
        boolean ndjson = contentType.startsWith("application/x-ndjson") || contentType.startsWith("application/ndjson");
        if (!ndjson && !contentType.startsWith(JSON)) {
            error(exchange, 415, "content-type.unsupported", "send application/json (an array of events) or"
                    + " application/x-ndjson (one event per line), not " + contentType);
            return;
        }

        boolean admitted = false;
        try {
            admitted = workers.tryAcquire(remainingNanos(clock), TimeUnit.NANOSECONDS);
            if (!admitted) {
                exchange.getResponseHeaders().set("Retry-After", "5");
                error(exchange, 503, "intake.busy", "the intake could not take this batch within "
                        + settings.requestTimeout() + "; nothing of it is acknowledged, retry it");
                return;
            }
            processBatch(exchange, body, ndjson, keyName.get(), clock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.getResponseHeaders().set("Retry-After", "5");
            error(exchange, 503, "shutting-down", "the intake is stopping; retry the batch");
        } finally {
            if (admitted) {
                workers.release();
            }
        }
    }

    private long remainingNanos(RequestClock clock) {
        return clock == null ? settings.requestTimeout().toNanos() : clock.remainingNanos(settings.requestTimeout());
    }

    private void processBatch(HttpExchange exchange, byte[] body, boolean ndjson, String keyName, RequestClock clock)
            throws IOException, InterruptedException {
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
        long deadline = t0 + remainingNanos(clock);
        // Handed over on another thread: a producer's send() may block (max.block.ms per record without metadata),
        // and the answer must still go out at the deadline. The sink stops handing over once the deadline passes.
        CompletableFuture<Void> acknowledged = CompletableFuture
                .supplyAsync(() -> sink.publish(accepted, rejected, keyName, deadline), publishing)
                .thenCompose(ack -> ack);
        try {
            acknowledged.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            String why = cause instanceof TimeoutException ? "not acknowledged within the request deadline of "
                    + settings.requestTimeout() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
            log.warn("intake batch of {} events not acknowledged by Kafka: {}", events.size(), why);
            exchange.getResponseHeaders().set("Retry-After", "5");
            error(exchange, 503, "kafka.unavailable", "events could not be made durable (" + why + "); nothing of"
                    + " this batch is acknowledged, retry it");
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

    /** Requests now past their headers and not yet answered, per client address (for tests and metrics). */
    int requestsInProgress() {
        return inProgress.values().stream().mapToInt(AtomicInteger::get).sum();
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
                executor.awaitTermination(settings.requestTimeout().toSeconds() + 1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            watchdog.shutdownNow();
            publishing.shutdown();
            server.stop(0);
            server = null;
        }
    }
}
