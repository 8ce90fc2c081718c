package io.civicpulse.schemas.topics;

import java.time.Duration;
import java.util.List;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.reference.CityService;
import io.civicpulse.schemas.reference.Route;
import io.civicpulse.schemas.reference.ScheduledTrip;
import io.civicpulse.schemas.reference.ServiceCalendar;
import io.civicpulse.schemas.reference.Stop;
import io.civicpulse.schemas.services.OpenDataAccessEvent;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.schemas.services.ServiceSessionEvent;

/**
 * Every topic of Civic Pulse, declared once. Ingest, the indicator engine, provisioning and the documentation
 * all read these declarations, so a topic's name, key, value schema and retention cannot drift between them.
 * The city is the first part of every key, so several cities share one deployment and stay comparable.
 */
public final class Topics {

    private Topics() {
    }

    /** Event streams are kept a week: enough to rebuild every 24-hour window and to replay a day. */
    private static final Duration EVENT_RETENTION = Duration.ofDays(7);
    private static final int EVENT_PARTITIONS = 6;
    private static final int REFERENCE_PARTITIONS = 3;

    public static final Topic<String, VehiclePosition> VEHICLE_POSITIONS = Topic.events(
            "civicpulse.mobility.vehicle-positions.v1",
            "GTFS-Realtime vehicle positions, one per vehicle per feed update",
            "city/vehicleId", EVENT_PARTITIONS, EVENT_RETENTION, VehiclePosition.class);

    public static final Topic<String, TripUpdate> TRIP_UPDATES = Topic.events(
            "civicpulse.mobility.trip-updates.v1",
            "GTFS-Realtime trip updates with per-stop predictions and the delay against the static schedule",
            "city/tripId", EVENT_PARTITIONS, EVENT_RETENTION, TripUpdate.class);

    public static final Topic<String, StopObservation> STOP_OBSERVATIONS = Topic.events(
            "civicpulse.mobility.stop-observations.v1",
            "Observed stop events (service date, trip, stop visit) derived from the last prediction before passing",
            "city/serviceDate/tripId", EVENT_PARTITIONS, EVENT_RETENTION, StopObservation.class);

    public static final Topic<String, ServiceAlert> SERVICE_ALERTS = Topic.events(
            "civicpulse.mobility.service-alerts.v1",
            "GTFS-Realtime service alerts, and their removal when they leave the feed",
            "city/alertId", EVENT_PARTITIONS, EVENT_RETENTION, ServiceAlert.class);

    public static final Topic<String, SharedVehicleAvailability> SHARED_VEHICLE_AVAILABILITY = Topic.events(
            "civicpulse.mobility.shared-vehicle-availability.v1",
            "GBFS station status and free vehicles per operator",
            "city/operatorId/stationId-or-vehicleId", EVENT_PARTITIONS, EVENT_RETENTION,
            SharedVehicleAvailability.class);

    public static final Topic<String, ServiceRequestEvent> SERVICE_REQUESTS = Topic.events(
            "civicpulse.services.requests.v1",
            "Open311 service request lifecycle events (opened, updated, closed)",
            "city/serviceRequestId", EVENT_PARTITIONS, EVENT_RETENTION, ServiceRequestEvent.class);

    public static final Topic<String, ServiceSessionEvent> SERVICE_SESSIONS = Topic.events(
            "civicpulse.services.sessions.v1",
            "E-service sessions started, completed or failed, by channel",
            "city/sessionId", EVENT_PARTITIONS, EVENT_RETENTION, ServiceSessionEvent.class);

    public static final Topic<String, PaymentEvent> PAYMENTS = Topic.events(
            "civicpulse.services.payments.v1",
            "Payments to the city, electronic or not",
            "city/paymentId", EVENT_PARTITIONS, EVENT_RETENTION, PaymentEvent.class);

