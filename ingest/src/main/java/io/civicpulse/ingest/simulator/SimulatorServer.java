package io.civicpulse.ingest.simulator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.civicpulse.ingest.simulator.CitySimulation.Feed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves simulated cities over HTTP on a loopback address, at the paths the real pollers are configured with:
 * <pre>
 *   /{city}/gtfs.zip                          GTFS static (ETag, Last-Modified, 304 on a conditional GET)
 *   /{city}/gtfs-rt/trip-updates.pb           GTFS-Realtime FeedMessage
 *   /{city}/gtfs-rt/vehicle-positions.pb
 *   /{city}/gtfs-rt/alerts.pb
 *   /{city}/gbfs/v3/gbfs.json                 GBFS 3.0 discovery, then /{city}/gbfs/v3/{file}.json
 *   /{city}/gbfs/v2/gbfs.json                 GBFS 2.3 discovery, then /{city}/gbfs/v2/{file}.json
 *   /{city}/ground-truth.json                 a summary of what the city generated and served
 *   /                                         the cities and their feed URLs
 * </pre>
 * Every feed answers conditional GETs. Cities never share state: each path serves only its own city.
 */
public final class SimulatorServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SimulatorServer.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** The feed URLs of one city. */
    public record FeedUrls(String city, URI gtfsStatic, URI tripUpdates, URI vehiclePositions, URI alerts,
                           URI gbfsV2, URI gbfsV3) {
    }

    private final Map<String, CitySimulation> cities = new LinkedHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor;
    private final URI base;

    private SimulatorServer(HttpServer server, ExecutorService executor, List<CitySimulation> cities) {
        this.server = server;
        this.executor = executor;
        for (CitySimulation c : cities) {
            if (this.cities.put(c.id(), c) != null) {
                throw new IllegalArgumentException("city " + c.id() + " is given twice");
            }
        }
        InetSocketAddress address = server.getAddress();
        this.base = URI.create("http://" + address.getHostString() + ":" + address.getPort());
    }

    /**
     * Starts serving. Port 0 picks a free port. Static zips are built in the background right away, so that the
     * first poller does not wait for them.
     */
    public static SimulatorServer start(String host, int port, List<CitySimulation> cities) throws IOException {
        if (cities.isEmpty()) {
            throw new IllegalArgumentException("nothing to serve: no city given");
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "simulator-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        SimulatorServer server = new SimulatorServer(http, executor, cities);
        http.createContext("/", server::handle);
        http.setExecutor(executor);
        http.start();
        for (CitySimulation c : cities) {
            executor.execute(c::staticFeed);
        }
        return server;
    }

    public URI baseUri() {
        return base;
    }

    public FeedUrls urls(String city) {
        if (!cities.containsKey(city)) {
            throw new IllegalArgumentException("no city " + city + " here; serving " + cities.keySet());
        }
        String root = base + "/" + city + "/";
        return new FeedUrls(city, URI.create(root + Feed.GTFS_STATIC.path()), URI.create(root + Feed.TRIP_UPDATES.path()),
                URI.create(root + Feed.VEHICLE_POSITIONS.path()), URI.create(root + Feed.ALERTS.path()),
                URI.create(root + "gbfs/v2/gbfs.json"), URI.create(root + "gbfs/v3/gbfs.json"));
    }

    /** The city's district boundaries (GeoJSON), for {@code districts.geojson} in a city file. */
    public URI districtsUrl(String city) {
        urls(city);
        return URI.create(base + "/" + city + "/districts.geojson");
    }

    public List<CitySimulation> cities() {
        return List.copyOf(cities.values());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                FeedHttp.error(exchange, 405, method + " is not supported; feeds are read with GET");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/") || path.isEmpty()) {
                FeedHttp.send(exchange, ServedFeed.of(index(), ServedFeed.JSON, Instant.now()));
                return;
            }
            String[] parts = path.substring(1).split("/", 2);
            CitySimulation city = cities.get(parts[0]);
            if (city == null) {
                FeedHttp.error(exchange, 404, "no city '" + parts[0] + "'; serving " + cities.keySet());
                return;
            }
            Optional<ServedFeed> feed = parts.length < 2 ? Optional.empty() : route(city, parts[1], exchange);
            if (feed.isEmpty()) {
                FeedHttp.error(exchange, 404, "no feed at " + path + "; see " + base + "/ for the feed URLs");
                return;
            }
            FeedHttp.send(exchange, feed.get());
        } catch (RuntimeException e) {
            log.warn("simulator failed to answer {}", exchange.getRequestURI(), e);
            FeedHttp.error(exchange, 500, "simulator error: " + e);
        }
    }

    private Optional<ServedFeed> route(CitySimulation city, String rest, HttpExchange exchange) {
        for (Feed f : Feed.values()) {
            if (f.path().equals(rest)) {
                return Optional.of(city.feed(f));
            }
        }
        if (rest.equals("districts.geojson")) {
            return Optional.of(ServedFeed.of(DistrictBoundaries.geoJson(city.city()), "application/geo+json",
                    city.clock().start()));
        }
        if (rest.equals("ground-truth.json")) {
            return Optional.of(ServedFeed.of(groundTruth(city), ServedFeed.JSON, city.clock().instant()));
        }
        if (rest.startsWith("gbfs/v") && rest.endsWith(".json")) {
            String[] gbfs = rest.substring("gbfs/v".length(), rest.length() - ".json".length()).split("/", 2);
            if (gbfs.length == 2 && (gbfs[0].equals("2") || gbfs[0].equals("3"))) {
                String host = exchange.getRequestHeaders().getFirst("Host");
                String root = (host == null ? base.toString() : "http://" + host) + "/" + city.id() + "/gbfs";
                return city.gbfs(Integer.parseInt(gbfs[0]), gbfs[1], root);
            }
        }
        return Optional.empty();
    }

    private byte[] index() {
        ObjectNode root = JSON.createObjectNode();
        for (CitySimulation c : cities.values()) {
            FeedUrls u = urls(c.id());
            root.putObject(c.id())
                    .put("simulated_time", c.clock().instant().toString())
                    .put("gtfs_static", u.gtfsStatic().toString())
                    .put("trip_updates", u.tripUpdates().toString())
                    .put("vehicle_positions", u.vehiclePositions().toString())
                    .put("alerts", u.alerts().toString())
                    .put("gbfs_v2", u.gbfsV2().toString())
                    .put("gbfs_v3", u.gbfsV3().toString())
                    .put("districts", districtsUrl(c.id()).toString());
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] groundTruth(CitySimulation city) {
        Instant now = city.clock().instant();
        GroundTruth truth = city.groundTruth();
        ObjectNode root = JSON.createObjectNode();
        root.put("city", city.id()).put("simulated_time", now.toString())
                .put("vehicles_in_service", truth.vehiclesInService(now));
        LocalDate today = LocalDate.ofInstant(now, city.city().zone());
        ObjectNode dates = root.putObject("service_dates");
        for (LocalDate d = today.minusDays(1); !d.isAfter(today); d = d.plusDays(1)) {
            dates.putObject(d.toString())
                    .put("active_trips", truth.activeTripIds(d).size())
                    .put("ghost_trips", truth.ghostTrips(d).size())
                    .put("trips_seen", truth.tripsSeen(d).size())
                    .put("trips_with_positions", truth.tripsWithPositions(d).size())
                    .put("stop_events", truth.stopEvents(d).size());
        }
        root.putArray("routes_with_active_alert").addAll(
                truth.routesWithActiveAlert(now).stream().map(JSON.getNodeFactory()::textNode).toList());
        ObjectNode served = root.putObject("feeds_served");
        truth.feedsServed().forEach(served::put);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }
}
