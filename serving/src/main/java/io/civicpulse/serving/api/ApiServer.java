package io.civicpulse.serving.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.serving.fiware.KpiEntities;
import io.civicpulse.serving.fiware.KpiEntityId;
import io.civicpulse.serving.fiware.OrionLdPusher;
import io.civicpulse.streams.IndicatorEngine;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.maturity.MaturityConfig;
import io.civicpulse.streams.maturity.NextSteps;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;

/**
 * The HTTP face of one engine instance (docs/api.md): the query API over the result stores, the live stream, the
 * dashboard, health and metrics. Started before the engine, so that its port is known for Kafka Streams'
 * {@code application.server}; it answers 503 until the engine is attached and running.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final Duration LONGEST_RANGE = Duration.ofDays(31);
    private static final Duration DEFAULT_RANGE = Duration.ofHours(24);
    private static final String RETRY_AFTER_SECONDS = "2";
    private static final String JSON = "application/json";

    private final ServingSettings settings;
    private final Map<String, Object> clientSettings;
    private final Javalin app;
    private final String openApi;
    private volatile Attached attached;

    /** What the server reads once the engine exists. */
    private record Attached(IndicatorEngine engine, LocalResults local, InstanceRouter router, LiveStream live,
                            ObjectNode catalogue, MaturityConfig maturity, OrionLdPusher orion) {
    }

    private ApiServer(ServingSettings settings, Map<String, Object> clientSettings) {
        this.settings = settings;
        this.clientSettings = Map.copyOf(clientSettings);
        this.openApi = resource("/io/civicpulse/serving/openapi.json");
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = settings.host();
            config.jetty.port = settings.port();
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/dashboard";
                files.location = Location.CLASSPATH;
            });
            config.staticFiles.enableWebjars();
            config.routes.before(this::secure);
            config.routes.get("/api/v1/openapi.json", ctx -> ctx.contentType(JSON).result(openApi));
            config.routes.get("/api/v1/catalogue", ctx -> json(ctx, attached().catalogue()));
            config.routes.get("/api/v1/cities", this::cities);
            config.routes.get("/api/v1/indicators", this::indicators);
            config.routes.get("/api/v1/indicators/{city}/{indicatorId}/history", this::history);
            config.routes.get("/api/v1/maturity/{city}", this::maturity);
            config.routes.get("/api/v1/maturity/{city}/history", this::maturityHistory);
            config.routes.get("/api/v1/cities/{city}/next-steps", this::nextSteps);
            // Checked before the stream starts: once it has, the answer is a 200 that can only be closed.
            config.routes.before("/api/v1/stream", ctx -> {
                Attached now = attached();
                if (!now.live().hasRoom()) {
                    throw ApiException.unavailable("the live stream has its maximum number of clients");
                }
            });
            config.routes.sse("/api/v1/stream", client -> {
                String city = client.ctx().queryParam("city");
                if (!attached().live().add(client, city == null || city.isBlank() ? null : city)) {
                    client.close();
                }
            });
            config.routes.get("/ngsi-ld/v1/entities", this::entities);
            config.routes.get("/ngsi-ld/v1/entities/{id}", this::entity);
            config.routes.get("/health/live", ctx -> json(ctx, status("UP", null)));
            config.routes.get("/health/ready", this::ready);
            config.routes.get("/metrics", this::metrics);
            config.routes.exception(ApiException.class, (e, ctx) -> {
                if (e.status == 503) {
                    ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                }
                ctx.status(e.status);
                json(ctx, JsonViews.error(e.code, e.getMessage()));
            });
            config.routes.exception(InvalidStateStoreException.class, (e, ctx) -> {
                ctx.status(503).header("Retry-After", RETRY_AFTER_SECONDS);
                json(ctx, JsonViews.error("unavailable", "the engine's stores are rebalancing; retry shortly"));
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                ctx.status(500);
                json(ctx, JsonViews.error("internal", "the request failed; the server log says why"));
            });
            config.routes.error(404, ctx -> {
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith(JSON)) {
                    json(ctx, JsonViews.error("not.found", "no such resource: " + ctx.path()));
                }
            });
        });
    }

    /** Binds and starts serving; the engine follows with {@link #attach}. */
    public static ApiServer start(ServingSettings settings, Map<String, Object> clientSettings) {
        ApiServer server = new ApiServer(settings, clientSettings);
        server.app.start();
        LOG.info("API and dashboard on http://{}:{}/", settings.host(), server.port());
        return server;
    }

    /** The port bound (the one asked for, or the free one picked for 0). */
    public int port() {
        return app.port();
    }

    /** These settings with the bound port: what {@code application.server} must say. */
    public ServingSettings bound() {
        return settings.withPort(port());
    }

    /** Starts answering from {@code engine}'s stores; its settings must carry {@link #bound()}'s server. */
    public void attach(IndicatorEngine engine) {
        KafkaStreams streams = engine.kafkaStreams();
        MaturityConfig maturity = engine.maturity();
        HostInfo self = HostInfo.buildFromEndpoint(bound().applicationServer());
        Map<String, String> text = new java.util.HashMap<>();
        clientSettings.forEach((key, value) -> text.put(key, String.valueOf(value)));
        // An Orion-LD broker, when one is configured, gets every published value as an entity upsert.
        OrionLdPusher orion = OrionLdPusher.Config.from(text).map(OrionLdPusher::new).orElse(null);
        if (orion != null) {
            orion.start();
        }
        this.attached = new Attached(engine, new LocalResults(streams),
                new InstanceRouter(streams, self, settings.readToken()),
                new LiveStream(clientSettings, settings.maxStreamClients(), orion == null ? value -> { } : orion::offer,
                        orion != null),
                JsonViews.catalogue(maturity, EngineConfig.from(engine.settings()).windows()), maturity, orion);
    }

    // ---- handlers

    /** Every city with results, each with its headline score: this instance's, then the others'. */
    private void cities(Context ctx) {
        Attached now = running();
        String window = now.maturity().scoredWindow();
        Map<String, JsonNode> byCity = new java.util.TreeMap<>();
        for (String city : now.local().cities()) {
            ObjectNode entry = JsonViews.MAPPER.createObjectNode();
            entry.put("city", city);
            entry.put("window", window);
            Optional<MaturityScore> score = now.local().maturity(city, window);
            entry.put("indexScore", score.map(MaturityScore::getIndexScore).orElse(null));
            entry.put("level", score.map(MaturityScore::getLevel).orElse(null));
            entry.put("updatedAt", score.map(s -> s.getUpdatedAt().toString()).orElse(null));
            byCity.put(city, entry);
        }
        if (!forwarded(ctx)) {
            for (JsonNode remote : gather(now, ctx)) {
                remote.path("cities").forEach(entry -> byCity.putIfAbsent(entry.path("city").asText(), entry));
            }
        }
        ObjectNode body = JsonViews.MAPPER.createObjectNode();
        body.putArray("cities").addAll(byCity.values());
        json(ctx, body);
    }

    private void indicators(Context ctx) {
        Attached now = running();
        String city = ctx.queryParam("city");
        String indicator = ctx.queryParam("indicator");
        String scope = ctx.queryParam("scope");
        String window = ctx.queryParam("window");
        if (indicator != null && IndicatorCatalogue.find(indicator).isEmpty()) {
            throw ApiException.notFound("no indicator " + indicator + " in catalogue " + IndicatorCatalogue.VERSION);
        }
        Predicate<IndicatorValue> matches = value -> (indicator == null || indicator.equals(value.getIndicatorId()))
                && scopeMatches(scope, value.getScope()) && (window == null || window.equals(value.getWindow()));
        if (city != null) {
            if (routedElsewhere(ctx, now, city)) {
                return;
            }
            String prefix = city + "/" + (indicator == null ? "" : indicator + "/");
            List<IndicatorValue> values = now.local().latest(prefix, matches);
            if (values.isEmpty() && !now.local().knows(city)) {
                throw ApiException.notFound("no city " + city);
            }
            json(ctx, valuesBody(values.stream().map(JsonViews::value).toList()));
            return;
        }
        List<JsonNode> all = new ArrayList<>(now.local().latest("", matches).stream().map(JsonViews::value).toList());
        if (!forwarded(ctx)) {
            gather(now, ctx).forEach(remote -> remote.path("values").forEach(all::add));
        }
        all.sort(Comparator.comparing((JsonNode v) -> v.path("city").asText())
                .thenComparing(v -> v.path("indicatorId").asText()).thenComparing(v -> v.path("scope").asText())
                .thenComparing(v -> v.path("window").asText()));
        json(ctx, valuesBody(all));
    }

    private void history(Context ctx) {
        Attached now = running();
        String city = ctx.pathParam("city");
        String indicator = ctx.pathParam("indicatorId");
        if (IndicatorCatalogue.find(indicator).isEmpty()) {
            throw ApiException.notFound("no indicator " + indicator + " in catalogue " + IndicatorCatalogue.VERSION);
        }
        String scope = Optional.ofNullable(ctx.queryParam("scope")).orElse("city");
        String window = Optional.ofNullable(ctx.queryParam("window")).orElse("PT1H");
        Instant[] range = range(ctx);
        if (routedElsewhere(ctx, now, city)) {
            return;
        }
        if (!now.local().knows(city)) {
            throw ApiException.notFound("no city " + city);
        }
        ObjectNode body = rangeBody(city, window, range);
        body.put("indicatorId", indicator);
        body.put("scope", scope);
        ArrayNode values = body.putArray("values");
        now.local().history(city + "/" + indicator + "/" + scope + "/" + window, range[0], range[1])
                .forEach(value -> values.add(JsonViews.value(value)));
        json(ctx, body);
    }

    private void maturity(Context ctx) {
        Attached now = running();
        String city = ctx.pathParam("city");
        String window = Optional.ofNullable(ctx.queryParam("window")).orElse(now.maturity().scoredWindow());
        requireScoredWindow(now, window);
        if (routedElsewhere(ctx, now, city)) {
            return;
        }
        MaturityScore score = now.local().maturity(city, window).orElseThrow(() -> now.local().knows(city)
                ? ApiException.notFound("no maturity score of " + city + " for " + window + " yet")
                : ApiException.notFound("no city " + city));
        json(ctx, JsonViews.maturity(score));
    }

    /** What the city gains per indicator and the fewest steps to its next level (NextSteps), for one window. */
    private void nextSteps(Context ctx) {
        Attached now = running();
        String city = ctx.pathParam("city");
        String window = Optional.ofNullable(ctx.queryParam("window")).orElse(now.maturity().scoredWindow());
        requireScoredWindow(now, window);
        if (routedElsewhere(ctx, now, city)) {
            return;
        }
        MaturityScore score = now.local().maturity(city, window).orElseThrow(() -> now.local().knows(city)
                ? ApiException.notFound("no maturity score of " + city + " for " + window + " yet")
                : ApiException.notFound("no city " + city));
        NextSteps.Plan plan = NextSteps.plan(now.maturity(), score);
        if (!plan.hasScore()) {
            throw ApiException.notFound("no maturity index of " + city + " for " + window
                    + " yet: no scored indicator has data");
        }
        json(ctx, JsonViews.nextSteps(plan, score));
    }

    private void maturityHistory(Context ctx) {
        Attached now = running();
        String city = ctx.pathParam("city");
        String window = Optional.ofNullable(ctx.queryParam("window")).orElse(now.maturity().scoredWindow());
        requireScoredWindow(now, window);
        Instant[] range = range(ctx);
        if (routedElsewhere(ctx, now, city)) {
            return;
        }
        if (!now.local().knows(city)) {
            throw ApiException.notFound("no city " + city);
        }
        ObjectNode body = rangeBody(city, window, range);
        ArrayNode scores = body.putArray("scores");
        now.local().maturityHistory(city, window, range[0], range[1])
                .forEach(score -> scores.add(JsonViews.maturity(score)));
        json(ctx, body);
    }

    /** The current value of every series as NGSI-LD entities, by id, a page at a time (limit, offset). */
    private void entities(Context ctx) {
        Attached now = running();
        String type = ctx.queryParam("type");
        // A forwarded request is one instance's share of a list: all of it, paged by the instance that asked.
        int limit = forwarded(ctx) ? Integer.MAX_VALUE : boundedInt(ctx, "limit", 100, 1000);
        int offset = forwarded(ctx) ? 0 : boundedInt(ctx, "offset", 0, Integer.MAX_VALUE);
        Map<String, JsonNode> byId = new java.util.TreeMap<>();
        if (type == null || type.equals(KpiEntities.TYPE)) {
            KpiEntities.toEntities(now.local().latest("", value -> true))
                    .forEach(entity -> byId.put(entity.path("id").asText(), entity));
            if (!forwarded(ctx)) {
                // Every entity of the other instances, then one page of the whole: ids sort the same everywhere.
                String all = ctx.path() + "?type=" + KpiEntities.TYPE;
                for (HostInfo host : now.router().others()) {
                    now.router().ask(host, all).filter(answer -> answer.status() == 200)
                            .ifPresent(answer -> parse(answer.body())
                                    .forEach(entity -> byId.put(entity.path("id").asText(), entity)));
                }
            }
        }
        ArrayNode page = JsonViews.MAPPER.createArrayNode();
        byId.values().stream().skip(offset).limit(limit).forEach(page::add);
        ctx.header("NGSILD-Results-Count", String.valueOf(byId.size()));
        ctx.contentType(KpiEntities.MEDIA_TYPE).result(page.toString());
    }

    private void entity(Context ctx) {
        Attached now = running();
        KpiEntityId id = KpiEntityId.parse(ctx.pathParam("id")).orElseThrow(() ->
                ApiException.notFound("no entity " + abbreviate(ctx.pathParam("id"))));
        if (routedElsewhere(ctx, now, id.city())) {
            return;
        }
        String key = id.city() + "/" + id.indicatorId() + "/" + id.scope() + "/" + id.window();
        List<IndicatorValue> values = now.local().latest(key, value -> key.equals(value.getCity() + "/"
                + value.getIndicatorId() + "/" + value.getScope() + "/" + value.getWindow()));
        if (values.isEmpty()) {
            throw ApiException.notFound("no entity " + id.urn());
        }
        ctx.contentType(KpiEntities.MEDIA_TYPE).result(KpiEntities.toEntity(values.get(0)).toString());
    }

    private static int boundedInt(Context ctx, String name, int fallback, int max) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0 && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest(name + " must be a whole number from 0 to " + max);
    }

    private static String abbreviate(String text) {
        return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }

    private void ready(Context ctx) {
        Attached now = attached;
        KafkaStreams.State state = now == null ? null : now.engine().state();
        if (state == KafkaStreams.State.RUNNING) {
            json(ctx, status("UP", state));
        } else {
            ctx.status(503).header("Retry-After", RETRY_AFTER_SECONDS);
            json(ctx, status("DOWN", state));
        }
    }

    private void metrics(Context ctx) {
        Attached now = attached;
        Map<String, Double> extra = new LinkedHashMap<>();
        extra.put("civicpulse_stream_clients", now == null ? 0.0 : now.live().clients());
        extra.put("civicpulse_stream_events_read_total", now == null ? 0.0 : now.live().eventsRead());
        if (now != null && now.orion() != null) {
            extra.put("civicpulse_fiware_entities_sent_total", (double) now.orion().sent());
            extra.put("civicpulse_fiware_entities_failed_total", (double) now.orion().failed());
            extra.put("civicpulse_fiware_entities_dropped_total", (double) now.orion().dropped());
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(PrometheusText.render(now == null ? Map.of() : now.engine().metrics(), extra));
    }

    // ---- helpers

    /**
     * Answers the request from the instance that owns the city when that is not this one; true when it did. A
     * forwarded request is always answered here.
     */
    private boolean routedElsewhere(Context ctx, Attached now, String city) {
        if (forwarded(ctx)) {
            return false;
        }
        InstanceRouter.Owner owner = now.router().ownerOf(city);
        if (owner instanceof InstanceRouter.Owner.Unknown) {
            throw ApiException.unavailable("the instance that holds " + city + " is not known yet (rebalancing)");
        }
        if (owner instanceof InstanceRouter.Owner.Here here) {
            // Kafka Streams says RUNNING while a task may still restore: the city's own partition must be active
            // here, or the answer is 503 (InvalidStateStoreException), not a 404 for a city being restored.
            now.local().requireActive(here.partition());
        }
        if (owner instanceof InstanceRouter.Owner.There there) {
            InstanceRouter.Remote answer = now.router().ask(there.host(), pathAndQuery(ctx)).orElseThrow(() ->
                    ApiException.unavailable("the instance that holds " + city + " did not answer"));
            if (answer.status() == 503) {
                ctx.header("Retry-After", RETRY_AFTER_SECONDS);
            }
            ctx.status(answer.status()).contentType(answer.contentType()).result(answer.body());
            return true;
        }
        return false;
    }

    /** The same request asked of every other instance; those that do not answer 200 in time are left out. */
    private List<JsonNode> gather(Attached now, Context ctx) {
        List<JsonNode> answers = new ArrayList<>();
        for (HostInfo host : now.router().others()) {
            now.router().ask(host, pathAndQuery(ctx)).filter(answer -> answer.status() == 200)
                    .ifPresent(answer -> answers.add(parse(answer.body())));
        }
        return answers;
    }

    private Attached running() {
        Attached now = attached;
        if (now == null || now.engine().state() != KafkaStreams.State.RUNNING) {
            throw ApiException.unavailable("the engine is " + (now == null ? "starting" : now.engine().state()
                    .name().toLowerCase(java.util.Locale.ROOT)) + "; retry shortly");
        }
        return now;
    }

    private Attached attached() {
        Attached now = attached;
        if (now == null) {
            throw ApiException.unavailable("the engine is starting; retry shortly");
        }
        return now;
    }

    private void secure(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'"
                + " 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
        String path = ctx.path();
        boolean data = path.startsWith("/api/") || path.startsWith("/ngsi-ld/") || path.equals("/metrics");
        if (settings.readToken() == null || !data || path.equals("/api/v1/openapi.json")) {
            return;
        }
        String header = ctx.header("Authorization");
        String presented = header != null && header.startsWith("Bearer ") ? header.substring("Bearer ".length())
                : path.equals("/api/v1/stream") ? ctx.queryParam("access_token") : null;
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                settings.readToken().getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "unauthorized", "a valid read token is needed (Authorization: Bearer ...)");
        }
    }

    private static void requireScoredWindow(Attached now, String window) {
        if (!now.maturity().windows().contains(window)) {
            throw ApiException.badRequest("window " + window + " is not scored; scored windows: "
                    + now.maturity().windows());
        }
    }

    /** {@code from} and {@code to} of a history request: defaults, order and the longest range. */
    private static Instant[] range(Context ctx) {
        Instant to = instant(ctx, "to", Instant.now());
        Instant from = instant(ctx, "from", to.minus(DEFAULT_RANGE));
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("from (" + from + ") must be before to (" + to + ")");
        }
        if (Duration.between(from, to).compareTo(LONGEST_RANGE) > 0) {
            throw ApiException.badRequest("a history range is at most 31 days");
        }
        return new Instant[] {from, to};
    }

    private static Instant instant(Context ctx, String name, Instant fallback) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " is not an ISO-8601 instant (e.g. 2026-12-07T10:00:00Z): "
                    + (value.length() > 40 ? value.substring(0, 40) + "..." : value));
        }
    }

    /** {@code route:*} matches every scope of a kind; anything else matches exactly; null matches all. */
    static boolean scopeMatches(String filter, String scope) {
        if (filter == null) {
            return true;
        }
        if (filter.endsWith(":*")) {
            return scope.startsWith(filter.substring(0, filter.length() - 1));
        }
        return filter.equals(scope);
    }

    /** The head of a history answer: what was asked for. */
    private static ObjectNode rangeBody(String city, String window, Instant[] range) {
        ObjectNode body = JsonViews.MAPPER.createObjectNode();
        body.put("city", city);
        body.put("window", window);
        body.put("from", range[0].toString());
        body.put("to", range[1].toString());
        return body;
    }

    private static ObjectNode valuesBody(List<? extends JsonNode> values) {
        ObjectNode body = JsonViews.MAPPER.createObjectNode();
        body.putArray("values").addAll(values);
        return body;
    }

    private static ObjectNode status(String status, KafkaStreams.State state) {
        ObjectNode node = JsonViews.MAPPER.createObjectNode();
        node.put("status", status);
        if (state != null) {
            node.put("state", state.name());
        }
        return node;
    }

    private static boolean forwarded(Context ctx) {
        return ctx.header(InstanceRouter.FORWARDED) != null;
    }

    private static String pathAndQuery(Context ctx) {
        String query = ctx.queryString();
        return ctx.path() + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    private static void json(Context ctx, JsonNode body) {
        ctx.contentType(JSON).result(body.toString());
    }

    private static JsonNode parse(String body) {
        try {
            return JsonViews.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ApiServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        Attached now = attached;
        if (now != null) {
            now.live().close();
            if (now.orion() != null) {
                now.orion().close();
            }
        }
        app.stop();
    }
}
