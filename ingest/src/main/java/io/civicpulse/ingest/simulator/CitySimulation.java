package io.civicpulse.ingest.simulator;

import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import com.google.transit.realtime.GtfsRealtime.FeedMessage;

/**
 * One simulated city: its generated network and everything served from it at the simulated clock's time (the
 * static GTFS zip, the three GTFS-Realtime feeds, GBFS v2.3 and v3.0) plus the {@link GroundTruth} of what was
 * served. Thread-safe. A feed asked for twice in the same simulated second is built once and served identically,
 * so pollers sharing a city see the same bytes and ETag.
 *
 * <p>The calendar covers the week before the clock's start date and the {@value #CALENDAR_DAYS_AHEAD} days after
 * it.
 */
public final class CitySimulation {

    static final int CALENDAR_DAYS_BEFORE = 7;
    static final int CALENDAR_DAYS_AHEAD = 60;

    /** The feeds a city serves, by the path under {@code /{city}/}. */
    public enum Feed {
        GTFS_STATIC("gtfs.zip"),
        TRIP_UPDATES("gtfs-rt/trip-updates.pb"),
        VEHICLE_POSITIONS("gtfs-rt/vehicle-positions.pb"),
        ALERTS("gtfs-rt/alerts.pb");

        private final String path;

        Feed(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }
    }

    /** What a progress line shows. */
    public record Progress(String city, Instant simulatedTime, int vehiclesInService, int tripsSeen,
                           long feedsServed) {
    }

    private record Cached(long second, ServedFeed feed) {
    }

    private final TransitNetwork network;
    private final SimulationClock clock;
    private final RealtimeFeeds realtime;
    private final AlertPlan alerts;
    private final GroundTruth truth;
    private final BikeShare bikes;
    private final GbfsFeeds gbfs;
    private final Map<Feed, Cached> cache = new HashMap<>();
    private ServedFeed staticFeed;

    private CitySimulation(TransitNetwork network, SimulationClock clock, NetworkSize size) {
        this.network = network;
        this.clock = clock;
        this.realtime = new RealtimeFeeds(network);
        this.alerts = new AlertPlan(network);
        this.truth = new GroundTruth(network, realtime, alerts);
        this.bikes = new BikeShare(network.city(), network.seed(), size, clock.instant());
        this.gbfs = new GbfsFeeds(network.city(), bikes);
    }

    /** Generates the city's network (deterministic for the seed) around the clock's current date. */
    public static CitySimulation create(CityProfile city, long seed, NetworkSize size, SimulationClock clock) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), city.zone());
        TransitNetwork network = NetworkGenerator.generate(city, seed, size, today.minusDays(CALENDAR_DAYS_BEFORE),
                today.plusDays(CALENDAR_DAYS_AHEAD));
        return new CitySimulation(network, clock, size);
    }

    public String id() {
        return network.city().id();
    }

    public CityProfile city() {
        return network.city();
    }

    public TransitNetwork network() {
        return network;
    }

    public SimulationClock clock() {
        return clock;
    }

    public GroundTruth groundTruth() {
        return truth;
    }

    public BikeShare bikeShare() {
        return bikes;
    }

    /** The static GTFS zip; built on first use (a full-size city takes a few seconds), then the same bytes. */
    public synchronized ServedFeed staticFeed() {
        if (staticFeed == null) {
            Instant published = network.firstDate().atStartOfDay(network.city().zone()).toInstant();
            String version = network.city().id() + "-" + network.seed() + "-" + network.size().name() + "-"
                    + network.firstDate();
            staticFeed = ServedFeed.of(GtfsZipWriter.write(network, version), ServedFeed.ZIP, published);
        }
        return staticFeed;
    }

    /** A feed at the clock's current time, recorded in the ground truth. */
    public ServedFeed feed(Feed feed) {
        return switch (feed) {
            case GTFS_STATIC -> staticFeed();
            default -> realtimeFeed(feed, clock.instant().getEpochSecond());
        };
    }

    /**
     * A GBFS document at the clock's current time.
     *
     * @param version  2 (v2.3) or 3 (v3.0)
     * @param file     e.g. {@code station_status}
     * @param baseUrl  absolute URL of this city's GBFS root, used in discovery documents
     */
    public Optional<ServedFeed> gbfs(int version, String file, String baseUrl) {
        Instant now = clock.instant();
        return gbfs.document(version, file, now, baseUrl)
                .map(body -> ServedFeed.of(body, ServedFeed.JSON, now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    }

    public Progress progress() {
        Instant now = clock.instant();
        long feeds = truth.feedsServed().values().stream().mapToLong(Long::longValue).sum();
        return new Progress(id(), now, truth.vehiclesInService(now), truth.tripsSeenCount(), feeds);
    }

    private ServedFeed realtimeFeed(Feed feed, long second) {
        synchronized (cache) {
            Cached cached = cache.get(feed);
            if (cached != null && cached.second() == second) {
                return cached.feed();
            }
            FeedMessage message = switch (feed) {
                case TRIP_UPDATES -> {
                    FeedMessage m = realtime.tripUpdates(second, realtime.runsAt(second), truth);
                    truth.tripUpdatesFeedServed(second);
                    yield m;
                }
                case VEHICLE_POSITIONS -> {
                    FeedMessage m = realtime.vehiclePositions(second, realtime.runsAt(second), truth);
                    truth.vehiclePositionsFeedServed();
                    yield m;
                }
                case ALERTS -> {
                    FeedMessage m = realtime.alerts(second, alerts.servedAt(Instant.ofEpochSecond(second)));
                    truth.alertsFeedServed();
                    yield m;
                }
                default -> throw new IllegalArgumentException(feed + " is not a real-time feed");
            };
            ServedFeed served = ServedFeed.of(message.toByteArray(), ServedFeed.PROTOBUF, Instant.ofEpochSecond(second));
            cache.put(feed, new Cached(second, served));
            return served;
        }
    }
}
