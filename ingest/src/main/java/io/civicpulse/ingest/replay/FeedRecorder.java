package io.civicpulse.ingest.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.civicpulse.ingest.city.FeedEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.UrlPolicy;
import io.civicpulse.ingest.poll.FetchException;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.ingest.replay.RecordingLayout.FeedPath;
import io.civicpulse.ingest.simulator.CityProfile;
import io.civicpulse.ingest.simulator.CitySimulation;
import io.civicpulse.ingest.simulator.NetworkSize;
import io.civicpulse.ingest.simulator.SimulationClock;
import io.civicpulse.ingest.simulator.SimulatorServer;
import io.civicpulse.ingest.simulator.SimulatorServer.FeedUrls;

/**
 * Records a city's live feeds (a real city's, or the simulator's) into the recording layout that {@link Recording}
 * reads and {@link ReplayServer} serves: each feed fetched at its own interval with conditional GET, and a new
 * snapshot stored only when the content changed, so an unchanged feed costs no disk. Whatever the server sends is
 * stored as it is, including bytes that are not protobuf or JSON: a recording of a bad day must replay the bad
 * input. A feed that cannot be fetched (HTTP error, timeout) is counted, logged once per change of state, and
 * tried again at its next interval; the others go on.
 *
 * <p>Snapshots are stamped with the recorder's clock when they arrived: wall time for a live recording, or the
 * simulated time of a {@link SimulationClock} driven by {@link #recordSimulated}, which records a simulated span
 * as fast as the simulator answers.
 */
