package io.civicpulse.deploy.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.streams.StreamsConfig;

import io.civicpulse.ingest.city.BoundingBox;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.CityDistricts;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.city.PopulationFigures;
import io.civicpulse.ingest.intake.ApiKeys;
import io.civicpulse.ingest.intake.IntakeMetrics;
import io.civicpulse.ingest.intake.IntakeServer;
import io.civicpulse.ingest.intake.KafkaEventSink;
import io.civicpulse.ingest.mobility.MobilityIngest;
import io.civicpulse.ingest.open311.Open311Ingest;
import io.civicpulse.ingest.open311.Open311Poller;
import io.civicpulse.ingest.publish.EventPublisher;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.District;
import io.civicpulse.ingest.simulator.DistrictBoundaries;
import io.civicpulse.ingest.simulator.CitySimulation;
import io.civicpulse.ingest.simulator.NetworkSize;
import io.civicpulse.ingest.simulator.SimulationClock;
import io.civicpulse.ingest.simulator.SimulatorServer;
import io.civicpulse.ingest.simulator.services.IntakePusher;
import io.civicpulse.ingest.simulator.services.ServiceUsageModel;
import io.civicpulse.ingest.simulator.services.SimulatedOpen311;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.serving.api.ApiServer;
import io.civicpulse.serving.api.ServingSettings;
import io.civicpulse.streams.IndicatorEngine;
import io.civicpulse.streams.config.EngineConfig;

/**
 * Everything {@code civicpulse local} runs on top of the {@link LocalStack}: the simulated city serving its feeds,
 * the city's e-service systems pushing to the real intake, and the indicator engine, so the demo exercises the
 * real ingest and processing paths end to end. Also watches the indicator topic, to show values as they change.
 */
public final class LocalPipeline implements AutoCloseable {

    /** What to run, and where. */
    public record Options(String city, long seed, String networkSize, double speed, int simulatorPort,
                          int intakePort, boolean engine, Path stateDir, int httpPort) {
    }

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final Map<String, IndicatorValue> latest = new ConcurrentHashMap<>();
    private final AtomicLong indicatorRecords = new AtomicLong();
    private SimulatorServer simulator;
    private MobilityIngest mobility;
    private IngestMetrics mobilityMetrics;
    private HttpServer open311Server;
    private Open311Ingest open311;
    private IntakeServer intake;
    private IntakePusher pusher;
    private IndicatorEngine engine;
    private ApiServer api;
    private String apiKey;
    private Thread watcher;
    private volatile KafkaConsumer<String, IndicatorValue> watcherConsumer;

