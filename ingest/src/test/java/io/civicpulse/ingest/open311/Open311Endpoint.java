package io.civicpulse.ingest.open311;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A GeoReport v2 endpoint over real HTTP for the poller's tests: services.json and requests.json with
 * {@code updated_after} and a page-size cap, answers that can be replaced by a raw body or an HTTP error to
 * inject faults, and a count of calls.
 */
final class Open311Endpoint implements AutoCloseable {

    record Request(String id, String status, String serviceCode, String requested, String updated, String expected,
                   Double lat, Double lon) {

        String json() {
            return "{\"service_request_id\":\"" + id + "\",\"status\":\"" + status + "\",\"service_code\":\""
                    + serviceCode + "\",\"service_name\":\"Pothole\",\"requested_datetime\":\"" + requested
                    + "\",\"updated_datetime\":\"" + updated + "\""
                    + (expected == null ? "" : ",\"expected_datetime\":\"" + expected + "\"")
                    + (lat == null ? "" : ",\"lat\":" + lat + ",\"long\":" + lon) + "}";
        }
    }

    private final HttpServer server;
    final Map<String, Request> requests = new ConcurrentHashMap<>();
    volatile String servicesBody = "[{\"service_code\":\"pothole\",\"service_name\":\"Pothole\",\"group\":\"streets\"},"
            + "{\"service_code\":\"graffiti\",\"service_name\":\"Graffiti\",\"group\":\"cleaning\"}]";
    volatile String requestsOverride;
    volatile int status = 200;
    volatile int pageSize = 1000;
    final AtomicInteger requestCalls = new AtomicInteger();

    Open311Endpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v2/services.json", e -> respond(e, servicesBody));
        server.createContext("/v2/requests.json", this::requests);
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v2");
    }

    void put(Request request) {
        requests.put(request.id(), request);
    }

    private void requests(HttpExchange exchange) throws IOException {
        requestCalls.incrementAndGet();
        if (requestsOverride != null) {
            respond(exchange, requestsOverride);
            return;
        }
        Instant after = Instant.MIN;
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv[0].equals("updated_after")) {
                    after = OffsetDateTime.parse(URLDecoder.decode(kv[1], StandardCharsets.UTF_8)).toInstant();
                }
            }
        }
        Instant from = after;
        // Inclusive, as several real endpoints are: the poller must not publish a boundary version twice.
        List<Request> page = new ArrayList<>(requests.values()).stream()
                .filter(r -> !OffsetDateTime.parse(r.updated()).toInstant().isBefore(from))
                .sorted(Comparator.comparing((Request r) -> OffsetDateTime.parse(r.updated()).toInstant())
                        .thenComparing(Request::id))
                .limit(pageSize)
                .collect(Collectors.toList());
        respond(exchange, "[" + page.stream().map(Request::json).collect(Collectors.joining(",")) + "]");
    }

    private void respond(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