public final class FeedRecorder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FeedRecorder.class);

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Duration STATIC_DEADLINE = Duration.ofMinutes(5);

    /** What can be recorded, with the polling interval used unless another is given. */
    public enum Feed {
        GTFS_STATIC("gtfs", Duration.ofHours(6)),
        TRIP_UPDATES("trip-updates", Duration.ofSeconds(15)),
        VEHICLE_POSITIONS("vehicle-positions", Duration.ofSeconds(10)),
        ALERTS("alerts", Duration.ofSeconds(60)),
        /** A GBFS system by its {@code gbfs.json}; every file it lists is recorded. */
        GBFS("gbfs", Duration.ofSeconds(30));

        private final String id;
        private final Duration defaultInterval;

        Feed(String id, Duration defaultInterval) {
            this.id = id;
            this.defaultInterval = defaultInterval;
        }

        public String id() {
            return id;
        }

        public Duration defaultInterval() {
            return defaultInterval;
        }

        public static Feed byId(String id) {
            for (Feed f : values()) {
                if (f.id.equals(id)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("no feed '" + id + "'; feeds are gtfs, trip-updates,"
                    + " vehicle-positions, alerts and gbfs");
        }
    }

    /** One feed to record: where it is and how often to fetch it. */
    public record Source(Feed feed, URI url, Duration interval) {
        public Source {
            Objects.requireNonNull(feed, "feed");
            Objects.requireNonNull(url, "url");
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException(feed.id() + ": the interval must be positive, got " + interval);
            }
        }

        public Source(Feed feed, URI url) {
            this(feed, url, feed.defaultInterval());
        }
    }

    /**
     * What a recorder did so far.
     *
     * @param fetches   requests made
     * @param stored    snapshots written
     * @param unchanged answers not stored: 304, or the same content as the feed's last snapshot
     * @param failures  fetches that got no answer to store (HTTP error, timeout, unreachable)
     */
    public record Stats(long fetches, long stored, long unchanged, long failures) {
    }

    /** A source's schedule and conditional-GET state. */
    private static final class Due {
        final Source source;
        Instant next;
        final Map<URI, FeedFetcher.Validators> validators = new HashMap<>();
        /** GBFS: the version its discovery declared last, and the files it listed. */
        Integer gbfsVersion;
        Map<String, URI> gbfsFiles = Map.of();

        Due(Source source) {
            this.source = source;
        }
    }

    private final Path cityDir;
    private final String city;
    private final List<Due> schedule = new ArrayList<>();
    private final FeedFetcher fetcher;
    private final Clock clock;
    private final StateChangeLog states;
    /** Per recorded feed, the digest of its last snapshot, so content that did not change is not stored again. */
    private final Map<String, String> lastDigest = new HashMap<>();
    private final AtomicLong fetches = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong unchanged = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final CountDownLatch closed = new CountDownLatch(1);

    /**
     * @param directory the recording's root; the city's feeds go under {@code directory/city}. An existing
     *                  recording is continued: its newest snapshot of each feed counts as the last one stored.
     * @param clock     stamps the snapshots and says which feeds are due
     */
    public FeedRecorder(Path directory, String city, List<Source> sources, FeedFetcher fetcher, Clock clock,
                        StateChangeLog states) {
        if (!RecordingLayout.CITY.matcher(city).matches()) {
            throw new IllegalArgumentException("city id '" + city + "' must be lower-case letters, digits and '-'");
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("nothing to record: no feed given");
        }
        List<Feed> seen = new ArrayList<>();
        for (Source s : sources) {
            if (seen.contains(s.feed()) && s.feed() != Feed.GBFS) {
                throw new IllegalArgumentException(s.feed().id() + " is given twice");
            }
            seen.add(s.feed());
        }
        this.cityDir = directory.resolve(city);
        this.city = city;
        this.fetcher = fetcher;
        this.clock = clock;
        this.states = states;
        Instant now = clock.instant();
        for (Source s : sources) {
            Due due = new Due(s);
            due.next = now;
            schedule.add(due);
        }
    }

    public FeedRecorder(Path directory, String city, List<Source> sources, FeedFetcher fetcher, Clock clock) {
        this(directory, city, sources, fetcher, clock, new StateChangeLog());
    }

    /** The sources of a simulated city as the simulator serves it: static, realtime and GBFS 3.0. */
    public static List<Source> simulatorSources(FeedUrls urls, Map<Feed, Duration> intervals) {
        Map<Feed, URI> byFeed = new EnumMap<>(Feed.class);
        byFeed.put(Feed.GTFS_STATIC, urls.gtfsStatic());
        byFeed.put(Feed.TRIP_UPDATES, urls.tripUpdates());
        byFeed.put(Feed.VEHICLE_POSITIONS, urls.vehiclePositions());
        byFeed.put(Feed.ALERTS, urls.alerts());
        byFeed.put(Feed.GBFS, urls.gbfsV3());
        List<Source> sources = new ArrayList<>();
        byFeed.forEach((feed, url) -> sources.add(new Source(feed, url,
                intervals.getOrDefault(feed, feed.defaultInterval()))));
        return sources;
    }

    /**
     * Records a simulated city for a simulated span, as fast as the simulator answers: a simulator on loopback on
     * a manual clock that the recorder moves from one due feed to the next.
     *
     * @param afterEach called with the simulated time after each round of fetches, for progress
     */
    public static Stats recordSimulation(Path directory, CityProfile profile, long seed, NetworkSize size,
                                         Instant start, Duration span, Map<Feed, Duration> intervals,
                                         Consumer<Instant> afterEach) throws IOException {
        SimulationClock clock = SimulationClock.manual(start);
        CitySimulation simulation = CitySimulation.create(profile, seed, size, clock);
        try (SimulatorServer simulator = SimulatorServer.start("127.0.0.1", 0, List.of(simulation));
             FeedRecorder recorder = new FeedRecorder(directory, simulation.id(),
                     simulatorSources(simulator.urls(simulation.id()), intervals), FeedFetcher.create(clock), clock)) {
            recorder.recordSimulated(clock, start.plus(span), afterEach);
            return recorder.stats();
        }
    }

    public Path cityDirectory() {
        return cityDir;
    }

    /** When the next feed is due. */
    public synchronized Instant nextDue() {
        return schedule.stream().map(d -> d.next).min(Comparator.naturalOrder()).orElseThrow();
    }

    /**
     * Fetches every feed due at the clock's time and stores what changed.
     *
     * @return the feeds that were due (and fetched, successfully or not)
     */
    public synchronized List<Feed> recordDue() {
        Instant now = clock.instant();
        List<Feed> due = new ArrayList<>();
        for (Due d : schedule) {
            if (d.next.isAfter(now)) {
                continue;
            }
            due.add(d.source.feed());
            try {
                switch (d.source.feed()) {
                    case GTFS_STATIC -> recordStatic(d);
                    case GBFS -> recordGbfs(d);
                    default -> recordFile(d, d.source.url(), FeedPath.realtime(d.source.feed().id()), false);
                }
                states.healthy(subject(d), "recording again");
            } catch (FetchException e) {
                failures.incrementAndGet();
                states.failing(subject(d), e.reason(), e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the recording under " + cityDir, e);
            }
            // Fixed rate from the first fetch; a recorder that fell behind skips the rounds it missed.
            while (!d.next.isAfter(now)) {
                d.next = d.next.plus(d.source.interval());
            }
        }
        return due;
    }

    /**
     * Records live until {@code duration} passed on the clock or {@link #close()} was called, fetching each feed
     * when it is due.
     */
    public void recordFor(Duration duration) throws InterruptedException {
        Instant end = clock.instant().plus(duration);
        while (clock.instant().isBefore(end)) {
            recordDue();
            Instant next = nextDue();
            Instant wake = next.isBefore(end) ? next : end;
            long millis = Duration.between(clock.instant(), wake).toMillis();
            if (millis > 0 && closed.await(millis, TimeUnit.MILLISECONDS)) {
                return;
            }
            if (closed.getCount() == 0) {
                return;
            }
        }
    }

    /**
     * Records a span of simulated time as fast as possible: moves {@code simulated} (the clock this recorder
     * stamps with, a manual one) to each feed's due time before {@code end} and records it there.
     */
    public void recordSimulated(SimulationClock simulated, Instant end, Consumer<Instant> afterEach) {
        if (!simulated.isManual() || simulated != clock) {
            throw new IllegalArgumentException("a simulated recording needs the recorder's own manual clock");
        }
        while (closed.getCount() > 0) {
            Instant next = nextDue();
            if (!next.isBefore(end)) {
                return;
            }
            if (next.isAfter(simulated.instant())) {
                simulated.set(next);
            }
            recordDue();
            afterEach.accept(next);
        }
    }

    public Stats stats() {
        return new Stats(fetches.get(), stored.get(), unchanged.get(), failures.get());
    }

    /** Stops a running {@link #recordFor}. */
    @Override
    public void close() {
        closed.countDown();
    }

    private String subject(Due d) {
        return city + "/record/" + d.source.feed().id();
    }

    /**
     * Fetches one file and stores it as a snapshot of {@code feed} when it changed.
     *
     * @param ignoreTimestamps compare content without {@code last_updated} and {@code ttl} (GBFS files that only
     *                         restamp themselves on every fetch)
     */
    private void recordFile(Due d, URI url, FeedPath feed, boolean ignoreTimestamps)
            throws FetchException, IOException {
        fetches.incrementAndGet();
        FeedFetcher.Result result = fetcher.fetch(new FeedEndpoint("recorder", url, d.source.interval()),
                d.validators.getOrDefault(url, FeedFetcher.Validators.NONE));
        if (!(result instanceof FeedFetcher.Fetched fetched)) {
            unchanged.incrementAndGet();
            return;
        }
        d.validators.put(url, fetched.validators());
        storeIfChanged(feed, fetched, ignoreTimestamps);
    }

    private void recordStatic(Due d) throws FetchException, IOException {
        FeedPath feed = FeedPath.staticZip();
        Files.createDirectories(cityDir);
        Path download = cityDir.resolve("gtfs-download.zip" + RecordingLayout.PARTIAL_SUFFIX);
        fetches.incrementAndGet();
        FeedFetcher.Result result;
        try {
            result = fetcher.fetchToFile(new FeedEndpoint("recorder", d.source.url(), d.source.interval(),
                    STATIC_DEADLINE), d.validators.getOrDefault(d.source.url(), FeedFetcher.Validators.NONE),
                    download, STATIC_DEADLINE);
        } catch (FetchException e) {
            Files.deleteIfExists(download);
            throw e;
        }
        if (!(result instanceof FeedFetcher.Fetched fetched)) {
            unchanged.incrementAndGet();
            return;
        }
        d.validators.put(d.source.url(), fetched.validators());
        String digest = sha256(download);
        if (digest.equals(lastDigest(feed, false))) {
            Files.delete(download);
            unchanged.incrementAndGet();
            return;
        }
        boolean firstZip = !Files.exists(cityDir.resolve(RecordingLayout.STATIC_ZIP));
        Path target = RecordingLayout.staticZip(cityDir, fetched.receivedAt(), firstZip);
        Files.move(download, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        lastDigest.put(feed.name(), digest);
        stored.incrementAndGet();
    }

    private void recordGbfs(Due d) throws FetchException, IOException {
        URI discoveryUrl = d.source.url();
        // Which version folder the discovery goes to is known only once it is read: guess from the URL until then.
        int guess = d.gbfsVersion != null ? d.gbfsVersion
                : discoveryUrl.getPath().contains("v3") || discoveryUrl.getPath().contains("3.") ? 3 : 2;
        fetches.incrementAndGet();
        FeedFetcher.Result result = fetcher.fetch(new FeedEndpoint("recorder", discoveryUrl, d.source.interval()),
                d.validators.getOrDefault(discoveryUrl, FeedFetcher.Validators.NONE));
        if (result instanceof FeedFetcher.Fetched fetched) {
            d.validators.put(discoveryUrl, fetched.validators());
            JsonNode root = readJson(fetched.body());
            if (root != null) {
                d.gbfsVersion = root.path("version").asText("2").startsWith("3") ? 3 : 2;
                d.gbfsFiles = listedFiles(root, new FeedEndpoint("recorder", discoveryUrl, d.source.interval()));
            }
            int version = d.gbfsVersion != null ? d.gbfsVersion : guess;
            storeIfChanged(FeedPath.gbfs(version, "gbfs"), fetched, true);
        } else {
            unchanged.incrementAndGet();
        }
        if (d.gbfsVersion == null) {
            return;
        }
        List<FetchException> failed = new ArrayList<>();
        for (Map.Entry<String, URI> file : d.gbfsFiles.entrySet()) {
            FeedPath feed = FeedPath.gbfs(d.gbfsVersion, file.getKey());
            try {
                recordFile(d, file.getValue(), feed, !feed.paced());
            } catch (FetchException e) {
                // One missing file does not keep the others of the system from being recorded.
                failed.add(e);
            }
        }
        if (!failed.isEmpty()) {
            // recordDue counts the one it is handed.
            failures.addAndGet(failed.size() - 1L);
            throw failed.get(0);
        }
    }

    private void storeIfChanged(FeedPath feed, FeedFetcher.Fetched fetched, boolean ignoreTimestamps)
            throws IOException {
        byte[] body = fetched.body();
        String digest = sha256(ignoreTimestamps ? withoutTimestamps(body) : body);
        if (digest.equals(lastDigest(feed, ignoreTimestamps))) {
            unchanged.incrementAndGet();
            return;
        }
        Path file = feed.snapshotFile(cityDir, fetched.receivedAt());
        for (Instant at = fetched.receivedAt(); Files.exists(file); at = at.plusMillis(1)) {
            file = feed.snapshotFile(cityDir, at.plusMillis(1));
        }
        write(file, body);
        lastDigest.put(feed.name(), digest);
        stored.incrementAndGet();
    }

    /** The files a GBFS discovery lists (v3 {@code data.feeds}; v1/v2 the first language's), by name. */
    private static Map<String, URI> listedFiles(JsonNode root, FeedEndpoint discovery) {
        JsonNode data = root.path("data");
        JsonNode feeds = data.path("feeds");
        if (!feeds.isArray()) {
            Iterator<JsonNode> languages = data.elements();
            feeds = languages.hasNext() ? languages.next().path("feeds") : JSON.missingNode();
        }
        Map<String, URI> files = new LinkedHashMap<>();
        for (JsonNode f : feeds) {
            String name = f.path("name").asText("");
            if (!name.equals("gbfs") && RecordingLayout.GBFS_FILE.matcher(name).matches()) {
                try {
                    files.put(name, UrlPolicy.listed(discovery, discovery.url(), f.path("url").asText()).url());
                } catch (FetchException e) {
                    // A file with an unusable URL, or one where the recorder must not go (file:, another host),
                    // is not recorded; the others are.
                    log.warn("not recording {}: {}", name, e.getMessage());
                }
            }
        }
        return files;
    }

    /** The digest of the newest snapshot of the feed: from this run, else from a recording being continued. */
    private String lastDigest(FeedPath feed, boolean ignoreTimestamps) throws IOException {
        String known = lastDigest.get(feed.name());
        if (known != null) {
            return known;
        }
        Optional<Path> newest = newestOnDisk(feed);
        if (newest.isEmpty()) {
            return null;
        }
        String digest = feed.extension().equals("zip") ? sha256(newest.get())
                : sha256(ignoreTimestamps ? withoutTimestamps(Files.readAllBytes(newest.get()))
                : Files.readAllBytes(newest.get()));
        lastDigest.put(feed.name(), digest);
        return digest;
    }

    private Optional<Path> newestOnDisk(FeedPath feed) throws IOException {
        Path folder = feed.extension().equals("zip") ? cityDir : feed.directory(cityDir);
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> snapshotTime(feed, p.getFileName().toString()) != null)
                    .max(Comparator.comparing(p -> snapshotTime(feed, p.getFileName().toString())));
        }
    }

    /** When a file of the feed was fetched, or null when it is not one of its snapshots. */
    private static Long snapshotTime(FeedPath feed, String fileName) {
        if (feed.extension().equals("zip")) {
            if (fileName.equals(RecordingLayout.STATIC_ZIP)) {
                return Long.MIN_VALUE;
            }
            var m = RecordingLayout.STATIC_VERSION.matcher(fileName);
            return m.matches() ? Long.parseLong(m.group(1)) : null;
        }
        String suffix = "." + feed.extension();
        String stem = fileName.endsWith(suffix) ? fileName.substring(0, fileName.length() - suffix.length()) : "";
        return stem.matches("\\d{1,18}") ? Long.parseLong(stem) : null;
    }

    private static void write(Path file, byte[] body) throws IOException {
        Files.createDirectories(file.getParent());
        // Written aside and moved in, so a replay reading the folder meanwhile never sees half a snapshot.
        Path partial = file.resolveSibling(file.getFileName() + RecordingLayout.PARTIAL_SUFFIX);
        Files.write(partial, body);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private static JsonNode readJson(byte[] body) {
        try {
            JsonNode root = JSON.readTree(body);
            return root != null && root.isObject() ? root : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The document without its {@code last_updated} and {@code ttl}; the bytes themselves when not JSON. */
    private static byte[] withoutTimestamps(byte[] body) {
        JsonNode root = readJson(body);
        if (!(root instanceof ObjectNode object)) {
            return body;
        }
        object.remove("last_updated");
        object.remove("ttl");
        return object.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] body) {
        return HexFormat.of().formatHex(digest().digest(body));
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "FeedRecorder[%s -> %s]", city, cityDir);
    }
}
