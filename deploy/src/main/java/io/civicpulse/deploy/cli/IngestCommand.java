package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.mobility.MobilityIngest;
import io.civicpulse.ingest.open311.Open311Ingest;
import io.civicpulse.ingest.open311.Open311Poller;
import io.civicpulse.schemas.topics.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse ingest}: polls one city's real feeds (GTFS static, GTFS-Realtime, GBFS, Open311) into any
 * Kafka and registry, as configured in the city's file. What a deployment runs next to its city's endpoints.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {"Polls a city's GTFS static, GTFS-Realtime, GBFS and Open311 feeds into Kafka, as the city"
                + " file says (city.id, city.time-zone, gtfs.static.url, gtfsrt.<feed>.url, gbfs.<operator>.url,"
                + " open311.url, ...). Stops cleanly on Ctrl+C or SIGTERM."})
final class IngestCommand implements Callable<Integer> {

    static final String READY_MARKER = "Ingest running for ";

    @Spec
    CommandSpec spec;

    @Option(names = "--city-config", required = true, description = "The city's feeds and settings (.properties or .json).")
    Path cityConfig;

    @Mixin
    KafkaOptions kafkaOptions;

    @Option(names = "--status-every", defaultValue = "10", paramLabel = "SECONDS",
            description = "Seconds between status lines (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> kafka = ClientSettings.clientOnly(kafkaOptions.settings(spec));
        CityConfig city;
        try {
            city = CityConfig.load(cityConfig);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), cityConfig + ": " + e.getMessage());
        }
        // The same keys in either format, so a JSON city file configures Open311 as a properties file does.
        Optional<Open311Poller.Settings> open311Settings = Open311Poller.Settings.fromProperties(
                CityConfig.loadProperties(cityConfig));

        MobilityIngest mobility = MobilityIngest.start(city, kafka);
        Open311Ingest open311 = open311Settings.map(s -> Open311Ingest.start(city, s, kafka, Clock.systemUTC()))
                .orElse(null);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (open311 != null) {
                open311.close();
            }
            mobility.close();
            stopped.countDown();
        }, "ingest-shutdown"));

        List<String> feeds = new ArrayList<>();
        if (city.gtfsStatic() != null) {
            feeds.add("GTFS static " + city.gtfsStatic().url());
        }
        city.realtimeFeeds().forEach(f -> feeds.add("GTFS-RT " + f.id() + " " + f.url()));
        city.gbfsFeeds().forEach(f -> feeds.add("GBFS " + f.id() + " " + f.url()));
        open311Settings.ifPresent(s -> feeds.add("Open311 " + s.baseUrl()));
        if (!city.districts().isEmpty()) {
            feeds.add("Districts " + city.districts().ids().size() + " from " + cityConfig.getFileName());
        }
        if (!city.population().isEmpty()) {
            feeds.add("Population " + city.population().byArea() + " as of " + city.population().asOf());
        }
        out.println(READY_MARKER + city.id() + " (" + city.zone() + "):");
        feeds.forEach(f -> out.println("  " + f));
        out.flush();
        StatusLine.every(Duration.ofSeconds(statusSeconds), out, () -> String.format(Locale.ROOT,
                "%s: published %d positions, %d trip updates, %d alerts, %d bike statuses, %d Open311 events;"
                        + " %d dead letters",
                city.id(),
                mobility.metrics().publishedCount(Topics.VEHICLE_POSITIONS.name()),
                mobility.metrics().publishedCount(Topics.TRIP_UPDATES.name()),
                mobility.metrics().publishedCount(Topics.SERVICE_ALERTS.name()),
                mobility.metrics().publishedCount(Topics.SHARED_VEHICLE_AVAILABILITY.name()),
                open311 == null ? 0 : open311.metrics().publishedCount(Topics.SERVICE_REQUESTS.name()),
                mobility.metrics().publishedCount(Topics.DEAD_LETTERS.name())
                        + (open311 == null ? 0 : open311.metrics().publishedCount(Topics.DEAD_LETTERS.name()))),
                stopped);
        return 0;
    }
}
