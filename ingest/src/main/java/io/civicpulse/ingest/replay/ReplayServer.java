package io.civicpulse.ingest.replay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.ingest.replay.Recording.Snapshot;
import io.civicpulse.ingest.replay.Recording.Track;
import io.civicpulse.ingest.replay.RecordingLayout.GbfsFile;
import io.civicpulse.ingest.simulator.FeedHttp;
import io.civicpulse.ingest.simulator.ServedFeed;
import io.civicpulse.ingest.simulator.SimulatorServer.FeedUrls;

/**
 * Serves a {@link Recording} over HTTP at the simulator's paths ({@code /{city}/gtfs.zip},
 * {@code /{city}/gtfs-rt/trip-updates.pb}, {@code /{city}/gbfs/v3/gbfs.json}, ...), so a city file written for
 * the simulator or for the real city works unchanged against a recorded day. Each path answers the latest
 * snapshot fetched at or before the replay clock (a path asked for before its first snapshot gets that first
 * one: a recorder fetches every feed within moments of starting, and a 404 there would be an error that never
 * happened), with ETag and Last-Modified, and 304 to a conditional GET of what the client already has.
 *
 * <p>The replay clock stands at the first snapshot until the first feed request, then either runs at a speed
 * factor of real time, or, as fast as possible, steps from one snapshot's time to the next as soon as every
 * polled feed (GTFS-Realtime, GBFS status files) whose snapshot the step would supersede has been fetched at
 * least once: pollers then see every snapshot of the feeds they poll, in order, and none is skipped however slow
 * they are. {@link #progress()} says where the replay is; {@link #completion()} completes once the clock reached
 * the last snapshot (and, as fast as possible, the last snapshots were fetched). The server keeps serving the
 * last state until closed.
 */
