package io.civicpulse.ingest.simulator;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.transit.realtime.GtfsRealtime.Alert;
import com.google.transit.realtime.GtfsRealtime.EntitySelector;
import com.google.transit.realtime.GtfsRealtime.FeedEntity;
import com.google.transit.realtime.GtfsRealtime.FeedHeader;
import com.google.transit.realtime.GtfsRealtime.FeedMessage;
import com.google.transit.realtime.GtfsRealtime.Position;
import com.google.transit.realtime.GtfsRealtime.TimeRange;
import com.google.transit.realtime.GtfsRealtime.TranslatedString;
import com.google.transit.realtime.GtfsRealtime.TripDescriptor;
import com.google.transit.realtime.GtfsRealtime.TripUpdate;
import com.google.transit.realtime.GtfsRealtime.TripUpdate.StopTimeEvent;
import com.google.transit.realtime.GtfsRealtime.TripUpdate.StopTimeUpdate;
import com.google.transit.realtime.GtfsRealtime.VehicleDescriptor;
import com.google.transit.realtime.GtfsRealtime.VehiclePosition;
import io.civicpulse.ingest.simulator.AlertPlan.PlannedAlert;
import io.civicpulse.ingest.simulator.TransitNetwork.Route;
import io.civicpulse.ingest.simulator.TransitNetwork.Service;
import io.civicpulse.ingest.simulator.TransitNetwork.Stop;
import io.civicpulse.ingest.simulator.TransitNetwork.Trip;

/**
 * Builds a city's GTFS-Realtime feeds at a simulated instant, with Sofia's quirks exactly: absolute predicted
 * times and never a {@code delay}; {@code stop_sequence} 0; {@code start_date} and {@code start_time} present but
 * empty; every trip SCHEDULED; vehicles always IN_TRANSIT_TO their next stop; bearing almost never set (1.5%),
 * speed 95% of the time. Trip updates cover trips in progress and those departing within the next 20 minutes;
 * a stop leaves a trip's update once the vehicle has passed it.
 */
final class RealtimeFeeds {

    /** Trips appear in trip updates this long before their (actual) first departure. */
    static final int LOOKAHEAD_SECONDS = 20 * 60;

    private final TransitNetwork network;
    private final ZoneId zone;
    private final long seed;

    RealtimeFeeds(TransitNetwork network) {
        this.network = network;
        this.zone = network.city().zone();
        this.seed = network.seed();
    }

    /**
     * Every run of a real-time route (ghosts included, callers decide) that is in progress at epoch second
     * {@code t} or starts within the lookahead.
     */
    List<TripRun> runsAt(long t) {
        return runsDuring(t, 0);
    }

    /**
     * Every run that {@link #runsAt} would return for some second in {@code [t, t + extraSeconds]}: lets the load
     * generator compute runs once for a stretch of time and filter them per step with {@link #inFeedAt}.
     */
    List<TripRun> runsDuring(long t, int extraSeconds) {
        List<TripRun> runs = new ArrayList<>();
        LocalDate today = LocalDate.ofInstant(Instant.ofEpochSecond(t), zone);
        // Trips after midnight belong to yesterday's service date; GTFS times never start before the date's origin.
        for (LocalDate date = today.minusDays(1); !date.isAfter(today); date = date.plusDays(1)) {
            Optional<Service> service = network.serviceOn(date);
            if (service.isEmpty()) {
                continue;
            }
            long origin = GtfsTime.serviceDayOrigin(date, zone).getEpochSecond();
            Trip[] timetable = network.timetable(service.get());
            long earliest = t - origin - network.longestTripSeconds() - TripRun.MAX_DELAY_SECONDS - 60;
            long latest = t + extraSeconds - origin + LOOKAHEAD_SECONDS - TripRun.MIN_DELAY_SECONDS;
            for (int i = firstStartingAtOrAfter(timetable, earliest); i < timetable.length; i++) {
                Trip trip = timetable[i];
                if (trip.startSeconds() > latest) {
                    break;
                }
                Route route = network.route(trip);
                if (!route.realtime()) {
                    continue;
                }
                TripRun run = TripRun.of(seed, date, origin, trip, network.pattern(trip));
                if (run.actualStart() - LOOKAHEAD_SECONDS <= t + extraSeconds && t < run.actualEnd()) {
                    runs.add(run);
                }
            }
        }
        return runs;
    }

    static boolean inFeedAt(TripRun run, long t) {
        return run.actualStart() - LOOKAHEAD_SECONDS <= t && t < run.actualEnd();
    }

    FeedMessage tripUpdates(long t, List<TripRun> runs, GroundTruth truth) {
        FeedMessage.Builder feed = FeedMessage.newBuilder().setHeader(header(t));
        List<Stop> stops = network.stops();
        for (TripRun run : runs) {
            if (run.ghost()) {
                continue;
            }
            int next = run.nextVisit(t);
            if (next >= run.visits() || !inFeedAt(run, t)) {
                continue;
            }
            TripUpdate.Builder update = TripUpdate.newBuilder()
                    .setTrip(descriptor(run))
                    .setVehicle(vehicle(run))
                    .setTimestamp(t);
            int last = run.visits() - 1;
            for (int v = next; v <= last; v++) {
                long predicted = run.predicted(v, next);
                StopTimeUpdate.Builder stu = StopTimeUpdate.newBuilder()
                        .setStopSequence(0)
                        .setStopId(stops.get(run.pattern().stopAt(v)).id())
                        .setScheduleRelationship(StopTimeUpdate.ScheduleRelationship.SCHEDULED);
                // Absolute times only, as Sofia: a first stop has only a departure, a last stop only an arrival.
                if (v > 0) {
                    stu.setArrival(StopTimeEvent.newBuilder().setTime(predicted));
                }
                if (v < last) {
                    stu.setDeparture(StopTimeEvent.newBuilder().setTime(predicted));
                }
                update.addStopTimeUpdate(stu);
            }
            feed.addEntity(FeedEntity.newBuilder().setId(run.trip().id()).setTripUpdate(update));
            if (truth != null) {
                truth.tripUpdateServed(run, next, t);
            }
        }
        return feed.build();
    }

