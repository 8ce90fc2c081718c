package io.civicpulse.ingest.simulator.services;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A city's Open311 GeoReport v2 endpoint as the simulation sees it at the clock's current instant:
 * {@code services.json} (the Open311-reportable part of the catalogue) and {@code requests.json} with
 * {@code updated_after}, sorted by update time and capped per page like real endpoints. A request's status and
 * update time follow its simulated fate, so polling it over time yields opened, updated and closed requests.
 */
public final class SimulatedOpen311 {

    /** Requests older than this are no longer served (real endpoints limit the range too). */
    static final Duration HORIZON = Duration.ofDays(30);

    private final ServiceUsageModel model;
    private final Clock clock;
    private final int pageSize;
    private final ObjectMapper json = JsonMapper.builder().build();

    public SimulatedOpen311(ServiceUsageModel model, Clock clock, int pageSize) {
        this.model = model;
        this.clock = clock;
        this.pageSize = pageSize;
    }

    /** Serves under {@code /{city}/open311/v2/}; returns that base URL's path. */
    public String register(HttpServer server) {
        String base = "/" + model.city() + "/open311/v2";
        server.createContext(base + "/services.json", this::services);
        server.createContext(base + "/requests.json", this::requests);
        return base;
    }

    private void services(HttpExchange exchange) throws IOException {
        List<Map<String, Object>> services = new ArrayList<>();
        for (SimulatedService s : model.catalogue()) {
            if (!s.open311()) {
                continue;
            }
            Map<String, Object> service = new LinkedHashMap<>();
            service.put("service_code", s.id());
            service.put("service_name", s.name());
            service.put("description", s.name());
            service.put("metadata", false);
            service.put("type", "realtime");
            service.put("keywords", s.category());
            service.put("group", s.category());
            services.add(service);
        }
        respond(exchange, 200, json.writeValueAsBytes(services));
    }

    private void requests(HttpExchange exchange) throws IOException {
        Instant now = clock.instant();
        Instant after = now.minus(HORIZON);
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv.length == 2 && kv[0].equals("updated_after")) {
                    try {
                        Instant asked = OffsetDateTime.parse(URLDecoder.decode(kv[1], StandardCharsets.UTF_8)).toInstant();
                        after = asked.isAfter(after) ? asked : after;
                    } catch (DateTimeException e) {
                        respond(exchange, 400, json.writeValueAsBytes(List.of(Map.of("code", 400,
                                "description", "updated_after must be a W3C date-time"))));
                        return;
                    }
                }
            }
        }
        Instant from = after;
        List<ServiceUsageModel.Request> visible = new ArrayList<>(model.requests(now.minus(HORIZON), now));
        visible.removeIf(r -> !r.updatedAt(now).isAfter(from));
        visible.sort(Comparator.comparing((ServiceUsageModel.Request r) -> r.updatedAt(now))
                .thenComparing(ServiceUsageModel.Request::id));
        List<Map<String, Object>> page = new ArrayList<>();
        for (ServiceUsageModel.Request r : visible.subList(0, Math.min(pageSize, visible.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("service_request_id", r.id());
            m.put("status", r.status(now));
            m.put("status_notes", r.status(now).equals("closed") ? "Resolved." : null);
            m.put("service_name", r.service().name());
            m.put("service_code", r.service().id());
            m.put("description", r.description());
            m.put("agency_responsible", "Sofia Municipality");
            m.put("requested_datetime", r.requestedAt().toString());
            m.put("updated_datetime", r.updatedAt(now).toString());
            m.put("expected_datetime", r.expectedAt().toString());
            m.put("lat", r.lat());
            m.put("long", r.lon());
            page.add(m);
        }
        respond(exchange, 200, json.writeValueAsBytes(page));
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
