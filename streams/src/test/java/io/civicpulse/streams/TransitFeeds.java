package io.civicpulse.streams;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.apache.kafka.streams.TestInputTopic;

import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.mobility.VehicleStopStatus;
import io.civicpulse.schemas.reference.FrequencyPeriod;
import io.civicpulse.schemas.reference.ScheduledStopTime;
import io.civicpulse.schemas.reference.ScheduledTrip;
import io.civicpulse.schemas.reference.ServiceCalendar;
import io.civicpulse.schemas.topics.Topics;

/**
 * The transit inputs of the engine's schedule-based tests, as ingest publishes them: scheduled trips and service
 * calendars (reference data, published before the day), vehicle positions, and realtime feeds that move on poll by
 * poll, as live feeds do.
 */
final class TransitFeeds {

    static final ZoneId SOFIA = ZoneId.of("Europe/Sofia");
    private static final Instant PUBLISHED = Instant.parse("2026-03-01T00:00:00Z");

    private final TestInputTopic<String, ScheduledTrip> trips;
    private final TestInputTopic<String, ServiceCalendar> calendars;
    private final TestInputTopic<String, VehiclePosition> positions;
    /** Per city, how far its realtime feeds have been polled. */
    private final Map<String, Instant> lastFeed = new HashMap<>();

    TransitFeeds(EngineTestKit kit) {
        trips = kit.inputOf(Topics.SCHEDULED_TRIPS);
        calendars = kit.inputOf(Topics.SERVICE_CALENDARS);
        positions = kit.inputOf(Topics.VEHICLE_POSITIONS);
    }

    void trip(String city, String tripId, String routeId, String serviceId, List<ScheduledStopTime> stopTimes,
              List<FrequencyPeriod> frequencies) {
        trips.pipeInput(city + "/" + tripId, ScheduledTrip.newBuilder()
                .setCity(city).setTripId(tripId).setRouteId(routeId).setServiceId(serviceId)
                .setFrequencyBased(!frequencies.isEmpty()).setStopTimes(stopTimes).setFrequencies(frequencies)
                .setFeedVersion("v1").setUpdatedAt(PUBLISHED)
                .build(), PUBLISHED);
    }

    void calendar(String city, String serviceId, LocalDate... dates) {
        calendars.pipeInput(city + "/" + serviceId, ServiceCalendar.newBuilder()
                .setCity(city).setServiceId(serviceId).setActiveDates(List.of(dates))
                .setFeedVersion("v1").setUpdatedAt(PUBLISHED)
                .build(), PUBLISHED);
    }

    /** Sofia's service date of an instant, as ingest derives it: the day changes at 04:00 local time. */
    static LocalDate serviceDate(String city, Instant at) {
        ZonedDateTime local = at.atZone(city.equals("sofia") ? SOFIA : ZoneId.of("UTC"));
        return local.getHour() < 4 ? local.toLocalDate().minusDays(1) : local.toLocalDate();
    }

    /**
     * A position of the vehicle of {@code tripId} at {@code at}, received as measured: its feed-freshness sample
     * (counted when received) moves the city's clock no further than the trip updates do.
     */
    void position(String city, String tripId, String routeId, Instant at) {
        VehiclePosition position = VehiclePosition.newBuilder()
                .setCity(city).setFeedId("vehicle-positions").setVehicleId("v-" + tripId).setTripId(tripId)
                .setRouteId(routeId).setServiceDate(serviceDate(city, at)).setLatitude(42.69).setLongitude(23.32)
                .setCurrentStatus(VehicleStopStatus.IN_TRANSIT_TO).setPositionTime(at).setFeedTimestamp(at)
                .setIngestedAt(at).setEventId(city + "-vp-" + tripId + "-" + at.toEpochMilli())
                .build();
        positions.pipeInput(city + "/" + position.getVehicleId(), position, at);
    }

    /**
     * The city's realtime feeds reach {@code at}, polled every {@code everySeconds} from where they were: decisions
     * then reach the indicators as the feeds move on, never after a jump of hours that other inputs of the city
     * (feed freshness) would have made first.
     */
    void feedsAt(String city, Instant at, int everySeconds, BiConsumer<String, Instant> poll) {
        Instant last = lastFeed.get(city);
        for (Instant next = last == null ? at : last.plusSeconds(everySeconds); next.isBefore(at);
             next = next.plusSeconds(everySeconds)) {
            poll.accept(city, next);
        }
        poll.accept(city, at);
        lastFeed.merge(city, at, (a, b) -> a.isAfter(b) ? a : b);
    }
}