    FeedMessage vehiclePositions(long t, List<TripRun> runs, GroundTruth truth) {
        FeedMessage.Builder feed = FeedMessage.newBuilder().setHeader(header(t));
        List<Stop> stops = network.stops();
        for (TripRun run : runs) {
            if (run.ghost()) {
                continue;
            }
            long h = TripRun.mix(seed, run.trip().ordinal(), t / 20);
            long reportedAt = t - (h & 0xF); // positions are a few seconds older than the feed
            int next = run.nextVisit(reportedAt);
            if (next == 0 || next >= run.visits() || !run.gpsOn(next) || !inFeedAt(run, t)) {
                continue;
            }
            Stop from = stops.get(run.pattern().stopAt(next - 1));
            Stop to = stops.get(run.pattern().stopAt(next));
            long leg = Math.max(1, run.actual(next) - run.actual(next - 1));
            double f = Math.min(1, (reportedAt - run.actual(next - 1)) / (double) leg);
            Position.Builder position = Position.newBuilder()
                    .setLatitude((float) (from.lat() + (to.lat() - from.lat()) * f))
                    .setLongitude((float) (from.lon() + (to.lon() - from.lon()) * f));
            double u = unit(h >>> 4);
            if (u < 0.95) {
                double meters = NetworkGenerator.distance(from.lat(), from.lon(), to.lat(), to.lon());
                position.setSpeed((float) (meters / leg * (0.85 + 0.3 * unit(h >>> 9))));
            }
            if (unit(h >>> 17) < 0.015) {
                double dy = to.lat() - from.lat();
                double dx = (to.lon() - from.lon()) * Math.cos(Math.toRadians(from.lat()));
                position.setBearing((float) ((Math.toDegrees(Math.atan2(dx, dy)) + 360) % 360));
            }
            VehiclePosition.Builder vehicle = VehiclePosition.newBuilder()
                    .setTrip(descriptor(run))
                    .setVehicle(vehicle(run))
                    .setPosition(position)
                    .setCurrentStopSequence(0)
                    .setStopId(to.id())
                    .setCurrentStatus(VehiclePosition.VehicleStopStatus.IN_TRANSIT_TO)
                    .setTimestamp(reportedAt);
            feed.addEntity(FeedEntity.newBuilder().setId(run.trip().vehicleId()).setVehicle(vehicle));
            if (truth != null) {
                truth.positionServed(run, reportedAt);
            }
        }
        return feed.build();
    }

    FeedMessage alerts(long t, List<PlannedAlert> served) {
        FeedMessage.Builder feed = FeedMessage.newBuilder().setHeader(header(t));
        String language = network.city().language();
        for (PlannedAlert a : served) {
            EntitySelector.Builder selector = EntitySelector.newBuilder().setAgencyId(network.city().id())
                    .setRouteId(a.routeId());
            if (a.stopId() != null) {
                selector.setStopId(a.stopId());
            }
            Alert.Builder alert = Alert.newBuilder()
                    .addActivePeriod(TimeRange.newBuilder().setStart(a.start()).setEnd(a.end()))
                    .addInformedEntity(selector)
                    .setCause(Alert.Cause.valueOf(a.cause()))
                    .setEffect(Alert.Effect.valueOf(a.effect()))
                    .setHeaderText(TranslatedString.newBuilder()
                            .addTranslation(TranslatedString.Translation.newBuilder().setText(a.headerLocal())
                                    .setLanguage(language))
                            .addTranslation(TranslatedString.Translation.newBuilder().setText(a.headerEnglish())
                                    .setLanguage("en")))
                    .setDescriptionText(TranslatedString.newBuilder()
                            .addTranslation(TranslatedString.Translation.newBuilder().setText(a.descriptionLocal())
                                    .setLanguage(language)));
            feed.addEntity(FeedEntity.newBuilder().setId(a.id()).setAlert(alert));
        }
        return feed.build();
    }

    private static FeedHeader header(long t) {
        return FeedHeader.newBuilder().setGtfsRealtimeVersion("2.0")
                .setIncrementality(FeedHeader.Incrementality.FULL_DATASET).setTimestamp(t).build();
    }

    private TripDescriptor descriptor(TripRun run) {
        // Sofia sends start_date and start_time as empty strings: present, but telling nothing.
        return TripDescriptor.newBuilder().setTripId(run.trip().id()).setRouteId(network.route(run.trip()).id())
                .setStartDate("").setStartTime("")
                .setScheduleRelationship(TripDescriptor.ScheduleRelationship.SCHEDULED).build();
    }

    private static VehicleDescriptor vehicle(TripRun run) {
        String id = run.trip().vehicleId();
        return VehicleDescriptor.newBuilder().setId(id).setLabel(id).build();
    }

    private static double unit(long bits) {
        return (bits & ((1L << 24) - 1)) / (double) (1L << 24);
    }

    private static int firstStartingAtOrAfter(Trip[] timetable, long seconds) {
        int lo = 0;
        int hi = timetable.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (timetable[mid].startSeconds() < seconds) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
