package io.civicpulse.ingest.open311;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.EventIds;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.Publisher;
import io.civicpulse.ingest.publish.Rejection;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.ingest.poll.Backoff;
import io.civicpulse.schemas.http.BoundedRead;
import io.civicpulse.ingest.poll.PollLoop;
import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.reference.CityService;
import io.civicpulse.schemas.services.RequestLifecycle;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.schemas.topics.Topics;

/**
 * Polls an Open311 GeoReport v2 endpoint: the service list into the city's service catalogue, and service
 * requests changed since the last poll ({@code updated_after}, paged by advancing it) into lifecycle events.
 * Each version of a request is published at most once, with a deterministic event id; the watermark advances
 * only after Kafka acknowledged everything before it, so a failed poll is retried, never skipped.
 */
public final class Open311Poller implements AutoCloseable {

    static final String SOURCE = "ingest.open311";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Open311Poller.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final DateTimeFormatter W3C = DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneOffset.UTC);

    /**
     * @param baseUrl              the endpoint's base, e.g. {@code https://city.example/open311/v2}
     * @param initialLookback      how far back the first poll reads
     * @param pageSize             the most requests the endpoint returns per call (GeoReport v2 servers
     *                             commonly cap at 1000, or fewer); a full page means "ask again"
     * @param emergencyServiceCodes service codes of emergencies, left out of resolution-time indicators
     * @param staffServiceCodes     service codes filed by city staff or sensors, not residents
     * @param offlineServiceCodes   services listed by Open311 that cannot be requested online end to end
     * @param maxBodyBytes          the largest response read; a larger one fails the poll unread
     * @param keepFreeText          whether description, status_notes and address are published (they can name
     *                              residents; no indicator uses them)
     * @param coordinateDecimals    decimals coordinates are published with (3: about 100 m, enough to see a
     *                              district; the district itself is placed from the exact position first)
     */
    public record Settings(URI baseUrl, String jurisdictionId, String apiKey, Duration interval,
                           Duration initialLookback, int pageSize, Duration timeout, Set<String> emergencyServiceCodes,
                           Set<String> staffServiceCodes, Set<String> offlineServiceCodes, long maxBodyBytes,
                           boolean keepFreeText, int coordinateDecimals) {

        /** Several times the largest page of 1000 requests an endpoint answers. */
        public static final long DEFAULT_MAX_BODY_BYTES = 16L * 1024 * 1024;

        /** Settings with the default body cap, without free text, coordinates to 3 decimals. */
        public Settings(URI baseUrl, String jurisdictionId, String apiKey, Duration interval,
                        Duration initialLookback, int pageSize, Duration timeout, Set<String> emergencyServiceCodes,
                        Set<String> staffServiceCodes, Set<String> offlineServiceCodes) {
            this(baseUrl, jurisdictionId, apiKey, interval, initialLookback, pageSize, timeout, emergencyServiceCodes,
                    staffServiceCodes, offlineServiceCodes, DEFAULT_MAX_BODY_BYTES, false, 3);
        }

        public static Settings of(URI baseUrl) {
            return new Settings(baseUrl, null, null, Duration.ofMinutes(1), Duration.ofDays(7), 1000,
                    Duration.ofSeconds(20), Set.of(), Set.of(), Set.of(), DEFAULT_MAX_BODY_BYTES, false, 3);
        }

        /**
         * The {@code open311.*} keys of a city's configuration, if it has an Open311 endpoint:
         * {@code open311.url}, {@code open311.interval}, {@code open311.jurisdiction-id}, {@code open311.api-key},
         * {@code open311.page-size}, comma-separated {@code open311.emergency-services},
         * {@code open311.staff-services}, {@code open311.offline-services}, and {@code open311.max-body-bytes},
         * {@code open311.keep-free-text}, {@code open311.coordinate-decimals}.
         */
        public static java.util.Optional<Settings> fromProperties(java.util.Properties p) {
            String url = p.getProperty("open311.url");
            if (url == null || url.isBlank()) {
                return java.util.Optional.empty();
            }
            Settings d = of(URI.create(url.trim()));
            String interval = p.getProperty("open311.interval");
            return java.util.Optional.of(new Settings(d.baseUrl(), p.getProperty("open311.jurisdiction-id"),
                    p.getProperty("open311.api-key"),
                    interval == null ? d.interval() : Duration.parse(interval.trim()), d.initialLookback(),
                    Integer.parseInt(p.getProperty("open311.page-size", String.valueOf(d.pageSize())).trim()),
                    d.timeout(), codes(p, "open311.emergency-services"), codes(p, "open311.staff-services"),
                    codes(p, "open311.offline-services"),
                    Long.parseLong(p.getProperty("open311.max-body-bytes", String.valueOf(d.maxBodyBytes())).trim()),
                    Boolean.parseBoolean(p.getProperty("open311.keep-free-text", "false").trim()),
                    Integer.parseInt(p.getProperty("open311.coordinate-decimals",
                            String.valueOf(d.coordinateDecimals())).trim())));
        }

        private static Set<String> codes(java.util.Properties p, String key) {
            String value = p.getProperty(key, "");
            Set<String> codes = new HashSet<>();
            for (String code : value.split(",")) {
                if (!code.isBlank()) {
                    codes.add(code.trim());
                }
            }
            return Set.copyOf(codes);
        }

        public Settings withInterval(Duration newInterval) {
            return new Settings(baseUrl, jurisdictionId, apiKey, newInterval, initialLookback, pageSize, timeout,
                    emergencyServiceCodes, staffServiceCodes, offlineServiceCodes, maxBodyBytes, keepFreeText,
                    coordinateDecimals);
        }

        public Settings withPageSize(int newPageSize) {
            return new Settings(baseUrl, jurisdictionId, apiKey, interval, initialLookback, newPageSize, timeout,
                    emergencyServiceCodes, staffServiceCodes, offlineServiceCodes, maxBodyBytes, keepFreeText,
                    coordinateDecimals);
        }
    }

    /** What one poll did, for tests and progress output. */
    public record PollResult(int servicesPublished, int requestVersionsRead, int eventsPublished, int rejected) {
    }

    private final CityConfig city;
    private final Settings settings;
    private final HttpClient http;
    private final Publisher publisher;
    private final DeadLetters deadLetters;
    private final IngestMetrics metrics;
    private final StateChangeLog health;
    private final Clock clock;
    private final Open311Parser parser = new Open311Parser();
    private final RequestLifecycleTracker tracker = new RequestLifecycleTracker(Duration.ofDays(30));
    private final Map<String, Long> publishedServices = new HashMap<>();
    private Instant watermark;
    private PollLoop loop;

    public Open311Poller(CityConfig city, Settings settings, HttpClient http, Publisher publisher,
                         DeadLetters deadLetters, IngestMetrics metrics, StateChangeLog health, Clock clock) {
        this.city = city;
        this.settings = settings;
        this.http = http;
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.health = health;
        this.clock = clock;
        if (settings.apiKey() != null && "http".equalsIgnoreCase(settings.baseUrl().getScheme())) {
            log.warn("open311.api-key of {} is sent over plain http to {}, readable by anyone on the way; use https",
                    city.id(), settings.baseUrl().getHost());
        }
    }

    /** Polls now and then at the configured interval, backing off exponentially (up to 10 min) after failures. */
    public synchronized void start(ScheduledExecutorService scheduler) {
        loop = PollLoop.start("open311-" + city.id(), scheduler,
                new Backoff(settings.interval(), Duration.ofMinutes(10)), () -> {
                    try {
                        pollOnce();
                        return true;
                    } catch (PollFailed e) {
                        // Already counted, dead-lettered and logged once per change of state.
                        return false;
                    }
                });
    }

    /** A poll that could not complete; its cause is already counted, dead-lettered and logged. */
    static final class PollFailed extends Exception {
        private static final long serialVersionUID = 1L;

        PollFailed(String message) {
            super(message, null, false, false);
        }
    }

    public PollResult pollOnce() throws PollFailed, InterruptedException {
        int services = pollServices();
        int[] requests = pollRequests();
        return new PollResult(services, requests[0], requests[1], requests[2]);
    }

    private String feed(String what) {
        return "open311-" + what;
    }

    private int pollServices() throws PollFailed, InterruptedException {
        byte[] body = get(feed("services"), URI.create(settings.baseUrl() + "/services.json" + query(Map.of())));
        Open311Parser.Parsed<Open311Parser.Service> parsed;
        try {
            parsed = parser.services(body);
        } catch (Open311Parser.InvalidBodyException e) {
            throw rejectBody(feed("services"), e, body);
        }
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        parsed.invalid().forEach(invalid -> acks.add(reject(feed("services"), invalid)));
        Instant now = clock.instant();
        Set<String> listed = new HashSet<>();
        int published = 0;
        for (Open311Parser.Service service : parsed.items()) {
            listed.add(service.code());
            long fingerprint = EventIds.fingerprint(service.raw());
            if (Long.valueOf(fingerprint).equals(publishedServices.get(service.code()))) {
                continue;
            }
            boolean online = !settings.offlineServiceCodes().contains(service.code());
            CityService entry = CityService.newBuilder()
                    .setCity(city.id())
                    .setServiceId(service.code())
                    .setName(service.name())
                    .setCategory(service.group())
                    // Requesting through the GeoReport API is itself an online channel.
                    .setOnlineAvailable(online)
                    .setChannels(online ? List.of(ServiceChannel.API, ServiceChannel.WEB) : List.of())
                    .setActive(true)
                    .setSource("open311")
                    .setUpdatedAt(now)
                    .build();
            acks.add(publisher.send(Topics.CITY_SERVICES, city.id() + "/" + service.code(), entry)
                    .thenRun(() -> publishedServices.put(service.code(), fingerprint)));
            published++;
        }
        for (String gone : new ArrayList<>(publishedServices.keySet())) {
            if (!listed.contains(gone)) {
                CityService withdrawn = CityService.newBuilder()
                        .setCity(city.id()).setServiceId(gone).setName(gone).setCategory(null)
                        .setOnlineAvailable(false).setChannels(List.of()).setActive(false).setSource("open311")
                        .setUpdatedAt(now).build();
                acks.add(publisher.send(Topics.CITY_SERVICES, city.id() + "/" + gone, withdrawn)
                        .thenRun(() -> publishedServices.remove(gone)));
                published++;
            }
        }
        await(feed("services"), acks);
        return published;
    }

    private int[] pollRequests() throws PollFailed, InterruptedException {
        Instant now = clock.instant();
        Instant from = watermark != null ? watermark : now.minus(settings.initialLookback());
        int read = 0;
        int published = 0;
        int rejected = 0;
        Instant newest = from;
        Set<String> seenAtBoundary = new HashSet<>();
        boolean steppedPast = false;
        for (int page = 0; page < 10_000; page++) {
            Map<String, String> params = new HashMap<>();
            params.put("updated_after", W3C.format(from));
            byte[] body = get(feed("requests"), URI.create(settings.baseUrl() + "/requests.json" + query(params)));
            Open311Parser.Parsed<Open311Request> parsed;
            try {
                parsed = parser.requests(body);
            } catch (Open311Parser.InvalidBodyException e) {
                throw rejectBody(feed("requests"), e, body);
            }
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (Open311Parser.Invalid invalid : parsed.invalid()) {
                acks.add(reject(feed("requests"), invalid));
                rejected++;
            }
            boolean progressed = false;
            List<Open311Request> toCommit = new ArrayList<>();
            for (Open311Request request : parsed.items()) {
                read++;
                // Endpoints differ on whether updated_after is inclusive; a version at the boundary that this
                // poll already handled is skipped, not published twice.
                if (!request.updatedAt().isAfter(from) && seenAtBoundary.contains(versionKey(request))) {
                    continue;
                }
                progressed = true;
                if (request.updatedAt().isAfter(now.plus(city.maxFutureSkew()))
                        || request.requestedAt().isAfter(now.plus(city.maxFutureSkew()))) {
                    acks.add(reject(feed("requests"), new Open311Parser.Invalid(-1, "updated_datetime",
                            "event.future-timestamp", "request " + request.id() + " is dated " + request.updatedAt()
                            + ", in the future (now " + now + ")", null, request.id())));
                    rejected++;
                    continue;
                }
                if (request.latitude() != null && !city.bounds().contains(request.latitude(), request.longitude())) {
                    // Where a resident reported from is theirs: the message names the bounds, not the position.
                    acks.add(reject(feed("requests"), new Open311Parser.Invalid(-1, "lat", "geo.outside-city",
                            "request " + request.id() + " lies outside " + city.id() + "'s bounds " + city.bounds(),
                            null, request.id())));
                    rejected++;
                    continue;
                }
                for (RequestLifecycleTracker.Transition t : tracker.transitions(request)) {
                    ServiceRequestEvent event = toEvent(t, now);
                    acks.add(publisher.send(Topics.SERVICE_REQUESTS, city.id() + "/" + request.id(), event));
                    published++;
                }
                toCommit.add(request);
                if (request.updatedAt().isAfter(newest)) {
                    newest = request.updatedAt();
                }
            }
            await(feed("requests"), acks);
            toCommit.forEach(tracker::commit);
            boolean fullPage = parsed.items().size() + parsed.invalid().size() >= settings.pageSize();
            if (!fullPage) {
                break;
            }
            if (!progressed) {
                // An endpoint with an inclusive updated_after answered the same tie again: step past the instant.
                // (Should more requests share one instant than fit in a page, GeoReport v2 offers no way to reach
                // the rest; they are read when next updated.)
                if (steppedPast) {
                    break;
                }
                from = from.plusMillis(1);
                steppedPast = true;
                continue;
            }
            steppedPast = false;
            if (newest.isAfter(from)) {
                seenAtBoundary.clear();
            }
            for (Open311Request request : parsed.items()) {
                if (request.updatedAt().equals(newest)) {
                    seenAtBoundary.add(versionKey(request));
                }
            }
            from = newest;
        }
        watermark = newest;
        tracker.forgetClosedBefore(now);
        return new int[] {read, published, rejected};
    }

    private static String versionKey(Open311Request request) {
        return request.id() + "@" + request.updatedAt();
    }

    private ServiceRequestEvent toEvent(RequestLifecycleTracker.Transition t, Instant now) {
        Open311Request r = t.request();
        Instant closedAt = t.lifecycle() == RequestLifecycle.CLOSED ? r.updatedAt()
                : r.closed() ? (t.closedAt() != null ? t.closedAt() : tracker.closedAt(r.id())) : null;
        Instant eventTime = t.lifecycle() == RequestLifecycle.OPENED ? r.requestedAt() : r.updatedAt();
        // A request is opened once: its OPENED id must not depend on the version it was first seen in.
        String eventId = t.lifecycle() == RequestLifecycle.OPENED
                ? EventIds.of(city.id(), r.id(), t.lifecycle(), r.requestedAt())
                : EventIds.of(city.id(), r.id(), t.lifecycle(), r.status(), r.updatedAt());
        return ServiceRequestEvent.newBuilder()
                .setCity(city.id())
                .setServiceRequestId(r.id())
                .setLifecycle(t.lifecycle())
                .setStatus(r.status())
                .setStatusNotes(settings.keepFreeText() ? r.statusNotes() : null)
                .setServiceCode(r.serviceCode())
                .setServiceName(r.serviceName())
                .setDescription(settings.keepFreeText() ? r.description() : null)
                .setAgencyResponsible(r.agencyResponsible())
                .setRequestedAt(r.requestedAt())
                .setUpdatedAt(r.updatedAt())
                .setExpectedAt(r.expectedAt())
                .setClosedAt(closedAt)
                .setLatitude(round(r.latitude()))
                .setLongitude(round(r.longitude()))
                .setAddress(settings.keepFreeText() ? r.address() : null)
                .setDistrict(r.latitude() == null || r.longitude() == null ? null
                        : city.districts().idAt(r.latitude(), r.longitude()))
                .setEmergency(settings.emergencyServiceCodes().contains(r.serviceCode()))
                .setReportedByResident(!settings.staffServiceCodes().contains(r.serviceCode()))
                .setEventTime(eventTime)
                .setIngestedAt(now)
                .setEventId(eventId)
                .build();
    }

    private Double round(Double degrees) {
        return degrees == null ? null : BigDecimal.valueOf(degrees)
                .setScale(settings.coordinateDecimals(), RoundingMode.HALF_UP).doubleValue();
    }

    private String query(Map<String, String> params) {
        Map<String, String> all = new HashMap<>(params);
        if (settings.jurisdictionId() != null) {
            all.put("jurisdiction_id", settings.jurisdictionId());
        }
        if (settings.apiKey() != null) {
            all.put("api_key", settings.apiKey());
        }
        if (all.isEmpty()) {
            return "";
        }
        StringBuilder q = new StringBuilder("?");
        all.forEach((k, v) -> q.append(q.length() > 1 ? "&" : "").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return q.toString();
    }

    private byte[] get(String feed, URI uri) throws PollFailed, InterruptedException {
        long t0 = System.nanoTime();
        String origin = redact(uri);
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).timeout(settings.timeout())
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            // The timeout above ends at the headers; the body gets the same time again, as a whole.
            byte[] body = BoundedRead.read(response.body(), settings.maxBodyBytes(), settings.timeout());
            if (response.statusCode() != 200) {
                metrics.pollFailed(feed, millisSince(t0));
                // An error page of the requests endpoint may echo requests; only the services list is kept.
                boolean keep = feed.equals(feed("services"));
                CompletableFuture<Void> ack = deadLetters.reject(new Rejection(SOURCE, "http.status-" + response.statusCode(),
                        "GET " + origin + " answered HTTP " + response.statusCode(), city.id(), feed, origin,
                        keep ? body : null, keep ? response.headers().firstValue("Content-Type").orElse(null) : null,
                        Map.of("status", String.valueOf(response.statusCode()))));
                health.failing(feed, "http.status-" + response.statusCode(), "GET " + origin + " answered HTTP "
                        + response.statusCode());
                ack.exceptionally(e -> null);
                throw new PollFailed("HTTP " + response.statusCode());
            }
            metrics.pollSucceeded(feed, millisSince(t0), null);
            health.healthy(feed, "GET " + origin + " answers again");
            return body;
        } catch (BoundedRead.TooLarge e) {
            throw transportFailure(feed, origin, t0, "feed.too-large", "GET " + origin + " answered "
                    + e.getMessage() + " (open311.max-body-bytes)");
        } catch (HttpTimeoutException | BoundedRead.TooSlow e) {
            throw transportFailure(feed, origin, t0, "http.timeout", "GET " + origin + " timed out after "
                    + settings.timeout());
        } catch (IOException e) {
            throw transportFailure(feed, origin, t0, "http.unreachable", "GET " + origin + " failed: " + e);
        }
    }

    private PollFailed transportFailure(String feed, String origin, long t0, String reason, String message) {
        metrics.pollFailed(feed, millisSince(t0));
        deadLetters.reject(new Rejection(SOURCE, reason, message, city.id(), feed, origin, null, null,
                Map.of("error", message))).exceptionally(e -> null);
        health.failing(feed, reason, message);
        return new PollFailed(message);
    }

    private PollFailed rejectBody(String feed, Open311Parser.InvalidBodyException e, byte[] body) {
        // A requests body that cannot be read cannot be stripped of personal fields either: only its size and
        // digest are kept, enough to tell whether the endpoint keeps sending the same one.
        boolean keep = feed.equals(feed("services"));
        deadLetters.reject(new Rejection(SOURCE, e.reason, e.getMessage(), city.id(), feed,
                redact(settings.baseUrl()), keep ? body : null, keep ? "application/json" : null,
                Map.of("bodyBytes", String.valueOf(body.length), "sha256", EventIds.sha256Hex(body))))
                .exceptionally(x -> null);
        health.failing(feed, e.reason, e.getMessage());
        return new PollFailed(e.getMessage());
    }

    private CompletableFuture<Void> reject(String feed, Open311Parser.Invalid invalid) {
        Map<String, String> detail = new HashMap<>();
        if (invalid.field() != null) {
            detail.put("field", invalid.field());
        }
        if (invalid.index() >= 0) {
            detail.put("index", String.valueOf(invalid.index()));
        }
        if (invalid.requestId() != null) {
            detail.put("serviceRequestId", invalid.requestId());
        }
        byte[] payload = invalid.raw();
        if (payload == null) {
            // A request's own fields never go into a dead letter, only what names the problem: small, and the same
            // on every poll, so the same bad request is counted once downstream.
            com.fasterxml.jackson.databind.node.ObjectNode summary = JSON.createObjectNode();
            summary.put("service_request_id", invalid.requestId());
            summary.put("field", invalid.field());
            summary.put("reason", invalid.reason());
            payload = summary.toString().getBytes(StandardCharsets.UTF_8);
        }
        return deadLetters.reject(new Rejection(SOURCE, invalid.reason(), invalid.message(), city.id(), feed,
                redact(settings.baseUrl()), payload, "application/json", detail));
    }

    /** Waits for Kafka; if it fails, the poll fails and the watermark stays, so the data is read again. */
    private void await(String feed, List<CompletableFuture<Void>> acks) throws PollFailed, InterruptedException {
        try {
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            health.failing(feed, "kafka.publish-failed", "publishing failed: " + cause);
            throw new PollFailed("publishing failed: " + cause);
        }
    }

    private String redact(URI uri) {
        String s = uri.toString();
        return settings.apiKey() == null ? s : s.replace(URLEncoder.encode(settings.apiKey(), StandardCharsets.UTF_8), "***");
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Override
    public synchronized void close() {
        if (loop != null) {
            loop.close();
            loop = null;
        }
    }
}
