package io.civicpulse.streams.catalogue;

import static io.civicpulse.schemas.indicators.IndicatorDirection.HIGHER_IS_BETTER;
import static io.civicpulse.schemas.indicators.IndicatorDirection.LOWER_IS_BETTER;
import static io.civicpulse.streams.catalogue.ScopeKind.CITY;
import static io.civicpulse.streams.catalogue.ScopeKind.DISTRICT;
import static io.civicpulse.streams.catalogue.ScopeKind.ROUTE;
import static io.civicpulse.streams.catalogue.ScopeKind.SERVICE;
import static io.civicpulse.streams.catalogue.ScopeKind.STOP;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.civicpulse.schemas.indicators.IndicatorDirection;

/**
 * The indicator catalogue (docs/indicators.md is generated from it), in code: every indicator's id, definition, unit, direction, category, the
 * standard it follows and its scopes. Its {@link #VERSION} is stamped on every value the engine publishes, so a
 * change of definition is visible downstream: bump it whenever a definition, unit or direction changes.
 */
public final class IndicatorCatalogue {

    /** Version of the definitions below; change it with any change of meaning. */
    public static final String VERSION = "2026.5";

    private static final String QUANTITATIVE = "quantitative";
    private static final boolean COMPUTED = true;
    private static final boolean NOT_YET = false;