    public static LocalPipeline start(LocalStack stack, Options options, LocalStack.Progress progress)
            throws IOException {
        LocalPipeline pipeline = new LocalPipeline();
        try {
            pipeline.startParts(stack, options, progress);
            return pipeline;
        } catch (IOException | RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    private void startParts(LocalStack stack, Options options, LocalStack.Progress progress) throws IOException {
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());

        long t0 = System.nanoTime();
        Instant now = Instant.now();
        SimulationClock clock = SimulationClock.running(now, options.speed());
        CitySimulation city = CitySimulation.create(CityProfile.named(options.city()), options.seed(),
                NetworkSize.parse(options.networkSize()), clock);
        simulator = SimulatorServer.start("127.0.0.1", options.simulatorPort(), List.of(city));
        parts.add(simulator);
        progress.step("City simulator   " + simulator.baseUri() + " (" + options.city() + ", "
                + city.network().routes().size() + " routes)", since(t0));

        long tm = System.nanoTime();
        SimulatorServer.FeedUrls urls = simulator.urls(options.city());
        CityProfile cityProfile = city.city();
        CityConfig mobilityCity = CityConfig.of(cityProfile.id(), cityProfile.zone())
                .withBounds(new BoundingBox(cityProfile.minLat(), cityProfile.minLon(), cityProfile.maxLat(),
                        cityProfile.maxLon()))
                .withGtfsStatic(new FeedEndpoint("gtfs-static", urls.gtfsStatic(), Duration.ofMinutes(10)))
                .withRealtimeFeed(new FeedEndpoint("trip-updates", urls.tripUpdates(), Duration.ofSeconds(10)))
                .withRealtimeFeed(new FeedEndpoint("vehicle-positions", urls.vehiclePositions(), Duration.ofSeconds(10)))
                .withRealtimeFeed(new FeedEndpoint("alerts", urls.alerts(), Duration.ofSeconds(30)))
                .withGbfsFeed(new FeedEndpoint(cityProfile.id() + "-bikes", urls.gbfsV3(), Duration.ofSeconds(30)))
                // The boundaries the simulator publishes: stops and requests get the district:<id> scopes.
                .withDistricts(CityDistricts.fromGeoJson(DistrictBoundaries.geoJson(cityProfile), "id"))
                // The per-100k indicators divide by it.
                .withPopulation(new PopulationFigures(LocalDate.ofInstant(now, cityProfile.zone()),
                        "simulated city profile", simulatedPopulation(cityProfile)));
        mobilityMetrics = new IngestMetrics(cityProfile.id(), clock);
        EventPublisher mobilityPublisher = EventPublisher.create(kafka, mobilityMetrics);
        mobility = MobilityIngest.start(mobilityCity, mobilityPublisher, mobilityMetrics, clock);
        parts.add(0, mobilityMetrics);
        parts.add(0, mobilityPublisher);
        parts.add(0, mobility);
        progress.step("Mobility ingest  GTFS static, GTFS-Realtime x3, GBFS v3 pollers", since(tm));

        long t1 = System.nanoTime();
        String configuredKeys = System.getenv("CIVICPULSE_INTAKE_API_KEYS");
        apiKey = randomKey();
        ApiKeys keys = ApiKeys.parse((configuredKeys == null || configuredKeys.isBlank() ? "" : configuredKeys + ",")
                + "local-simulator:" + ApiKeys.hashedForm(apiKey));
        KafkaEventSink sink = new KafkaEventSink(kafka, Clock.systemUTC(), "local intake");
        parts.add(sink);
        // The intake judges "in the future" by the simulation's clock, which may run faster than the wall's.
        intake = new IntakeServer(IntakeServer.Settings.defaults().withPort(options.intakePort()), keys, sink,
                new IntakeMetrics(), clock).start();
        parts.add(0, intake);
        CityProfile profile = cityProfile;
        ServiceUsageModel services = new ServiceUsageModel(profile.id(), options.seed(), profile.zone(),
                now.minus(Duration.ofDays(30)), 1.0,
                new double[] {profile.minLat(), profile.minLon(), profile.maxLat(), profile.maxLon()});
        pusher = new IntakePusher(services, clock, URI.create(intake.url() + "/v1/events"), apiKey,
                now.minus(Duration.ofMinutes(15))).start(Duration.ofSeconds(2));
        parts.add(0, pusher);
        progress.step("Intake           " + intake.url() + "/v1/events", since(t1));

        long to = System.nanoTime();
        open311Server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String open311Path = new SimulatedOpen311(services, clock, 1000).register(open311Server);
        open311Server.start();
        parts.add(() -> open311Server.stop(0));
        URI open311Url = URI.create("http://127.0.0.1:" + open311Server.getAddress().getPort() + open311Path);
        open311 = Open311Ingest.start(mobilityCity, Open311Poller.Settings.of(open311Url)
                .withInterval(Duration.ofSeconds(30)), kafka, clock);
        parts.add(0, open311);
        progress.step("Open311 poller   " + open311Url, since(to));

        if (options.engine()) {
            long t2 = System.nanoTime();
            Map<String, Object> settings = new HashMap<>(kafka);
            settings.put("application.id", "civicpulse-local");
            settings.put("state.dir", options.stateDir().toString());
            settings.put("civicpulse.zone." + profile.id(), profile.zone().getId());
            if (options.speed() != 1) {
                // The simulation's clock runs ahead of the wall clock the engine judges "in the future" by.
                settings.put(EngineConfig.MAX_FUTURE_SKEW, "P3650D");
            }
            // The API first: its port is the engine's application.server, how other instances would reach it.
            settings.put(ServingSettings.PORT, String.valueOf(options.httpPort()));
            api = ApiServer.start(ServingSettings.from(settings), settings);
            parts.add(0, api);
            settings.put(StreamsConfig.APPLICATION_SERVER_CONFIG, api.bound().applicationServer());
            engine = new IndicatorEngine(settings);
            api.attach(engine);
            engine.start();
            parts.add(0, engine);
            progress.step("Indicator engine (Kafka Streams, exactly_once_v2)", since(t2));
            progress.step("Dashboard & API  " + dashboardUrl(), Duration.ZERO);
        }
        watchIndicators(kafka);
    }

    /** The dashboard's address (the API is under it, /api/v1/...); null without the engine. */
    public String dashboardUrl() {
        return api == null ? null : "http://127.0.0.1:" + api.port() + "/";
    }

    /** The city's residents, and each district's share of them by its weight (the simulator's density). */
    private static Map<String, Long> simulatedPopulation(CityProfile city) {
        Map<String, Long> byArea = new TreeMap<>();
        byArea.put("city", city.population());
        double weights = city.districts().stream().mapToDouble(District::weight).sum();
        city.districts().forEach(d -> byArea.put("district:" + d.id(),
                Math.max(1, Math.round(city.population() * d.weight() / weights))));
        return byArea;
    }

    private volatile boolean watcherStopping;

    private void watchIndicators(Map<String, Object> kafka) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put("group.id", "civicpulse-local-display");
        config.put("auto.offset.reset", "latest");
        watcherConsumer = new KafkaConsumer<>(config, Topics.INDICATORS.keySerde().deserializer(),
                Topics.INDICATORS.valueSerde(kafka).deserializer());
        watcher = new Thread(() -> {
            try (KafkaConsumer<String, IndicatorValue> consumer = watcherConsumer) {
                consumer.subscribe(List.of(Topics.INDICATORS.name()));
                while (!watcherStopping) {
                    for (ConsumerRecord<String, IndicatorValue> record : consumer.poll(Duration.ofMillis(500))) {
                        indicatorRecords.incrementAndGet();
                        if (record.value() != null) {
                            latest.put(record.key(), record.value());
                        }
                    }
                }
            } catch (WakeupException stopping) {
                // close() woke the consumer up
            }
        }, "local-indicator-display");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** The key the simulated e-service systems use, to post more events by hand. */
    public String apiKey() {
        return apiKey;
    }

    public String intakeUrl() {
        return intake.url();
    }

    public SimulatorServer simulator() {
        return simulator;
    }

    /** One line: what flows through the pipeline right now. */
    public String status() {
        CitySimulation.Progress p = simulator.cities().get(0).progress();
        return String.format(Locale.ROOT, "%s  simulated %s, %d vehicles in service  |  published: %d positions,"
                        + " %d trip updates, %d bike statuses, %d Open311 events, %d e-service events  |  %d indicator"
                        + " records%s",
                java.time.LocalTime.now().withNano(0), p.simulatedTime().atZone(simulator.cities().get(0).city().zone())
                        .toLocalTime().withNano(0), p.vehiclesInService(),
                mobilityMetrics.publishedCount(Topics.VEHICLE_POSITIONS.name()),
                mobilityMetrics.publishedCount(Topics.TRIP_UPDATES.name()),
                mobilityMetrics.publishedCount(Topics.SHARED_VEHICLE_AVAILABILITY.name()),
                open311.metrics().publishedCount(Topics.SERVICE_REQUESTS.name()),
                intake.metrics().acceptedEvents(), indicatorRecords.get(),
                engine == null ? "" : ", engine " + engine.state());
    }

    /** The newest city-scope 15-minute value of each indicator, for the live display. */
    public List<String> indicatorLines() {
        Map<String, IndicatorValue> shown = new TreeMap<>();
        latest.forEach((key, value) -> {
            if (value.getScope().equals("city") && value.getWindow().equals("PT15M")) {
                shown.put(value.getCity() + " " + value.getIndicatorId(), value);
            }
        });
        Deque<String> lines = new ArrayDeque<>();
        shown.forEach((name, v) -> lines.add(String.format(Locale.ROOT, "    %-48s %8s %-5s (%s / %s, %s)", name,
                v.getKpiValue() == null ? "-" : String.format(Locale.ROOT, "%.1f", v.getKpiValue()), v.getUnit(),
                trim(v.getNumerator()), trim(v.getDenominator()), v.getFinal$() ? "final" : "live")));
        return List.copyOf(lines);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.2f", d);
    }

    private static String randomKey() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public void close() {
        // Woken up, not interrupted: an interrupted consumer fails its own close and logs it as an error.
        watcherStopping = true;
        if (watcherConsumer != null) {
            watcherConsumer.wakeup();
        }
        if (watcher != null) {
            try {
                watcher.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (AutoCloseable part : parts) {
            try {
                if (part instanceof IndicatorEngine e) {
                    e.close(Duration.ofSeconds(30));
                } else {
                    part.close();
                }
            } catch (Exception e) {
                // Keep closing the rest: a part that fails to stop must not leave the others running.
            }
        }
        parts.clear();
    }
}
