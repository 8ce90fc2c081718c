package io.civicpulse.ingest.mobility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.civicpulse.ingest.gbfs.GbfsPoller;
import io.civicpulse.ingest.gtfs.GtfsStaticLoader;
import io.civicpulse.ingest.gtfs.ScheduleIndex;
import io.civicpulse.ingest.gtfsrt.GtfsRtPoller;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.EventPublisher;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.PopulationPublication;
import io.civicpulse.ingest.publish.Publisher;
import io.civicpulse.ingest.publish.StateChangeLog;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.city.FeedEndpoint;
import io.civicpulse.ingest.poll.Backoff;
import io.civicpulse.ingest.poll.FeedFetcher;
import io.civicpulse.ingest.poll.PollLoop;

/**
 * A city's mobility ingest, running: the static GTFS loader, a poller per GTFS-Realtime feed and per GBFS
 * system, each at its own interval with backoff, all publishing through one idempotent producer, and the city
 * file's population figures (reference data, like the static schedule). The realtime
 * pollers start once the first static load was attempted, so that Sofia's absolute-time predictions find their
 * schedule from the first poll. This is what {@code civicpulse ingest} and {@code civicpulse local} start.
 */
public final class MobilityIngest implements AutoCloseable {

    /** A feed that fails keeps being retried at least this often. */
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final CityConfig city;
    private final IngestMetrics metrics;
    private final AutoCloseable ownedPublisher;
    private final ScheduledExecutorService scheduler;
    private final List<PollLoop> loops = new ArrayList<>();
    private final GtfsStaticLoader staticLoader;
    private final Path workDir;

    private MobilityIngest(CityConfig city, Publisher publisher, IngestMetrics metrics, AutoCloseable ownedPublisher,
                           Clock clock) {
        this.city = city;
        this.metrics = metrics;
        this.ownedPublisher = ownedPublisher;
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "civicpulse-ingest-" + city.id() + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            this.workDir = Files.createTempDirectory("civicpulse-gtfs-" + city.id() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory for the static feed", e);
        }
        FeedFetcher fetcher = FeedFetcher.create(clock);
        DeadLetters deadLetters = new DeadLetters(publisher, metrics, clock);
        StateChangeLog states = new StateChangeLog();
        this.staticLoader = city.gtfsStatic() == null ? null : new GtfsStaticLoader(city, city.gtfsStatic(), fetcher,
                publisher, deadLetters, metrics, clock, states, workDir);

        if (!city.population().isEmpty()) {
            // Until the broker has them, the per-100k indicators have no denominator: retried every 30 s, then idle.
            start(city.id() + "/population", new Backoff(Duration.ofSeconds(30), MAX_BACKOFF),
                    new PopulationPublication(city, publisher)::run);
        }
        List<Runnable> realtime = new ArrayList<>();
        for (FeedEndpoint feed : city.realtimeFeeds()) {
            Duration staleAfter = max(feed.interval().multipliedBy(3), Duration.ofSeconds(60));
            GtfsRtPoller poller = new GtfsRtPoller(city, feed, fetcher, this::schedule, publisher, deadLetters,
                    metrics, states, clock, staleAfter);
            realtime.add(() -> start(city.id() + "/" + feed.id(), feed, poller::poll));
        }
        for (FeedEndpoint feed : city.gbfsFeeds()) {
            GbfsPoller poller = new GbfsPoller(city, feed, fetcher, publisher, deadLetters, metrics, states, clock);
            start(city.id() + "/" + feed.id(), feed, poller::poll);
        }
        if (staticLoader == null) {
            realtime.forEach(Runnable::run);
        } else {
            AtomicBoolean realtimeStarted = new AtomicBoolean();
            start(city.id() + "/" + city.gtfsStatic().id(), city.gtfsStatic(), () -> {
                boolean ok = staticLoader.poll();
                if (realtimeStarted.compareAndSet(false, true)) {
                    realtime.forEach(Runnable::run);
                }
                return ok;
            });
        }
    }

    /**
     * Starts a city's mobility ingest with its own Kafka producer.
     *
     * @param kafkaConfig producer and serde settings: {@code bootstrap.servers}, {@code schema.registry.url}, ...
     */
    public static MobilityIngest start(CityConfig city, Map<String, Object> kafkaConfig) {
        IngestMetrics metrics = new IngestMetrics(city.id(), Clock.systemUTC());
        EventPublisher publisher = EventPublisher.create(kafkaConfig, metrics);
        return new MobilityIngest(city, publisher, metrics, () -> {
            publisher.close();
            metrics.close();
        }, Clock.systemUTC());
    }

    /** Starts a city's mobility ingest on a publisher the caller owns (and closes). */
    public static MobilityIngest start(CityConfig city, Publisher publisher, IngestMetrics metrics, Clock clock) {
        return new MobilityIngest(city, publisher, metrics, null, clock);
    }

    private void start(String name, FeedEndpoint feed, PollLoop.Poll poll) {
        start(name, new Backoff(feed.interval(), MAX_BACKOFF), poll);
    }

    private void start(String name, Backoff backoff, PollLoop.Poll poll) {
        synchronized (loops) {
            loops.add(PollLoop.start(name, scheduler, backoff, poll));
        }
    }

    public CityConfig city() {
        return city;
    }

    public IngestMetrics metrics() {
        return metrics;
    }

    /** The static schedule loaded last; null before the first load or when the city has no static feed. */
    public ScheduleIndex schedule() {
        return staticLoader == null ? null : staticLoader.schedule();
    }

    @Override
    public void close() {
        synchronized (loops) {
            loops.forEach(PollLoop::close);
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownedPublisher != null) {
            try {
                ownedPublisher.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the producer of " + city.id() + " failed", e);
            }
        }
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary directory is harmless; the OS cleans it.
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
