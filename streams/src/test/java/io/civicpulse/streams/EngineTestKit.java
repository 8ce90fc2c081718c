package io.civicpulse.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;

import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.schemas.mobility.ActivePeriod;
import io.civicpulse.schemas.mobility.AlertCause;
import io.civicpulse.schemas.mobility.AlertEffect;
import io.civicpulse.schemas.mobility.AvailabilityKind;
import io.civicpulse.schemas.mobility.InformedEntity;
import io.civicpulse.schemas.mobility.ObservationBasis;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.schemas.mobility.StopObservation;
import io.civicpulse.schemas.mobility.StopTimePrediction;
import io.civicpulse.schemas.mobility.StopTimeScheduleRelationship;
import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.schemas.mobility.VehiclePosition;
import io.civicpulse.schemas.mobility.VehicleStopStatus;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.reference.CityService;
import io.civicpulse.schemas.reference.Route;
import io.civicpulse.schemas.reference.Stop;
import io.civicpulse.schemas.reference.TransitMode;
import io.civicpulse.schemas.registry.MockRegistries;
import io.civicpulse.schemas.services.FailureKind;
import io.civicpulse.schemas.services.OpenDataAccessEvent;
import io.civicpulse.schemas.services.OpenDataAccessKind;
import io.civicpulse.schemas.services.RequestLifecycle;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.services.PaymentMethod;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.services.SessionPhase;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.SourceBacklog;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.config.StreamsSettings;

/**
 * The production topology in a TopologyTestDriver with the production settings, an in-memory schema registry of its
 * own (mock://scope) and helpers to send events and read what dashboards would read. Test configuration: one-minute
 * panes, five minutes' grace, finals every 15 minutes, live values at most once a second.
 */
final class EngineTestKit implements AutoCloseable {

    /**
     * The engine's wall clock at the start: after every event time the tests use (the engine refuses events from its
     * future); what the engine does by wall clock (live intervals, idle cities, the de-duplication horizon) depends on
     * how far the clock moves, not where it starts.
     */
    static final Instant WALL_CLOCK_START = Instant.parse("2027-01-01T00:00:00Z");

    final String scope;
    final TopologyTestDriver driver;
    final TestInputTopic<String, ServiceSessionEvent> sessions;
    final TestInputTopic<String, PaymentEvent> payments;
    final TestInputTopic<String, CityService> catalogue;
    final TestInputTopic<String, byte[]> rawSessions;
    final TestInputTopic<String, ServiceRequestEvent> requests;
    final TestInputTopic<String, OpenDataAccessEvent> openData;
    final TestInputTopic<String, AreaPopulation> population;
    final TestInputTopic<String, TripUpdate> tripUpdates;
    final TestInputTopic<String, StopObservation> observationsIn;
    final TestInputTopic<String, SharedVehicleAvailability> sharedVehicles;
    final TestInputTopic<String, VehiclePosition> vehiclePositions;
    final TestInputTopic<String, Route> routes;
    final TestInputTopic<String, Stop> stops;
    final TestInputTopic<String, byte[]> rawStops;
    final TestInputTopic<String, ServiceAlert> alerts;
    private final TestOutputTopic<String, StopObservation> observationsOut;
    private final List<TestRecord<String, StopObservation>> observationLog = new ArrayList<>();
    private final TestOutputTopic<String, IndicatorValue> indicators;
    private final TestOutputTopic<String, IndicatorValue> latest;
    private final TestOutputTopic<String, DeadLetter> deadLetters;
    private final TestOutputTopic<String, MaturityScore> maturity;
    private final TestOutputTopic<String, MaturityScore> maturityLatest;
    private final List<TestRecord<String, MaturityScore>> maturityLog = new ArrayList<>();
    private final Map<String, MaturityScore> maturityLatestByKey = new HashMap<>();
    private final List<TestRecord<String, IndicatorValue>> indicatorLog = new ArrayList<>();
    private final List<TestRecord<String, DeadLetter>> deadLetterLog = new ArrayList<>();
    private final Map<String, IndicatorValue> latestByKey = new HashMap<>();
    private int sequence;
    /** The complete settings the driver runs with, for serdes of inputs a test creates itself ({@link #inputOf}). */
    private final Map<String, Object> settings;