    public static final Topic<String, OpenDataAccessEvent> OPEN_DATA_ACCESS = Topic.events(
            "civicpulse.services.open-data-access.v1",
            "Open-data downloads and API calls",
            "city/datasetId", EVENT_PARTITIONS, EVENT_RETENTION, OpenDataAccessEvent.class);

    public static final Topic<String, Route> ROUTES = Topic.compacted(
            "civicpulse.reference.routes.v1", "GTFS routes", "city/routeId", REFERENCE_PARTITIONS, Route.class);

    public static final Topic<String, Stop> STOPS = Topic.compacted(
            "civicpulse.reference.stops.v1", "GTFS stops with coordinates and district", "city/stopId",
            REFERENCE_PARTITIONS, Stop.class);

    public static final Topic<String, ScheduledTrip> SCHEDULED_TRIPS = Topic.compacted(
            "civicpulse.reference.scheduled-trips.v1", "GTFS trips with their scheduled stop times", "city/tripId",
            REFERENCE_PARTITIONS, ScheduledTrip.class);

    public static final Topic<String, ServiceCalendar> SERVICE_CALENDARS = Topic.compacted(
            "civicpulse.reference.service-calendars.v1",
            "GTFS service ids with the dates they run (calendar.txt and calendar_dates.txt combined)",
            "city/serviceId", REFERENCE_PARTITIONS, ServiceCalendar.class);

    public static final Topic<String, CityService> CITY_SERVICES = Topic.compacted(
            "civicpulse.reference.city-services.v1", "The city's service catalogue, with online availability",
            "city/serviceId", REFERENCE_PARTITIONS, CityService.class);

    public static final Topic<String, AreaPopulation> POPULATION = Topic.compacted(
            "civicpulse.reference.population.v1", "Residents per city and district, for per-capita indicators",
            "city/area", REFERENCE_PARTITIONS, AreaPopulation.class);

    public static final Topic<String, IndicatorValue> INDICATORS = Topic.events(
            "civicpulse.indicators.v1",
            "Indicator values: live updates (rate-limited per key) and one final value per closed window",
            "city/indicatorId/scope/window", EVENT_PARTITIONS, Duration.ofDays(30), IndicatorValue.class);

    public static final Topic<String, IndicatorValue> INDICATORS_LATEST = Topic.compacted(
            "civicpulse.indicators.latest.v1", "The latest value of every indicator key, for dashboards that start cold",
            "city/indicatorId/scope/window", EVENT_PARTITIONS, IndicatorValue.class);

    public static final Topic<String, MaturityScore> MATURITY = Topic.events(
            "civicpulse.maturity.v1", "Digital maturity index per city and window, with dimension scores",
            "city/window", REFERENCE_PARTITIONS, Duration.ofDays(30), MaturityScore.class);

    public static final Topic<String, MaturityScore> MATURITY_LATEST = Topic.compacted(
            "civicpulse.maturity.latest.v1", "The latest maturity index per city and window",
            "city/window", REFERENCE_PARTITIONS, MaturityScore.class);

    public static final Topic<String, DeadLetter> DEAD_LETTERS = Topic.events(
            "civicpulse.dead-letters.v1",
            "Rejected input with its reason and raw payload, from every component",
            "source/reason", REFERENCE_PARTITIONS, Duration.ofDays(14), DeadLetter.class);

    public static final List<Topic<?, ?>> ALL = List.of(
            VEHICLE_POSITIONS, TRIP_UPDATES, STOP_OBSERVATIONS, SERVICE_ALERTS, SHARED_VEHICLE_AVAILABILITY,
            SERVICE_REQUESTS, SERVICE_SESSIONS, PAYMENTS, OPEN_DATA_ACCESS,
            ROUTES, STOPS, SCHEDULED_TRIPS, SERVICE_CALENDARS, CITY_SERVICES, POPULATION,
            INDICATORS, INDICATORS_LATEST, MATURITY, MATURITY_LATEST, DEAD_LETTERS);
}