    /**
     * How long after its time a coverage contribution can still arrive by design: scheduled members come from the
     * trip-runs task as its clock reaches their pane, and that clock holds a realtime partition quiet for up to the
     * idle time (10 minutes by default) where the window engine's clock moves on after 30 s.
     */
    private static final Duration COVERAGE_SETTLE = Duration.ofMinutes(10);
    public static final IndicatorDefinition PT_REALTIME_ROUTE_COVERAGE = new IndicatorDefinition(
            "pt.realtime-route-coverage",
            "routes with live data in the window / routes scheduled in the window, distinct routes: scheduled when"
                    + " a run of the route active on its service date (calendar and calendar_dates, frequency-based"
                    + " runs included, times past 24:00 on their service date) is in operation during the window"
                    + " (from its first departure to its last arrival); live when a trip update or a vehicle"
                    + " position names a trip of the route (from the schedule) at a time in the window. Numerator:"
                    + " routes both scheduled and live in the window, so the share never exceeds 100%; a window"
                    + " with no scheduled route has no value. Exact (no sketch); settles 10 min",
            "%", HIGHER_IS_BETTER, QUANTITATIVE, "ISO 37122 19.5 (lines with a public real-time system)",
            Measure.DISTINCT_RATIO, 0, List.of(CITY), COMPUTED).withSettle(COVERAGE_SETTLE);
    public static final IndicatorDefinition PT_REALTIME_STOP_COVERAGE = new IndicatorDefinition(
            "pt.realtime-stop-coverage",
            "stops with a live arrival prediction / stops served by the schedule in the window, distinct stops:"
                    + " served when a stop time (arrival) of an active run falls in the window; live when a trip"
                    + " update has a predicted arrival or departure for the stop (not SKIPPED) at an update time in"
                    + " the window. Numerator: stops both served and live in the window (at most 100%); a window"
                    + " with no served stop has no value. Exact; settles 10 min; city scope (no district data)",
            "%", HIGHER_IS_BETTER, QUANTITATIVE, "U4SSC EC:ICT:T:1C (dynamic PT information)",
            Measure.DISTINCT_RATIO, 0, List.of(CITY), COMPUTED).withSettle(COVERAGE_SETTLE);
    public static final IndicatorDefinition PT_ON_TIME_PERFORMANCE = ratio(COMPUTED, "pt.on-time-performance",
            "observed stop events with delay in [-60 s, +180 s] (both bounds inclusive) / observed stop events, in"
                    + " the window of their observed time; stop events with |delay| > 3 h are feed noise, left out."
                    + " District scope: the stop's district in the static feed (where the city has boundaries)",
            "common transit practice", CITY, ROUTE, DISTRICT);
    // Delays are whole seconds within the noise bounds: kept exactly, a count per second.
    public static final IndicatorDefinition PT_DELAY_P50 = percentile(COMPUTED, "pt.delay-p50",
            "median delay of observed stop events, exact: the type-7 percentile of the window's delays in whole"
                    + " seconds (linear interpolation between closest ranks: h = (n - 1) p, x[floor h] + (h - floor h)"
                    + " (x[floor h + 1] - x[floor h])); |delay| > 3 h left out as feed noise", "s", 0.5,
            Measure.EXACT_PERCENTILE, "", CITY, ROUTE, DISTRICT);
    public static final IndicatorDefinition PT_DELAY_P90 = percentile(COMPUTED, "pt.delay-p90",
            "90th percentile delay of observed stop events, exact: the type-7 percentile of the window's delays in"
                    + " whole seconds (linear interpolation between closest ranks, as pt.delay-p50); |delay| > 3 h"
                    + " left out as feed noise", "s", 0.9, Measure.EXACT_PERCENTILE, "", CITY, ROUTE, DISTRICT);
    /** The served rule's 30 minutes: a trip's contribution is known only that long after its departure. */
    private static final Duration SIGHTING_WINDOW = Duration.ofMinutes(30);
    public static final IndicatorDefinition PT_TRIPS_SERVED = ratio(COMPUTED, "pt.trips-served",
            "active trips served (seen live within 30 min of their first departure) / active trips scheduled to"
                    + " start in the window. A trip is one run (service date, trip, and for a frequency-based trip"
                    + " its run start) of a trip whose service is active on that date (calendar and calendar_dates),"
                    + " counted once, in the window of its first scheduled departure (service date's noon minus"
                    + " 12 h in the city's zone, plus the first stop time; times past 24:00 belong to their service"
                    + " date). Served: a trip update that is not CANCELED, or a vehicle position naming the trip, with"
                    + " event time within 30 min before or after the departure (both inclusive), and the newest trip"
                    + " update of the run not CANCELED; otherwise missing. A frequency-based run is named by the trip"
                    + " update's start time (nearest run start); vehicle positions, which carry none, are not used"
                    + " for it. Only runs whose 30-min window opened after the engine knew them are counted (not the"
                    + " first half hour after a city's first realtime record). Values settle 30 min after the"
                    + " departure, so windows close 30 min later than the city's other indicators",
            "", CITY, ROUTE).withSettle(SIGHTING_WINDOW);
    public static final IndicatorDefinition PT_GPS_TRACKED_TRIPS = ratio(COMPUTED, "pt.gps-tracked-trips",
            "trips with a vehicle position / trips with a trip update. Over the runs of pt.trips-served that are"
                    + " not CANCELED and not frequency-based (a vehicle position cannot name a frequency-based run):"
                    + " denominator those seen in a trip update that is not CANCELED within 30 min of their first"
                    + " departure, numerator those of them also seen in a vehicle position naming the trip within"
                    + " 30 min of it; counted once, in the window of the first departure; settles 30 min",
            "", CITY, ROUTE).withSettle(SIGHTING_WINDOW);
    public static final IndicatorDefinition PT_FEED_FRESHNESS = percentile(COMPUTED, "pt.feed-freshness",
            "90th percentile age of feed data when it reaches the pipeline: ingestedAt - positionTime of each GTFS-RT"
                    + " vehicle position, counted once (at its first arrival) in the window of its ingestedAt;"
                    + " a negative age (clock skew within the allowed future skew) counts as 0 s, an age above"
                    + " 24 h is feed noise and left out (linear interpolation between ranks, from a sketch within"
                    + " 1% of the exact value: ages are milliseconds, not whole seconds)", "s", 0.9,
            Measure.PERCENTILE, "data quality", CITY);
    public static final IndicatorDefinition PT_ALERT_AFFECTED_ROUTES = new IndicatorDefinition(
            "pt.alert-affected-routes",
            "routes with an active service alert / active routes, at the window's end: routes of the city's static"
                    + " feed named (route_id) by at least one alert in effect, over the routes of the static feed;"
                    + " an alert is in effect from when it was first seen in the feed until it is removed, and within"
                    + " its active periods if it has any; a route with two alerts counts once; selectors naming only"
                    + " a trip, stop, agency or route type are not resolved to routes",
            "%", LOWER_IS_BETTER, QUANTITATIVE, "", Measure.LEVEL_RATIO, 0, List.of(CITY), COMPUTED);
    public static final IndicatorDefinition MICROMOBILITY_VEHICLES_PER_100K = new IndicatorDefinition(
            "micromobility.vehicles-available-per-100k",
            "available shared vehicles per 100,000 residents, at the window's end: num_vehicles_available of"
                    + " installed, renting GBFS stations plus free-floating vehicles neither reserved nor disabled"
                    + " (a v3 vehicle docked at a station is counted in its station), over the city's population;"
                    + " a station not received for 1 h and a vehicle not received for 30 min leave the count; city"
                    + " scope only (GBFS stations and vehicles are not mapped to districts)",
            "count", HIGHER_IS_BETTER, QUANTITATIVE, "ISO 37122 (shared mobility)", Measure.LEVEL_PER_100K, 0,
            List.of(CITY), COMPUTED);
    public static final IndicatorDefinition MICROMOBILITY_STATION_AVAILABILITY = new IndicatorDefinition(
            "micromobility.station-availability",
            "installed, renting stations with at least one vehicle / installed stations, at the window's end, over"
                    + " the GBFS station_status of every operator of the city (the newest report of each station);"
                    + " a station not received for 1 h leaves both sides; city scope only (GBFS stations are not"
                    + " mapped to districts)", "%", HIGHER_IS_BETTER,
            QUANTITATIVE, "", Measure.LEVEL_RATIO, 0, List.of(CITY), COMPUTED);
    public static final IndicatorDefinition GOV_ONLINE_SERVICE_AVAILABILITY = new IndicatorDefinition(
            "gov.online-service-availability",
            "catalogued city services that can be requested online / all catalogued services (active entries of the"
                    + " catalogue as it stands at the window's end)",
            "%", HIGHER_IS_BETTER, QUANTITATIVE, "ISO 37122 10.2", Measure.LEVEL_RATIO, 0, List.of(CITY), COMPUTED);
    public static final IndicatorDefinition GOV_DIGITAL_CHANNEL_SHARE = ratio(COMPUTED, "gov.digital-channel-share",
            "service transactions completed on digital channels (web, app, API) / completed on any known channel"
                    + " (e-service sessions COMPLETED in the window; transactions of unknown channel are left out)",
            "DESI digital public services", CITY, SERVICE);
    public static final IndicatorDefinition GOV_E_SERVICE_SUCCESS = ratio(COMPUTED, "gov.e-service-success",
            "e-service sessions completed without a technical failure / sessions started; a session is counted in"
                    + " the window in which it ends (COMPLETED, FAILED or ABANDONED), so each session counts once"
                    + " and the share never exceeds 100%",
            "", CITY, SERVICE);
    public static final IndicatorDefinition GOV_E_PAYMENT_SHARE = ratio(COMPUTED, "gov.e-payment-share",
            "payments to the city made electronically / all payments", "ISO 37122 (electronic payments)",
            CITY, SERVICE);
    public static final IndicatorDefinition GOV_REQUEST_RESOLUTION_TIME_P50 = percentile(COMPUTED,
            "gov.request-resolution-time-p50",
            "median time from requested to closed of non-emergency requests closed in the window (closedAt -"
                    + " requestedAt of each Open311 CLOSED event; linear interpolation between ranks, from a sketch"
                    + " within 1% of the exact median: durations are unbounded, in milliseconds)", "h", 0.5,
            Measure.PERCENTILE, "ISO 37122 (response to non-emergency requests)", CITY, DISTRICT, SERVICE);
    public static final IndicatorDefinition GOV_REQUESTS_CLOSED_ON_TIME = ratio(COMPUTED,
            "gov.requests-closed-on-time",
            "requests closed by their expected time / requests closed, counted in the window where they close;"
                    + " a request without an expected time (expected_datetime) is on neither side",
            "Open311", CITY, DISTRICT, SERVICE);
    public static final IndicatorDefinition GOV_OPEN_REQUESTS = new IndicatorDefinition("gov.open-requests",
            "requests open at the window's end (opened or reopened and not closed since)", "count", LOWER_IS_BETTER,
            QUANTITATIVE, "", Measure.LEVEL_COUNT, 0, List.of(CITY, DISTRICT, SERVICE), COMPUTED);
    public static final IndicatorDefinition GOV_CIVIC_REPORTS_PER_100K = new IndicatorDefinition(
            "gov.civic-reports-per-100k",
            "service requests reported by residents per 100,000 residents, per day (Open311 requests seen OPENED"
                    + " and filed by a resident, in the window where they were requested; published only where the"
                    + " area's population is known)", "count", HIGHER_IS_BETTER,
            QUANTITATIVE, "community engagement", Measure.RATE_PER_100K_PER_DAY, 0, List.of(CITY, DISTRICT),
            COMPUTED);
    public static final IndicatorDefinition GOV_OPEN_DATA_USE_PER_100K = new IndicatorDefinition(
            "gov.open-data-use-per-100k",
            "open-data downloads and API calls per 100,000 residents, per day (published only where the city's"
                    + " population is known)", "count", HIGHER_IS_BETTER,
            QUANTITATIVE, "ISO 37122 10.1 (open data use)", Measure.RATE_PER_100K_PER_DAY, 0, List.of(CITY),
            COMPUTED);

