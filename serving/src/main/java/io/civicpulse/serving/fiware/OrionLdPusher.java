package io.civicpulse.serving.fiware;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.civicpulse.schemas.indicators.IndicatorValue;

/**
 * Pushes KPI entities to an Orion-LD (or any NGSI-LD) broker with batch upserts
 * ({@code POST {url}/ngsi-ld/v1/entityOperations/upsert}, {@code application/ld+json}, the {@code @context} in each
 * entity, so no {@code Link} header).
 *
 * <p>Live values change every second for thousands of series, and a broker needs only the newest of each, so:
 * <ul>
 *   <li>{@link #offer} never blocks and never calls the broker; one background thread sends at most one batch per
 *       {@link Config#interval()} (1 s by default) of at most {@link Config#maxBatch()} entities.</li>
 *   <li>An update of an entity that is still waiting replaces the waiting one where it stands in line (coalesced):
 *       only the newest per id is sent, and a series that changes every second still gets its turn.</li>
 *   <li>At most {@link Config#maxQueued()} entities wait: when full, the one that has waited longest is dropped
 *       (counted in {@link #dropped()}); its next update queues it again. Memory never grows with a slow broker.</li>
 *   <li>A 5xx, 429, timeout or I/O error puts the batch back at the head of the line (unless a newer update of an
 *       entity came meanwhile) and the next batch waits with exponential backoff; after {@link Config#maxAttempts()}
 *       attempts an entity is given up ({@link #failed()}). Any other 4xx is not retried: the same body would be
 *       refused again. A 207 counts its errors as failed and the rest as sent.</li>
 *   <li>Each kind of error is logged once as a warning (then at debug): a broker that is down for an hour does not
 *       write a line per second.</li>
 * </ul>
 */
public final class OrionLdPusher implements AutoCloseable {

    public static final String URL_KEY = "civicpulse.fiware.orion.url";
    public static final String TENANT_KEY = "civicpulse.fiware.tenant";
    public static final String INTERVAL_KEY = "civicpulse.fiware.orion.interval";
    public static final String MAX_BATCH_KEY = "civicpulse.fiware.orion.batch.max";
    public static final String MAX_QUEUED_KEY = "civicpulse.fiware.orion.queue.max";
    public static final String TIMEOUT_KEY = "civicpulse.fiware.orion.timeout";
    public static final String MAX_ATTEMPTS_KEY = "civicpulse.fiware.orion.attempts";

    static final String UPSERT_PATH = "/ngsi-ld/v1/entityOperations/upsert";
    static final String TENANT_HEADER = "NGSILD-Tenant";

    private static final Logger LOG = LoggerFactory.getLogger(OrionLdPusher.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * How to push.
     *
     * @param url            the broker's base URL, e.g. {@code http://orion:1026}; the upsert path is appended
     * @param tenant         the {@code NGSILD-Tenant} to write to, empty for the default tenant
     * @param interval       the least time between the start of one batch and the next
     * @param maxBatch       the most entities in one request (a broker limits the request size: about 1.5 kB each)
     * @param maxQueued      the most entities waiting; beyond, the one waiting longest is dropped
     * @param requestTimeout how long one request may take before it counts as failed (and is retried)
     * @param maxAttempts    how many times an entity is sent before it is given up
     * @param initialBackoff the wait after a first failure; it doubles with each failure in a row
     * @param maxBackoff     the longest wait between attempts
     */
    public record Config(URI url, Optional<String> tenant, Duration interval, int maxBatch, int maxQueued,
                         Duration requestTimeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
        public static final int DEFAULT_MAX_BATCH = 250;
        public static final int DEFAULT_MAX_QUEUED = 20_000;
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
        public static final int DEFAULT_MAX_ATTEMPTS = 5;
        public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
        public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);

        public Config {
            Objects.requireNonNull(url, URL_KEY);
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw new IllegalArgumentException(URL_KEY + " must be an http(s) URL with a host, got " + url);
            }
            tenant = Objects.requireNonNull(tenant, TENANT_KEY).filter(t -> !t.isBlank());
            requirePositive(interval, INTERVAL_KEY);
            requirePositive(requestTimeout, TIMEOUT_KEY);
            requirePositive(initialBackoff, "initialBackoff");
            requirePositive(maxBackoff, "maxBackoff");
            if (maxBatch < 1) {
                throw new IllegalArgumentException(MAX_BATCH_KEY + " must be at least 1, got " + maxBatch);
            }
            if (maxQueued < maxBatch) {
                throw new IllegalArgumentException(MAX_QUEUED_KEY + " must be at least " + MAX_BATCH_KEY + " ("
                        + maxBatch + "), got " + maxQueued);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException(MAX_ATTEMPTS_KEY + " must be at least 1, got " + maxAttempts);
            }
        }