    EngineTestKit(String scope, Path stateDir) {
        this(scope, stateDir, Map.of());
    }

    /** With settings that override the test configuration. */
    EngineTestKit(String scope, Path stateDir, Map<String, Object> overrides) {
        this(scope, stateDir, overrides, SourceBacklog.UNKNOWN);
    }

    /** With settings that override the test configuration, and what "the consumers" know of unfetched input. */
    EngineTestKit(String scope, Path stateDir, Map<String, Object> overrides, SourceBacklog backlog) {
        this.scope = scope;
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", "unused:9092");
        settings.put("schema.registry.url", "mock://" + scope);
        settings.put("state.dir", stateDir.toString());
        settings.put("application.id", "indicators-" + scope);
        settings.put(EngineConfig.GRACE, "PT5M");
        settings.put(EngineConfig.FINAL_STEP, "PT15M");
        settings.put(EngineConfig.LIVE_INTERVAL, "PT1S");
        // The driver has one partition per input: no other partition's task can still be starting up.
        settings.put(EngineConfig.SOURCE_STARTUP_GRACE, "PT0S");
        settings.putAll(overrides);
        Map<String, Object> complete = StreamsSettings.withDefaults(settings);
        this.settings = complete;
        driver = new TopologyTestDriver(IndicatorTopology.build(EngineConfig.from(complete), complete, backlog),
                StreamsSettings.asProperties(complete), WALL_CLOCK_START);
        sessions = input(Topics.SERVICE_SESSIONS, complete);
        payments = input(Topics.PAYMENTS, complete);
        catalogue = input(Topics.CITY_SERVICES, complete);
        requests = input(Topics.SERVICE_REQUESTS, complete);
        openData = input(Topics.OPEN_DATA_ACCESS, complete);
        population = input(Topics.POPULATION, complete);
        tripUpdates = input(Topics.TRIP_UPDATES, complete);
        observationsIn = input(Topics.STOP_OBSERVATIONS, complete);
        sharedVehicles = input(Topics.SHARED_VEHICLE_AVAILABILITY, complete);
        vehiclePositions = input(Topics.VEHICLE_POSITIONS, complete);
        routes = input(Topics.ROUTES, complete);
        stops = input(Topics.STOPS, complete);
        alerts = input(Topics.SERVICE_ALERTS, complete);
        observationsOut = driver.createOutputTopic(Topics.STOP_OBSERVATIONS.name(), new StringDeserializer(),
                Topics.STOP_OBSERVATIONS.valueSerde(complete).deserializer());
        rawSessions = driver.createInputTopic(Topics.SERVICE_SESSIONS.name(), new StringSerializer(),
                new ByteArraySerializer());
        rawStops = driver.createInputTopic(Topics.STOPS.name(), new StringSerializer(),
                new ByteArraySerializer());
        indicators = driver.createOutputTopic(Topics.INDICATORS.name(), new StringDeserializer(),
                Topics.INDICATORS.valueSerde(complete).deserializer());
        latest = driver.createOutputTopic(Topics.INDICATORS_LATEST.name(), new StringDeserializer(),
                Topics.INDICATORS_LATEST.valueSerde(complete).deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), new StringDeserializer(),
                Topics.DEAD_LETTERS.valueSerde(complete).deserializer());
        maturity = driver.createOutputTopic(Topics.MATURITY.name(), new StringDeserializer(),
                Topics.MATURITY.valueSerde(complete).deserializer());
        maturityLatest = driver.createOutputTopic(Topics.MATURITY_LATEST.name(), new StringDeserializer(),
                Topics.MATURITY_LATEST.valueSerde(complete).deserializer());
    }

    private <V extends org.apache.avro.specific.SpecificRecord> TestInputTopic<String, V> input(
            Topic<String, V> topic, Map<String, Object> settings) {
        return driver.createInputTopic(topic.name(), new StringSerializer(), topic.valueSerde(settings).serializer());
    }

    /** An input topic of the driver, with the topic's own value serde. */
    <V extends org.apache.avro.specific.SpecificRecord> TestInputTopic<String, V> inputOf(Topic<String, V> topic) {
        return input(topic, settings);
    }

    // ---- events

    ServiceSessionEvent session(String city, String serviceId, SessionPhase phase, ServiceChannel channel,
                                Instant at) {
        String id = "s" + (++sequence);
        return ServiceSessionEvent.newBuilder()
                .setCity(city).setSessionId(id).setServiceId(serviceId).setPhase(phase).setChannel(channel)
                .setFailureKind(phase == SessionPhase.FAILED ? FailureKind.TECHNICAL : null)
                .setOccurredAt(at).setIngestedAt(at.plusSeconds(1)).setEventId(city + "-" + id + "-" + phase)
                .build();
    }

    PaymentEvent payment(String city, String serviceId, boolean electronic, Instant at) {
        String id = "p" + (++sequence);
        return PaymentEvent.newBuilder()
                .setCity(city).setPaymentId(id).setServiceId(serviceId).setAmountMinor(1250).setCurrency("BGN")
                .setMethod(electronic ? PaymentMethod.CARD_ONLINE : PaymentMethod.CASH).setElectronic(electronic)
                .setChannel(electronic ? ServiceChannel.WEB : ServiceChannel.COUNTER)
                .setOccurredAt(at).setIngestedAt(at.plusSeconds(1)).setEventId(city + "-" + id)
                .build();
    }

    CityService service(String city, String serviceId, boolean online, boolean active) {
        return CityService.newBuilder()
                .setCity(city).setServiceId(serviceId).setName(serviceId).setCategory(null)
                .setOnlineAvailable(online).setChannels(List.of(online ? ServiceChannel.WEB : ServiceChannel.COUNTER))
                .setActive(active).setSource("intake").setUpdatedAt(Instant.parse("2026-01-01T00:00:00Z"))
                .build();
    }

    /**
     * One version of an Open311 request as ingest emits it: status, closedAt and eventTime follow the lifecycle
     * (closedAt = updatedAt of a CLOSED version), eventId from request, lifecycle and updatedAt. Not emergency,
     * reported by a resident, no expected time and no district unless the builder is changed.
     */
    ServiceRequestEvent.Builder request(String city, String requestId, String serviceCode, RequestLifecycle lifecycle,
                                        Instant requestedAt, Instant updatedAt) {
        boolean closed = lifecycle == RequestLifecycle.CLOSED;
        Instant eventTime = lifecycle == RequestLifecycle.OPENED ? requestedAt : updatedAt;
        return ServiceRequestEvent.newBuilder()
                .setCity(city).setServiceRequestId(requestId).setLifecycle(lifecycle)
                .setStatus(closed ? "closed" : "open").setServiceCode(serviceCode)
                .setRequestedAt(requestedAt).setUpdatedAt(updatedAt).setExpectedAt(null)
                .setClosedAt(closed ? updatedAt : null).setDistrict(null).setEmergency(false)
                .setReportedByResident(true).setEventTime(eventTime).setIngestedAt(updatedAt.plusSeconds(1))
                .setEventId(city + "-" + requestId + "-" + lifecycle + "-" + updatedAt.toEpochMilli());
    }

    void send(ServiceRequestEvent event) {
        requests.pipeInput(event.getCity() + "/" + event.getServiceRequestId(), event, event.getEventTime());
    }

    void send(ServiceRequestEvent.Builder event) {
        send(event.build());
    }

    OpenDataAccessEvent openDataAccess(String city, String datasetId, OpenDataAccessKind kind, Instant at) {
        String id = "o" + (++sequence);
        return OpenDataAccessEvent.newBuilder()
                .setCity(city).setDatasetId(datasetId).setAccessKind(kind).setFormat("csv").setBytes(1024L)
                .setOccurredAt(at).setIngestedAt(at.plusSeconds(1)).setEventId(city + "-" + id)
                .build();
    }

    void send(OpenDataAccessEvent event) {
        openData.pipeInput(event.getCity() + "/" + event.getDatasetId(), event, event.getOccurredAt());
    }

    /** Publishes the population of an area ({@code city} or {@code district:<id>}) to the compacted topic. */
    void population(String city, String area, long residents, Instant publishedAt) {
        AreaPopulation entry = AreaPopulation.newBuilder()
                .setCity(city).setArea(area).setPopulation(residents)
                .setAsOf(java.time.LocalDate.of(2025, 12, 31)).setSource("test census")
                .build();
        population.pipeInput(city + "/" + area, entry, publishedAt);
    }

    /** A trip update as ingest emits it for Sofia: SCHEDULED, update time = feed time, received a second later. */
    TripUpdate.Builder tripUpdate(String city, String tripId, String routeId, java.time.LocalDate serviceDate,
                                  Instant feedTime, StopTimePrediction... stops) {
        return TripUpdate.newBuilder()
                .setCity(city).setFeedId("trip-updates").setTripId(tripId).setRouteId(routeId).setVehicleId(null)
                .setServiceDate(serviceDate).setStartTime(null)
                .setScheduleRelationship(TripScheduleRelationship.SCHEDULED).setStopTimeUpdates(List.of(stops))
                .setUpdateTime(feedTime).setFeedTimestamp(feedTime).setIngestedAt(feedTime.plusSeconds(1))
                .setEventId(city + "-" + tripId + "-" + serviceDate + "-" + feedTime.toEpochMilli());
    }

    /** A predicted arrival at a stop, matched by ingest to its scheduled arrival. */
    static StopTimePrediction arrival(String stopId, Instant scheduled, Instant predicted) {
        return StopTimePrediction.newBuilder()
                .setStopId(stopId).setStopSequence(0).setArrivalTime(predicted).setDepartureTime(null)
                .setScheduledArrivalTime(scheduled).setScheduledDepartureTime(null)
                .setScheduleRelationship(StopTimeScheduleRelationship.SCHEDULED)
                .build();
    }

    void send(TripUpdate.Builder update) {
        TripUpdate built = update.build();
        tripUpdates.pipeInput(built.getCity() + "/" + built.getTripId(), built, built.getUpdateTime());
    }

    /** An observed stop event as the engine derives it, for feeding the indicators directly. */
    StopObservation observation(String city, String routeId, String tripId, String stopId, Instant scheduled,
                                int delaySeconds) {
        return StopObservation.newBuilder()
                .setCity(city).setServiceDate(java.time.LocalDate.of(2026, 3, 10)).setTripId(tripId)
                .setRouteId(routeId).setStopId(stopId).setStopVisit(1).setScheduledTime(scheduled)
                .setObservedTime(scheduled.plusSeconds(delaySeconds)).setDelaySeconds(delaySeconds)
                .setObservationBasis(ObservationBasis.LAST_PREDICTION_BEFORE_PASSING)
                .setEventId(city + "-" + tripId + "-" + stopId + "-" + scheduled.toEpochMilli())
                .setIngestedAt(null)
                .build();
    }

    void send(StopObservation observation) {
        observationsIn.pipeInput(observation.getCity() + "/" + observation.getServiceDate() + "/"
                + observation.getTripId(), observation, observation.getObservedTime());
    }

    /**
     * One GBFS station status as ingest publishes it: reported at {@code reportedAt}, in a file of that time,
     * received a second later; eventId from city, operator, station and report time.
     */
    SharedVehicleAvailability.Builder station(String city, String operatorId, String stationId, int vehicles,
                                              boolean installed, boolean renting, Instant reportedAt) {
        return SharedVehicleAvailability.newBuilder()
                .setCity(city).setOperatorId(operatorId).setKind(AvailabilityKind.STATION).setStationId(stationId)
                .setVehicleId(null).setVehicleTypeId(null).setNumVehiclesAvailable(vehicles).setNumDocksAvailable(10)
                .setIsInstalled(installed).setIsRenting(renting).setIsReturning(true).setIsReserved(null)
                .setIsDisabled(null).setLatitude(42.69).setLongitude(23.32).setLastReported(reportedAt)
                .setGbfsVersion("2.3").setFeedTimestamp(reportedAt).setIngestedAt(reportedAt.plusSeconds(1))
                .setEventId(city + "-" + operatorId + "-S-" + stationId + "-" + reportedAt.toEpochMilli());
    }

    /** One free-floating vehicle (GBFS v3 vehicle_status entry), available unless the builder is changed. */
    SharedVehicleAvailability.Builder vehicle(String city, String operatorId, String vehicleId, Instant reportedAt) {
        return SharedVehicleAvailability.newBuilder()
                .setCity(city).setOperatorId(operatorId).setKind(AvailabilityKind.FREE_VEHICLE).setStationId(null)
                .setVehicleId(vehicleId).setVehicleTypeId("scooter").setNumVehiclesAvailable(1)
                .setNumDocksAvailable(null).setIsInstalled(true).setIsRenting(true).setIsReturning(true)
                .setIsReserved(false).setIsDisabled(false).setLatitude(42.69).setLongitude(23.32)
                .setLastReported(reportedAt).setGbfsVersion("3.0").setFeedTimestamp(reportedAt)
                .setIngestedAt(reportedAt.plusSeconds(1))
                .setEventId(city + "-" + operatorId + "-V-" + vehicleId + "-" + reportedAt.toEpochMilli());
    }

    void send(SharedVehicleAvailability.Builder entry) {
        SharedVehicleAvailability built = entry.build();
        String id = built.getKind() == AvailabilityKind.STATION ? built.getStationId() : built.getVehicleId();
        sharedVehicles.pipeInput(built.getCity() + "/" + built.getOperatorId() + "/" + id, built,
                built.getLastReported());
    }

    /** A vehicle position measured at {@code positionTime} and received by ingest at {@code ingestedAt}. */
    VehiclePosition.Builder position(String city, String vehicleId, Instant positionTime, Instant ingestedAt) {
        return VehiclePosition.newBuilder()
                .setCity(city).setFeedId("vehicle-positions").setVehicleId(vehicleId).setVehicleLabel(null)
                .setTripId(null).setRouteId(null).setServiceDate(null).setLatitude(42.69).setLongitude(23.32)
                .setBearing(null).setSpeedMetersPerSecond(8.0).setCurrentStatus(VehicleStopStatus.IN_TRANSIT_TO)
                .setStopId(null).setOccupancyStatus(null).setPositionTime(positionTime).setFeedTimestamp(positionTime)
                .setIngestedAt(ingestedAt)
                .setEventId(city + "-" + vehicleId + "-" + positionTime.toEpochMilli());
    }

    void send(VehiclePosition.Builder position) {
        VehiclePosition built = position.build();
        vehiclePositions.pipeInput(built.getCity() + "/" + built.getVehicleId(), built, built.getPositionTime());
    }

    /** Publishes a route of the static feed to the compacted routes topic. */
    void route(String city, String routeId, Instant publishedAt) {
        route(city, routeId, publishedAt, publishedAt);
    }

    /** A route ingest stamped {@code updatedAt} by its clock, reaching Kafka at {@code publishedAt}. */
    void route(String city, String routeId, Instant updatedAt, Instant publishedAt) {
        Route route = Route.newBuilder()
                .setCity(city).setRouteId(routeId).setAgencyId(null).setShortName(routeId).setLongName(null)
                .setMode(TransitMode.BUS).setGtfsRouteType(3).setFeedVersion("v1").setUpdatedAt(updatedAt)
                .build();
        routes.pipeInput(city + "/" + routeId, route, publishedAt);
    }

    /** Publishes a stop of the static feed, in {@code district} (null: outside every district). */
    void stop(String city, String stopId, String district, Instant publishedAt) {
        stops.pipeInput(city + "/" + stopId, Stop.newBuilder().setCity(city).setStopId(stopId).setName(null)
                .setLatitude(42.69).setLongitude(23.32).setDistrict(district).setParentStation(null)
                .setLocationType(0).setFeedVersion("v1").setUpdatedAt(publishedAt).build(), publishedAt);
    }

    /** A tombstone: the route left the static feed. */
    void routeRemoved(String city, String routeId, Instant publishedAt) {
        routes.pipeInput(city + "/" + routeId, null, publishedAt);
    }

    /**
     * One state of a service alert naming {@code routeIds}, first seen in the feed of {@code alertTime}, without
     * active periods (in effect while in the feed) unless the builder is changed.
     */
    ServiceAlert.Builder alert(String city, String alertId, Instant alertTime, String... routeIds) {
        List<InformedEntity> entities = new ArrayList<>();
        for (String routeId : routeIds) {
            entities.add(InformedEntity.newBuilder().setAgencyId(null).setRouteId(routeId).setRouteType(null)
                    .setTripId(null).setStopId(null).build());
        }
        return ServiceAlert.newBuilder()
                .setCity(city).setFeedId("alerts").setAlertId(alertId).setCause(AlertCause.CONSTRUCTION)
                .setEffect(AlertEffect.DETOUR).setSeverity(null).setActivePeriods(List.of())
                .setInformedEntities(entities).setHeaderText("works").setDescriptionText(null).setUrl(null)
                .setAlertTime(alertTime).setFeedTimestamp(alertTime).setIngestedAt(alertTime.plusSeconds(1))
                .setRemoved(false)
                .setEventId(city + "-" + alertId + "-" + alertTime.toEpochMilli() + "-" + String.join(",", routeIds));
    }

    static ActivePeriod period(Instant start, Instant end) {
        return ActivePeriod.newBuilder().setStart(start).setEnd(end).build();
    }

    void send(ServiceAlert.Builder alert) {
        ServiceAlert built = alert.build();
        alerts.pipeInput(built.getCity() + "/" + built.getAlertId(), built, built.getAlertTime());
    }

    /**
     * Lets the wall clock run {@code duration}, so the engine's per-minute scans run, then one live interval more,
     * so that what the scans changed is published.
     */
    void wallClockRuns(Duration duration) {
        driver.advanceWallClockTime(duration);
        tick();
    }

    /** Every stop observation the engine published so far, with its key. */
    List<TestRecord<String, StopObservation>> stopObservations() {
        observationLog.addAll(observationsOut.readRecordsToList());
        return observationLog;
    }

    void send(ServiceSessionEvent event) {
        sessions.pipeInput(event.getCity() + "/" + event.getSessionId(), event, event.getOccurredAt());
    }

    void send(PaymentEvent event) {
        payments.pipeInput(event.getCity() + "/" + event.getPaymentId(), event, event.getOccurredAt());
    }

    /** Publishes the entry as its change happens: updatedAt and the record's timestamp both {@code publishedAt}. */
    void publish(CityService entry, Instant publishedAt) {
        publish(entry, publishedAt, publishedAt);
    }

    /** Publishes at {@code publishedAt} a change that its publisher says happened at {@code changedAt}. */
    void publish(CityService entry, Instant changedAt, Instant publishedAt) {
        CityService stamped = CityService.newBuilder(entry).setUpdatedAt(changedAt).build();
        catalogue.pipeInput(entry.getCity() + "/" + entry.getServiceId(), stamped, publishedAt);
    }

    /** Lets the wall clock run one live interval, so that pending live values are published. */
    void tick() {
        driver.advanceWallClockTime(Duration.ofSeconds(1));
    }

    // ---- what dashboards read

    /** Every record of civicpulse.indicators.v1 so far, in order. */
    List<TestRecord<String, IndicatorValue>> indicatorRecords() {
        indicatorLog.addAll(indicators.readRecordsToList());
        return indicatorLog;
    }

    List<IndicatorValue> values(String key) {
        return indicatorRecords().stream().filter(r -> r.key().equals(key)).map(TestRecord::value).toList();
    }

    List<IndicatorValue> finals(String key) {
        return values(key).stream().filter(IndicatorValue::getFinal$).toList();
    }

    List<IndicatorValue> lives(String key) {
        return values(key).stream().filter(v -> !v.getFinal$()).toList();
    }

    /** The final of the window [from, to) of a key; fails when there is not exactly one. */
    IndicatorValue finalOf(String key, Instant from, Instant to) {
        List<IndicatorValue> matching = finals(key).stream()
                .filter(v -> v.getCalculationPeriodFrom().equals(from) && v.getCalculationPeriodTo().equals(to))
                .toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one final of " + key + " for [" + from + ", " + to + "), found "
                    + matching.size() + " among " + finals(key));
        }
        return matching.get(0);
    }

    IndicatorValue lastLive(String key) {
        List<IndicatorValue> lives = lives(key);
        if (lives.isEmpty()) {
            throw new AssertionError("no live value of " + key + " among " + indicatorRecords().stream()
                    .map(TestRecord::key).distinct().toList());
        }
        return lives.get(lives.size() - 1);
    }

    Map<String, IndicatorValue> latest() {
        latest.readKeyValuesToMap().forEach(latestByKey::put);
        return latestByKey;
    }

    /** Every record of civicpulse.maturity.v1 so far, in order. */
    List<TestRecord<String, MaturityScore>> maturityRecords() {
        maturityLog.addAll(maturity.readRecordsToList());
        return maturityLog;
    }

    /** The scores of one {@code city/window} key so far, live and final, in order. */
    List<MaturityScore> maturityScores(String key) {
        return maturityRecords().stream().filter(r -> r.key().equals(key)).map(TestRecord::value).toList();
    }

    Map<String, MaturityScore> maturityLatest() {
        maturityLatest.readKeyValuesToMap().forEach(maturityLatestByKey::put);
        return maturityLatestByKey;
    }

    List<DeadLetter> deadLetters() {
        deadLetterLog.addAll(deadLetters.readRecordsToList());
        return deadLetterLog.stream().map(TestRecord::value).toList();
    }

    /** The timestamps of the dead-letter records, in the order written. */
    List<Long> deadLetterTimestamps() {
        deadLetters();
        return deadLetterLog.stream().map(TestRecord::timestamp).toList();
    }

    List<String> deadLetterKeys() {
        deadLetters();
        return deadLetterLog.stream().map(TestRecord::key).toList();
    }

    /** The total of one engine counter ({@link EngineMetrics}) for one id; 0 when it never counted. */
    double metric(String what, String id) {
        for (Map.Entry<MetricName, ? extends Metric> entry : driver.metrics().entrySet()) {
            MetricName name = entry.getKey();
            if (name.group().equals(EngineMetrics.GROUP) && name.name().equals(what + "-total")
                    && id.equals(name.tags().get(EngineMetrics.ID_TAG))) {
                return ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        return 0;
    }

    @Override
    public void close() {
        driver.close();
        MockRegistries.drop(scope);
    }
}