    private static final Map<String, IndicatorDefinition> BY_ID = index(List.of(
            PT_REALTIME_ROUTE_COVERAGE, PT_REALTIME_STOP_COVERAGE, PT_ON_TIME_PERFORMANCE, PT_DELAY_P50,
            PT_DELAY_P90, PT_TRIPS_SERVED, PT_GPS_TRACKED_TRIPS, PT_FEED_FRESHNESS, PT_ALERT_AFFECTED_ROUTES,
            MICROMOBILITY_VEHICLES_PER_100K, MICROMOBILITY_STATION_AVAILABILITY, GOV_ONLINE_SERVICE_AVAILABILITY,
            GOV_DIGITAL_CHANNEL_SHARE, GOV_E_SERVICE_SUCCESS, GOV_E_PAYMENT_SHARE, GOV_REQUEST_RESOLUTION_TIME_P50,
            GOV_REQUESTS_CLOSED_ON_TIME, GOV_OPEN_REQUESTS, GOV_CIVIC_REPORTS_PER_100K, GOV_OPEN_DATA_USE_PER_100K));

    private IndicatorCatalogue() {
    }

    /** Every indicator, in catalogue order. */
    public static List<IndicatorDefinition> all() {
        return List.copyOf(BY_ID.values());
    }

    public static Optional<IndicatorDefinition> find(String id) {
        return Optional.ofNullable(BY_ID.get(id));
    }

