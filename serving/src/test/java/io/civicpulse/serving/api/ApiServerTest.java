package io.civicpulse.serving.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server on its own, before an engine is attached: what a probe, a browser or a client sees while the engine
 * starts, and the read token. Kafka plays no part here; the query answers are tested against a real broker in
 * deploy's QueryApiIT.
 */
class ApiServerTest {

    private static final String TOKEN = "a-read-token-of-32-characters-xx";
    private final HttpClient client = HttpClient.newHttpClient();
    private ApiServer server;

    private ApiServer start(String token) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ServingSettings.PORT, "0");
        if (token != null) {
            settings.put(ServingSettings.READ_TOKEN, token);
        }
        server = ApiServer.start(ServingSettings.from(settings), Map.of());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bindsLoopbackByDefault() {
        assertThat(ServingSettings.from(Map.of()).host()).isEqualTo("127.0.0.1");
        assertThat(ServingSettings.from(Map.of()).port()).isEqualTo(ServingSettings.DEFAULT_PORT);
    }

    @Test
    void whileTheEngineStartsQueriesAre503WithRetryAfterAndNoStackTrace() throws Exception {
        start(null);
        for (String path : List.of("/api/v1/cities", "/api/v1/indicators?city=sofia", "/api/v1/maturity/sofia",
                "/api/v1/cities/sofia/next-steps",
                "/api/v1/catalogue", "/ngsi-ld/v1/entities?type=KeyPerformanceIndicator")) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).as(path).isPresent();
            JsonNode body = JsonViews.MAPPER.readTree(response.body());
            assertThat(body.path("error").asText()).isEqualTo("unavailable");
            assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void livenessIsUpAndReadinessDownUntilTheEngineRuns() throws Exception {
        start(null);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("\"DOWN\"");
    }

    @Test
    void anUnknownPathIsAJson404() throws Exception {
        start(null);
        HttpResponse<String> response = get("/api/v1/nothing-here");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JsonViews.MAPPER.readTree(response.body()).path("error").asText()).isEqualTo("not.found");
    }

    @Test
    void withAReadTokenTheApiNeedsItButProbesAndTheDescriptionDoNot() throws Exception {
        start(TOKEN);
        HttpResponse<String> none = get("/api/v1/cities");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(get("/api/v1/cities", "Authorization", "Bearer " + TOKEN.substring(1)).statusCode())
                .isEqualTo(401);
        assertThat(get("/metrics").statusCode()).isEqualTo(401);
        assertThat(get("/ngsi-ld/v1/entities").statusCode()).isEqualTo(401);
        // The right token gets past the check: 503 only because no engine runs here.
        assertThat(get("/api/v1/cities", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(503);
        assertThat(get("/api/v1/stream?access_token=" + TOKEN).statusCode()).isEqualTo(503);
        assertThat(get("/api/v1/stream?access_token=wrong").statusCode()).isEqualTo(401);
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/openapi.json").statusCode()).isEqualTo(200);
    }

    @Test
    void aShortReadTokenIsRefusedAtStart() {
        assertThatThrownBy(() -> ServingSettings.from(Map.of(ServingSettings.READ_TOKEN, "short")))
                .hasMessageContaining("at least 16");
    }

    @Test
    void theDashboardIsServedWithAContentSecurityPolicy() throws Exception {
        start(null);
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<html");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
        assertThat(get("/webjars/echarts/5.3.1/dist/echarts.min.js").statusCode()).isEqualTo(200);
        // The monthly report the dashboard links to: a static page under the same policy, with its script and style.
        HttpResponse<String> report = get("/report.html?city=sofia&month=2026-11");
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.body()).contains("report.js").contains("data-role=\"report-level\"");
        assertThat(report.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
        assertThat(get("/report.js").statusCode()).isEqualTo(200);
        // Both pages import it as a module, which browsers load only with a JavaScript content type.
        HttpResponse<String> client = get("/api-client.js");
        assertThat(client.statusCode()).isEqualTo(200);
        assertThat(client.headers().firstValue("Content-Type").orElseThrow()).contains("javascript");
        assertThat(get("/report.css").statusCode()).isEqualTo(200);
    }

    @Test
    void theOpenApiDescriptionListsEveryRoute() throws Exception {
        start(null);
        JsonNode paths = JsonViews.MAPPER.readTree(get("/api/v1/openapi.json").body()).path("paths");
        for (String route : List.of("/api/v1/cities", "/api/v1/catalogue", "/api/v1/indicators",
                "/api/v1/indicators/{city}/{indicatorId}/history", "/api/v1/maturity/{city}",
                "/api/v1/maturity/{city}/history", "/api/v1/cities/{city}/next-steps", "/api/v1/stream",
                "/api/v1/openapi.json", "/ngsi-ld/v1/entities",
                "/ngsi-ld/v1/entities/{id}", "/health/live", "/health/ready", "/metrics")) {
            assertThat(paths.has(route)).as(route).isTrue();
        }
        assertThat(paths.size()).isEqualTo(14);
    }

    @Test
    void scopeFiltersMatchExactlyOrByKind() {
        assertThat(ApiServer.scopeMatches(null, "route:A94")).isTrue();
        assertThat(ApiServer.scopeMatches("route:*", "route:A94")).isTrue();
        assertThat(ApiServer.scopeMatches("route:*", "district:lozenets")).isFalse();
        assertThat(ApiServer.scopeMatches("city", "city")).isTrue();
        assertThat(ApiServer.scopeMatches("route:A9", "route:A94")).isFalse();
    }
}