        /** The defaults for a broker at {@code url}. */
        public static Config of(URI url) {
            return new Config(url, Optional.empty(), DEFAULT_INTERVAL, DEFAULT_MAX_BATCH, DEFAULT_MAX_QUEUED,
                    DEFAULT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF);
        }

        /**
         * The push configuration in {@code civicpulse.*} properties, empty when {@value #URL_KEY} is not set (or
         * blank): no broker, no push. A bad value fails here, naming its key.
         */
        public static Optional<Config> from(Map<String, String> properties) {
            String url = properties.get(URL_KEY);
            if (url == null || url.isBlank()) {
                return Optional.empty();
            }
            URI uri;
            try {
                uri = URI.create(url.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(URL_KEY + " is not a URL: " + url, e);
            }
            return Optional.of(new Config(uri, Optional.ofNullable(properties.get(TENANT_KEY)).map(String::strip),
                    duration(properties, INTERVAL_KEY, DEFAULT_INTERVAL),
                    integer(properties, MAX_BATCH_KEY, DEFAULT_MAX_BATCH),
                    integer(properties, MAX_QUEUED_KEY, DEFAULT_MAX_QUEUED),
                    duration(properties, TIMEOUT_KEY, DEFAULT_TIMEOUT),
                    integer(properties, MAX_ATTEMPTS_KEY, DEFAULT_MAX_ATTEMPTS),
                    DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF));
        }

        public Config withTenant(String tenant) {
            return new Config(url, Optional.ofNullable(tenant), interval, maxBatch, maxQueued, requestTimeout,
                    maxAttempts, initialBackoff, maxBackoff);
        }

        public Config withInterval(Duration interval) {
            return new Config(url, tenant, interval, maxBatch, maxQueued, requestTimeout, maxAttempts,
                    initialBackoff, maxBackoff);
        }

        public Config withLimits(int maxBatch, int maxQueued) {
            return new Config(url, tenant, interval, maxBatch, maxQueued, requestTimeout, maxAttempts,
                    initialBackoff, maxBackoff);
        }

        public Config withRequestTimeout(Duration requestTimeout) {
            return new Config(url, tenant, interval, maxBatch, maxQueued, requestTimeout, maxAttempts,
                    initialBackoff, maxBackoff);
        }

        public Config withRetries(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
            return new Config(url, tenant, interval, maxBatch, maxQueued, requestTimeout, maxAttempts,
                    initialBackoff, maxBackoff);
        }

        /** The upsert endpoint: the base URL with any trailing slash dropped, then the NGSI-LD path. */
        URI upsertUri() {
            String base = url.toString();
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            return URI.create(base + UPSERT_PATH);
        }

        private static void requirePositive(Duration duration, String key) {
            Objects.requireNonNull(duration, key);
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException(key + " must be positive, got " + duration);
            }
        }

        private static Duration duration(Map<String, String> properties, String key, Duration fallback) {
            String text = properties.get(key);
            if (text == null || text.isBlank()) {
                return fallback;
            }
            try {
                return Duration.parse(text.strip());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(key + " must be an ISO-8601 duration such as PT1S, got " + text, e);
            }
        }