    /** The definition of a known id; an unknown id is a programming error, not bad input. */
    public static IndicatorDefinition require(String id) {
        IndicatorDefinition definition = BY_ID.get(id);
        if (definition == null) {
            throw new IllegalArgumentException("no indicator " + id + " in catalogue " + VERSION);
        }
        return definition;
    }

    /** The indicators this engine computes today, in catalogue order. */
    public static List<IndicatorDefinition> computed() {
        return BY_ID.values().stream().filter(IndicatorDefinition::computed).toList();
    }

    private static IndicatorDefinition ratio(boolean computed, String id, String definition, String follows,
                                             ScopeKind... scopes) {
        return new IndicatorDefinition(id, definition, IndicatorDefinition.PERCENT, HIGHER_IS_BETTER, QUANTITATIVE,
                follows, Measure.RATIO, 0, List.of(scopes), computed);
    }

    /** @param measure {@link Measure#EXACT_PERCENTILE} for bounded whole numbers, else {@link Measure#PERCENTILE} */
    private static IndicatorDefinition percentile(boolean computed, String id, String definition, String unit,
                                                  double quantile, Measure measure, String follows,
                                                  ScopeKind... scopes) {
        IndicatorDirection direction = LOWER_IS_BETTER;
        return new IndicatorDefinition(id, definition, unit, direction, QUANTITATIVE, follows, measure,
                quantile, List.of(scopes), computed);
    }

    private static Map<String, IndicatorDefinition> index(List<IndicatorDefinition> definitions) {
        Map<String, IndicatorDefinition> byId = new LinkedHashMap<>();
        for (IndicatorDefinition definition : definitions) {
            if (byId.put(definition.id(), definition) != null) {
                throw new IllegalStateException("duplicate indicator id " + definition.id());
            }
        }
        return byId;
    }
}
