package io.civicpulse.deploy.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.replay.FeedRecorder;
import io.civicpulse.ingest.replay.FeedRecorder.Feed;
import io.civicpulse.ingest.replay.FeedRecorder.Source;
import io.civicpulse.ingest.replay.FeedRecorder.Stats;
import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.NetworkSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code civicpulse record}: records a city's feeds (a real city's URLs, or the built-in simulator) into a folder
 * that {@code civicpulse replay} serves back, each feed at its own interval and stored only when it changed.
 */
@Command(name = "record", mixinStandardHelpOptions = true,
        description = {"Records a city's GTFS static, GTFS-Realtime and GBFS feeds into DIR/{city}/... for"
                + " civicpulse replay: each feed at its interval, with conditional GET, a snapshot stored only when the"
                + " feed changed, bytes as the server sent them.",
                "With --from-simulator, records the built-in simulated city for a simulated span as fast as"
                        + " possible. Stops after --duration, or on Ctrl+C or SIGTERM."})
final class RecordCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The recording folder (created, or continued).")
    Path out;

    @Option(names = "--city", defaultValue = "sofia",
            description = "The city id the feeds are recorded under; with --from-simulator, the city to simulate"
                    + " (sofia or granada) (default ${DEFAULT-VALUE}).")
    String city;

    @Option(names = "--gtfs", paramLabel = "URL", description = "GTFS static zip.")
    URI gtfs;

    @Option(names = "--trip-updates", paramLabel = "URL", description = "GTFS-Realtime trip updates.")
    URI tripUpdates;

    @Option(names = "--vehicle-positions", paramLabel = "URL", description = "GTFS-Realtime vehicle positions.")
    URI vehiclePositions;

    @Option(names = "--alerts", paramLabel = "URL", description = "GTFS-Realtime service alerts.")
    URI alerts;

    @Option(names = "--gbfs", paramLabel = "URL",
            description = "A GBFS system's gbfs.json (v1/v2 or v3, told by its version field); every file it lists is recorded.")
    URI gbfs;

    @Option(names = "--interval", paramLabel = "FEED=DURATION",
            description = "A feed's polling interval, e.g. vehicle-positions=PT5S (defaults: gtfs PT6H, trip-updates PT15S,"
                    + " vehicle-positions PT10S, alerts PT60S, gbfs PT30S). Repeatable.")
    Map<String, String> intervals;

    @Option(names = "--duration", defaultValue = "PT1H",
            description = "How long to record (with --from-simulator: the simulated span) (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--from-simulator", description = "Record the built-in simulator instead of URLs, as fast as possible.")
    boolean fromSimulator;

    @Option(names = "--size", defaultValue = "small",
            description = "With --from-simulator: full, small or a number of routes (default ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--seed", defaultValue = "42", description = "With --from-simulator: the seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--start", paramLabel = "ISO-8601",
            description = "With --from-simulator: simulated start, e.g. 2026-03-31T08:00:00+03:00 (default: now).")
    String start;

    @Option(names = "--progress-every", defaultValue = "5", paramLabel = "SECONDS",
            description = "Seconds between progress lines (default ${DEFAULT-VALUE}).")
    int progressSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = spec.commandLine().getOut();
        Duration span = parseDuration("--duration", duration);
        Map<Feed, Duration> byFeed = intervals();
        if (fromSimulator) {
            return recordSimulation(console, span, byFeed);
        }
        List<Source> sources = sources(byFeed);
        FeedRecorder recorder;
        try {
            recorder = new FeedRecorder(out, city, sources, FeedFetcher.create(Clock.systemUTC()), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        console.printf(Locale.ROOT, "Recording %s into %s for %s:%n", city, recorder.cityDirectory(), span);
        for (Source s : sources) {
            console.printf(Locale.ROOT, "  %-18s every %-6s %s%n", s.feed().id(), s.interval(), s.url());
        }
        console.flush();
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                recorder.recordFor(span);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                failure.set(e);
            } finally {
                done.countDown();
            }
        }, "civicpulse-record");
        Thread hook = new Thread(() -> {
            recorder.close();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "civicpulse-record-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        worker.start();
        StatusLine.every(Duration.ofSeconds(Math.max(1, progressSeconds)), console,
                () -> "recorded " + stats(recorder.stats()), done);
        Runtime.getRuntime().removeShutdownHook(hook);
        if (failure.get() != null) {
            console.println("Recording stopped: " + failure.get().getMessage());
            console.flush();
            return 1;
        }
        console.println("Recorded " + stats(recorder.stats()) + " into " + recorder.cityDirectory());
        console.flush();
        return 0;
    }

    private int recordSimulation(PrintWriter console, Duration span, Map<Feed, Duration> byFeed) throws Exception {
        if (gtfs != null || tripUpdates != null || vehiclePositions != null || alerts != null || gbfs != null) {
            throw new ParameterException(spec.commandLine(), "--from-simulator records the simulator's own feeds;"
                    + " leave out the feed URLs");
        }
        CityProfile profile;
        NetworkSize networkSize;
        try {
            profile = CityProfile.named(city);
            networkSize = NetworkSize.parse(size);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Instant from = SimulatedStart.parse(spec.commandLine(), start);
        console.printf(Locale.ROOT, "Recording the simulated %s (%s size, seed %d) from %s for %s into %s%n",
                city, networkSize.name(), seed, from, span, out.resolve(city));
        console.flush();
        long period = Duration.ofSeconds(Math.max(1, progressSeconds)).toNanos();
        long[] nextLine = {System.nanoTime() + period};
        Stats stats = FeedRecorder.recordSimulation(out, profile, seed, networkSize, from, span, byFeed, at -> {
            if (System.nanoTime() >= nextLine[0]) {
                nextLine[0] = System.nanoTime() + period;
                console.println("simulated time " + at);
                console.flush();
            }
        });
        console.println("Recorded " + stats(stats) + " into " + out.resolve(city));
        console.flush();
        return 0;
    }

    private List<Source> sources(Map<Feed, Duration> byFeed) {
        Map<Feed, URI> urls = new EnumMap<>(Feed.class);
        put(urls, Feed.GTFS_STATIC, gtfs);
        put(urls, Feed.TRIP_UPDATES, tripUpdates);
        put(urls, Feed.VEHICLE_POSITIONS, vehiclePositions);
        put(urls, Feed.ALERTS, alerts);
        put(urls, Feed.GBFS, gbfs);
        if (urls.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "nothing to record: give feed URLs (--gtfs, --trip-updates,"
                    + " --vehicle-positions, --alerts, --gbfs) or --from-simulator");
        }
        List<Source> sources = new ArrayList<>();
        try {
            urls.forEach((feed, url) -> sources.add(new Source(feed, url, byFeed.getOrDefault(feed,
                    feed.defaultInterval()))));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return sources;
    }

    private static void put(Map<Feed, URI> urls, Feed feed, URI url) {
        if (url != null) {
            urls.put(feed, url);
        }
    }

    private Map<Feed, Duration> intervals() {
        Map<Feed, Duration> byFeed = new EnumMap<>(Feed.class);
        if (intervals != null) {
            intervals.forEach((feed, value) -> {
                try {
                    byFeed.put(Feed.byId(feed), parseDuration("--interval " + feed, value));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--interval: " + e.getMessage(), e);
                }
            });
        }
        return byFeed;
    }

    private Duration parseDuration(String option, String value) {
        try {
            Duration d = Duration.parse(value);
            if (d.isNegative() || d.isZero()) {
                throw new ParameterException(spec.commandLine(), option + " must be positive, got " + value);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), option + " must be an ISO-8601 duration like PT1H,"
                    + " got '" + value + "'", e);
        }
    }

    private static String stats(Stats s) {
        return String.format(Locale.ROOT, "%d snapshots (%d fetches, %d unchanged, %d failed)", s.stored(),
                s.fetches(), s.unchanged(), s.failures());
    }
}