        private static int integer(Map<String, String> properties, String key, int fallback) {
            String text = properties.get(key);
            if (text == null || text.isBlank()) {
                return fallback;
            }
            try {
                return Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a whole number, got " + text, e);
            }
        }
    }

    /** One entity waiting, with how many times it was already sent without success. */
    private record Pending(ObjectNode entity, int attempts) {
    }

    private final Config config;
    private final HttpClient client;
    private final URI upsertUri;
    private final ScheduledExecutorService scheduler;
    private final Object lock = new Object();
    /** Insertion-ordered: the head has waited longest. Guarded by {@link #lock}. */
    private LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
    /** Only the sender thread touches these. */
    private int failuresInARow;
    private long notBeforeNanos;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong coalesced = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final Set<String> loggedKinds = ConcurrentHashMap.newKeySet();
    private volatile boolean started;

    public OrionLdPusher(Config config) {
        this(config, HttpClient.newBuilder()
                // Orion-LD speaks HTTP/1.1; the default h2c upgrade attempt only costs a round of headers.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.requestTimeout())
                .build());
    }

    OrionLdPusher(Config config, HttpClient client) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.upsertUri = config.upsertUri();
        // nanoTime may be negative: "not before" starts as now, not as 0.
        this.notBeforeNanos = System.nanoTime();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "orion-ld-pusher");
            // A broker that hangs must not keep the process from exiting.
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts sending in the background; entities offered before wait for the first batch. */
    public void start() {
        synchronized (lock) {
            if (started) {
                return;
            }
            started = true;
        }
        // Fixed delay: the next batch starts an interval after the previous one ended, so never more than one
        // batch per interval, however long a request takes.
        long intervalNanos = config.interval().toNanos();
        scheduler.scheduleWithFixedDelay(this::sendOneBatch, 0, intervalNanos, TimeUnit.NANOSECONDS);
        LOG.info("Pushing KPI entities to {} (tenant {}), at most {} per batch, one batch per {}", upsertUri,
                config.tenant().orElse("default"), config.maxBatch(), config.interval());
    }

    /** Queues the entity of a value. */
    public void offer(IndicatorValue value) {
        offer(KpiEntities.toEntity(value));
    }

    /** Queues an entity (with its {@code id}); replaces a waiting one with the same id. Never blocks. */
    public void offer(ObjectNode entity) {
        JsonNode id = entity.get("id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw new IllegalArgumentException("an NGSI-LD entity needs an id");
        }
        synchronized (lock) {
            Pending previous = pending.get(id.asText());
            if (previous != null) {
                // put on an existing key keeps its place in an insertion-ordered map.
                pending.put(id.asText(), new Pending(entity, 0));
                coalesced.incrementAndGet();
                return;
            }
            if (pending.size() >= config.maxQueued()) {
                dropEldest();
            }
            pending.put(id.asText(), new Pending(entity, 0));
        }
    }

    /** Entities accepted by the broker. */
    public long sent() {
        return sent.get();
    }

    /** Entities given up: refused by the broker (4xx, errors of a 207) or still failing after every attempt. */
    public long failed() {
        return failed.get();
    }

    /** Entities dropped unsent because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Updates that replaced a waiting update of the same entity. */
    public long coalesced() {
        return coalesced.get();
    }

    /** Batches that failed and will be tried again. */
    public long retries() {
        return retries.get();
    }

    /** Upsert requests made, whatever their outcome. */
    public long requests() {
        return requests.get();
    }

    /** Entities waiting to be sent. */
    public int pending() {
        synchronized (lock) {
            return pending.size();
        }
    }

    /** Stops sending; entities still waiting are not sent. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(config.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                LOG.warn("The Orion-LD push thread did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One tick of the sender thread. Never throws: an exception would cancel every later tick. */
    private void sendOneBatch() {
        try {
            if (System.nanoTime() - notBeforeNanos < 0) {
                return;
            }
            List<Map.Entry<String, Pending>> batch = takeBatch();
            if (!batch.isEmpty()) {
                send(batch);
            }
        } catch (RuntimeException e) {
            logOnce("unexpected " + e.getClass().getSimpleName(), "Orion-LD push failed unexpectedly", e);
        }
    }

    private List<Map.Entry<String, Pending>> takeBatch() {
        synchronized (lock) {
            List<Map.Entry<String, Pending>> batch = new ArrayList<>(Math.min(config.maxBatch(), pending.size()));
            Iterator<Map.Entry<String, Pending>> head = pending.entrySet().iterator();
            while (head.hasNext() && batch.size() < config.maxBatch()) {
                Map.Entry<String, Pending> next = head.next();
                batch.add(Map.entry(next.getKey(), next.getValue()));
                head.remove();
            }
            return batch;
        }
    }

    private void send(List<Map.Entry<String, Pending>> batch) {
        ArrayNode body = MAPPER.createArrayNode();
        batch.forEach(entry -> body.add(entry.getValue().entity()));
        HttpRequest.Builder request = HttpRequest.newBuilder(upsertUri)
                .timeout(config.requestTimeout())
                .header("Content-Type", KpiEntities.MEDIA_TYPE)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body)));
        config.tenant().ifPresent(tenant -> request.header(TENANT_HEADER, tenant));
        requests.incrementAndGet();
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // Timeouts, refused connections, resets: the broker may be back in a moment.
            retryLater(batch, e.getClass().getSimpleName(), "Orion-LD upsert to " + upsertUri + " failed: " + e);
            return;
        } catch (InterruptedException e) {
            // Closing: put the batch back so that pending() stays true, and stop.
            requeue(batch, false);
            Thread.currentThread().interrupt();
            return;
        }
        int status = response.statusCode();
        if (status == 207) {
            multiStatus(batch, response.body());
        } else if (status >= 200 && status < 300) {
            succeeded(batch.size());
        } else if (status >= 500 || status == 429 || status == 408) {
            retryLater(batch, "HTTP " + status, "Orion-LD upsert to " + upsertUri + " answered " + status + ": "
                    + brief(response.body()));
        } else {
            failuresInARow = 0;
            failed.addAndGet(batch.size());
            logOnce("HTTP " + status, "Orion-LD refused an upsert of " + batch.size() + " entities with " + status
                    + " (not retried): " + brief(response.body()), null);
        }
    }

    /** NGSI-LD's BatchOperationResult: {"success":[ids], "errors":[{"entityId", "error":{...}}]}. */
    private void multiStatus(List<Map.Entry<String, Pending>> batch, String body) {
        int errors;
        String first = "";
        try {
            JsonNode errorList = MAPPER.readTree(body).path("errors");
            errors = Math.min(errorList.size(), batch.size());
            if (errors > 0) {
                first = errorList.get(0).toString();
            }
        } catch (IOException e) {
            // A 207 we cannot read: we cannot tell which failed; count none rather than guess.
            errors = 0;
        }
        succeeded(batch.size() - errors);
        if (errors > 0) {
            failed.addAndGet(errors);
            logOnce("HTTP 207", "Orion-LD refused " + errors + " of " + batch.size()
                    + " entities of an upsert (not retried), e.g. " + brief(first), null);
        }
    }

    private void succeeded(int count) {
        failuresInARow = 0;
        notBeforeNanos = System.nanoTime();
        sent.addAndGet(count);
    }

    private void retryLater(List<Map.Entry<String, Pending>> batch, String kind, String message) {
        logOnce(kind, message, null);
        failuresInARow++;
        retries.incrementAndGet();
        long backoff = config.initialBackoff().toNanos() << Math.min(failuresInARow - 1, 30);
        if (backoff <= 0 || backoff > config.maxBackoff().toNanos()) {
            backoff = config.maxBackoff().toNanos();
        }
        notBeforeNanos = System.nanoTime() + backoff;
        requeue(batch, true);
    }

    /**
     * Puts a batch back at the head of the line, oldest first, except entities updated meanwhile (the newer update
     * is already waiting) and, when counting an attempt, those out of attempts.
     */
    private void requeue(List<Map.Entry<String, Pending>> batch, boolean countAttempt) {
        synchronized (lock) {
            LinkedHashMap<String, Pending> line = new LinkedHashMap<>();
            for (Map.Entry<String, Pending> entry : batch) {
                if (pending.containsKey(entry.getKey())) {
                    coalesced.incrementAndGet();
                    continue;
                }
                int attempts = entry.getValue().attempts() + (countAttempt ? 1 : 0);
                if (attempts >= config.maxAttempts()) {
                    failed.incrementAndGet();
                    continue;
                }
                line.put(entry.getKey(), new Pending(entry.getValue().entity(), attempts));
            }
            line.putAll(pending);
            pending = line;
            while (pending.size() > config.maxQueued()) {
                dropEldest();
            }
        }
    }

    private void dropEldest() {
        Iterator<String> eldest = pending.keySet().iterator();
        eldest.next();
        eldest.remove();
        dropped.incrementAndGet();
    }

    private void logOnce(String kind, String message, Throwable error) {
        if (loggedKinds.add(kind)) {
            LOG.warn("{} (further errors of this kind are logged at debug)", message, error);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug(message, error);
        }
    }

    private static byte[] bytes(JsonNode body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("an entity tree that cannot be written as JSON", e);
        }
    }

    private static String brief(String body) {
        if (body == null || body.isEmpty()) {
            return "(no body)";
        }
        String line = body.replaceAll("\\s+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