public final class ReplayServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplayServer.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** How fast recorded time passes: a factor of real time, or as fast as the pollers take the snapshots. */
    public record Pace(double speed) {

        public static final Pace AS_FAST_AS_POSSIBLE = new Pace(Double.POSITIVE_INFINITY);

        public Pace {
            if (!(speed > 0)) {
                throw new IllegalArgumentException("speed must be a positive factor of real time, got " + speed);
            }
        }

        /** {@code factor} recorded seconds per real second: 1 replays in real time, 60 an hour a minute. */
        public static Pace ofSpeed(double factor) {
            if (Double.isInfinite(factor)) {
                throw new IllegalArgumentException("speed must be finite; use AS_FAST_AS_POSSIBLE");
            }
            return new Pace(factor);
        }

        public boolean isAsFastAsPossible() {
            return Double.isInfinite(speed);
        }

        @Override
        public String toString() {
            return isAsFastAsPossible() ? "as fast as possible" : String.format(Locale.ROOT, "%sx",
                    speed == Math.rint(speed) ? String.valueOf((long) speed) : String.valueOf(speed));
        }
    }

    /**
     * Where a replay is.
     *
     * @param position         the replay clock
     * @param step             index of the snapshot time the clock is at (0 to {@code steps - 1})
     * @param snapshotsServed  snapshots answered at least once (200, or 304 to a client that had it)
     * @param snapshotsSkipped snapshots of polled feeds superseded before anyone fetched them: pollers too slow for
     *                         the speed (always 0 as fast as possible)
     * @param waitingFor       as fast as possible: the paths that must be fetched before the clock moves on
     */
    public record Progress(Instant position, Instant first, Instant last, int step, int steps, int snapshotsServed,
                           int snapshots, int snapshotsSkipped, List<String> waitingFor, boolean complete) {
    }

    /** One served path: its snapshots and which of them were answered. Guarded by the server's lock. */
    private final class Feed {
        final Track track;
        final long[] at;
        final boolean[] served;
        private ServedFeed cached;
        private int cachedIndex = -1;
        private String cachedRoot;

        Feed(Track track) {
            this.track = track;
            this.at = track.snapshots().stream()
                    .mapToLong(s -> s.at() == null ? Long.MIN_VALUE : s.at().toEpochMilli()).toArray();
            this.served = new boolean[at.length];
        }

        /** The snapshot current at {@code millis}: the last fetched at or before it, else the first. */
        int indexAt(long millis) {
            int i = Arrays.binarySearch(at, millis);
            int last = i >= 0 ? i : -i - 2;
            // Equal timestamps cannot occur within one feed (file names are unique), so i is the only match.
            return Math.max(0, last);
        }

        /** The snapshot's bytes as served, GBFS discovery pointed at {@code gbfsRoot}. */
        synchronized ServedFeed load(int index, String gbfsRoot) throws IOException {
            if (index == cachedIndex && Objects.equals(gbfsRoot, cachedRoot)) {
                return cached;
            }
            Snapshot snapshot = track.snapshots().get(index);
            byte[] body = Files.readAllBytes(snapshot.file());
            GbfsFile gbfs = track.feed().gbfsFile().orElse(null);
            if (gbfs != null) {
                body = GbfsLinks.rewrite(body, gbfs.version(), gbfs.file(), gbfsRoot);
            }
            cached = ServedFeed.of(body, track.feed().contentType(), snapshot.at() == null ? first : snapshot.at());
            cachedIndex = index;
            cachedRoot = gbfsRoot;
            return cached;
        }
    }

    private final Recording recording;
    private final Pace pace;
    private final ReplayClock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService ticker;
    private final URI base;
    private final Map<String, Feed> feeds = new LinkedHashMap<>();
    private final List<Feed> paced = new ArrayList<>();
    private final long[] steps;
    private final Instant first;
    private final Instant last;
    private final int snapshots;
    private final CompletableFuture<Progress> completion = new CompletableFuture<>();

    // Guarded by this.
    private int step;
    private int snapshotsServed;
    private boolean complete;

    private ReplayServer(HttpServer server, ExecutorService executor, Recording recording, Pace pace,
                         LongSupplier nanoTime) {
        this.server = server;
        this.executor = executor;
        this.recording = recording;
        this.pace = pace;
        this.first = recording.first();
        this.last = recording.last();
        this.clock = pace.isAsFastAsPossible() ? ReplayClock.stepped(first)
                : ReplayClock.running(first, pace.speed(), nanoTime);
        TreeSet<Long> times = new TreeSet<>();
        int count = 0;
        for (Track track : recording.tracks()) {
            Feed feed = new Feed(track);
            feeds.put(track.path(), feed);
            if (track.feed().paced()) {
                paced.add(feed);
            }
            for (long t : feed.at) {
                if (t != Long.MIN_VALUE) {
                    times.add(t);
                }
            }
            count += feed.at.length;
        }
        this.snapshots = count;
        this.steps = times.stream().mapToLong(Long::longValue).toArray();
        InetSocketAddress address = server.getAddress();
        this.base = URI.create("http://" + address.getHostString() + ":" + address.getPort());
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "replay-clock");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts serving the recording; port 0 picks a free port. The clock starts with the first feed request. */
    public static ReplayServer start(String host, int port, Recording recording, Pace pace) throws IOException {
        return start(host, port, recording, pace, System::nanoTime);
    }

    static ReplayServer start(String host, int port, Recording recording, Pace pace, LongSupplier nanoTime)
            throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "replay-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ReplayServer replay = new ReplayServer(http, executor, recording, pace, nanoTime);
        http.createContext("/", replay::handle);
        http.setExecutor(executor);
        http.start();
        if (!pace.isAsFastAsPossible()) {
            // A running clock reaches the end with or without requests; this notices it.
            replay.ticker.scheduleWithFixedDelay(replay::checkComplete, 100, 100, TimeUnit.MILLISECONDS);
        }
        return replay;
    }

    public URI baseUri() {
        return base;
    }

    public Recording recording() {
        return recording;
    }

    public Pace pace() {
        return pace;
    }

    /** The replay clock: pollers of this replay should run on it, so feed ages and future timestamps are judged by recorded time. */
    public Clock clock() {
        return clock;
    }

    /** The URLs of a city's recorded feeds; a feed that was not recorded is null. */
    public FeedUrls urls(String city) {
        if (!recording.cities().contains(city)) {
            throw new IllegalArgumentException("no city " + city + " in the recording; it holds " + recording.cities());
        }
        return new FeedUrls(city, url(city, "gtfs.zip"), url(city, "gtfs-rt/trip-updates.pb"),
                url(city, "gtfs-rt/vehicle-positions.pb"), url(city, "gtfs-rt/alerts.pb"),
                url(city, "gbfs/v2/gbfs.json"), url(city, "gbfs/v3/gbfs.json"));
    }

    private URI url(String city, String path) {
        String full = "/" + city + "/" + path;
        return feeds.containsKey(full) ? URI.create(base + full) : null;
    }

    /** Completes, with the final progress, when the replay reached the end of the recording. */
    public CompletableFuture<Progress> completion() {
        return completion.copy();
    }

    public synchronized Progress progress() {
        long now = clock.millis();
        int at = clock.isStepped() ? step : Math.max(0, upperIndex(steps, now));
        int skipped = 0;
        for (Feed f : paced) {
            int current = f.indexAt(now);
            for (int i = 0; i < current; i++) {
                if (!f.served[i]) {
                    skipped++;
                }
            }
        }
        return new Progress(Instant.ofEpochMilli(now), first, last, at, steps.length, snapshotsServed, snapshots,
                skipped, waitingFor(), complete);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        ticker.shutdownNow();
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
                FeedHttp.send(exchange, ServedFeed.of(index(), ServedFeed.JSON, clock.instant()));
                return;
            }
            Feed feed = feeds.get(path);
            if (feed == null) {
                FeedHttp.error(exchange, 404, "no feed at " + path + " in the recording " + recording.directory()
                        + "; see " + base + "/ for the feed URLs");
                return;
            }
            clock.start();
            int index;
            synchronized (this) {
                index = feed.indexAt(clock.millis());
            }
            ServedFeed served;
            try {
                served = feed.load(index, gbfsRoot(exchange, feed.track.city()));
            } catch (IOException e) {
                log.warn("replay cannot read snapshot {}", feed.track.snapshots().get(index).file(), e);
                FeedHttp.error(exchange, 500, "snapshot " + feed.track.snapshots().get(index).file()
                        + " cannot be read: " + e);
                return;
            }
            FeedHttp.send(exchange, served);
            if (method.equals("GET")) {
                // Counted once the answer went out: a client that hung up mid-answer did not see the snapshot.
                served(feed, index);
            }
        } catch (RuntimeException e) {
            log.warn("replay failed to answer {}", exchange.getRequestURI(), e);
            FeedHttp.error(exchange, 500, "replay error: " + e);
        }
    }

    private String gbfsRoot(HttpExchange exchange, String city) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        return (host == null ? base.toString() : "http://" + host) + "/" + city + "/gbfs";
    }

    private void served(Feed feed, int index) {
        synchronized (this) {
            if (!feed.served[index]) {
                feed.served[index] = true;
                snapshotsServed++;
            }
            if (clock.isStepped()) {
                advance();
            }
        }
        checkComplete();
    }

    /** Steps the clock on while no polled feed would lose a snapshot nobody fetched. Caller holds the lock. */
    private void advance() {
        while (step < steps.length - 1 && blocking(steps[step], steps[step + 1]).isEmpty()) {
            step++;
            clock.stepTo(Instant.ofEpochMilli(steps[step]));
        }
    }

    /** The polled feeds whose snapshot current at {@code now} is superseded at {@code next} and was never fetched. */
    private List<String> blocking(long now, long next) {
        List<String> waiting = new ArrayList<>();
        for (Feed f : paced) {
            int current = f.indexAt(now);
            if ((next == Long.MAX_VALUE || f.indexAt(next) != current) && !f.served[current]) {
                waiting.add(f.track.path());
            }
        }
        return waiting;
    }

    /** Caller holds the lock. */
    private List<String> waitingFor() {
        if (!clock.isStepped() || complete) {
            return List.of();
        }
        return blocking(steps[step], step < steps.length - 1 ? steps[step + 1] : Long.MAX_VALUE);
    }

    private void checkComplete() {
        Progress done = null;
        synchronized (this) {
            if (!complete) {
                complete = clock.isStepped() ? step == steps.length - 1 && waitingFor().isEmpty()
                        : clock.millis() >= last.toEpochMilli();
                if (complete) {
                    done = progress();
                }
            }
        }
        if (done != null) {
            ticker.shutdown();
            completion.complete(done);
        }
    }

    /** The index of the last element of a sorted array at or below {@code value}, or -1. */
    private static int upperIndex(long[] sorted, long value) {
        int i = Arrays.binarySearch(sorted, value);
        return i >= 0 ? i : -i - 2;
    }

    private byte[] index() {
        Progress p = progress();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode replay = root.putObject("replay");
        replay.put("recording", recording.directory().toString())
                .put("pace", pace.toString())
                .put("position", p.position().toString())
                .put("first", p.first().toString())
                .put("last", p.last().toString())
                .put("step", p.step())
                .put("steps", p.steps())
                .put("snapshots_served", p.snapshotsServed())
                .put("snapshots", p.snapshots())
                .put("snapshots_skipped", p.snapshotsSkipped())
                .put("complete", p.complete());
        replay.putArray("waiting_for").addAll(p.waitingFor().stream().map(JSON.getNodeFactory()::textNode).toList());
        ObjectNode cities = root.putObject("cities");
        for (String city : recording.cities()) {
            ObjectNode c = cities.putObject(city);
            for (Feed f : feeds.values()) {
                if (f.track.city().equals(city)) {
                    c.put(f.track.feed().name(), base + f.track.path());
                }
            }
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }
}
