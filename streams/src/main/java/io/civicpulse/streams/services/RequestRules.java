package io.civicpulse.streams.services;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import io.civicpulse.schemas.services.RequestLifecycle;
import io.civicpulse.schemas.services.ServiceRequestEvent;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * Open311 service requests. Each CLOSED event counts once in gov.requests-closed-on-time (when the request has an
 * expected time) and, for non-emergency requests, adds its resolution time in hours to
 * gov.request-resolution-time-p50, both in the window where the request closed; each OPENED event of a request a
 * resident filed counts once in gov.civic-reports-per-100k. Scopes: city, service:&lt;serviceCode&gt; and
 * district:&lt;district&gt; when ingest placed the request in a district (civic reports: city and district only, as
 * population is known per area, not per service).
 *
 * <p>gov.open-requests is a level, so it needs to know what each request was last counted as: {@value #STORE}
 * holds, per request, whether it is open, in which service and district it is counted, and the version
 * ({@code updatedAt}) that said so. Each event moves the request to the state it describes and contributes only the
 * difference: OPENED seen twice adds one request, not two; CLOSED without an OPENED seen removes nothing (the
 * request was never counted open); REOPENED adds it back; a service code changed while open moves it between
 * services. A version older than the one applied (a replay, a retried poll) changes nothing. Closed requests are
 * forgotten {@link #CLOSED_RETENTION} after they were last seen: the input topic keeps events no longer than that,
 * so no older version can arrive to be told from them. Requests must be keyed by city and request id on the input
 * topic (as ingest does), so that all versions of a request meet in one task.
 */
public final class RequestRules implements EventRules<ServiceRequestEvent> {

    public static final String STORE = "open311-request-state";
    /** As long as the requests topic keeps an event (Topics.SERVICE_REQUESTS retention). */
    public static final Duration CLOSED_RETENTION = Duration.ofDays(7);
    /** How often closed requests past the retention are deleted. */
    private static final Duration PURGE_EVERY = Duration.ofHours(1);
    private static final double HOUR_MS = 3_600_000;

    private static final String ON_TIME = IndicatorCatalogue.GOV_REQUESTS_CLOSED_ON_TIME.id();
    private static final String RESOLUTION = IndicatorCatalogue.GOV_REQUEST_RESOLUTION_TIME_P50.id();
    private static final String OPEN = IndicatorCatalogue.GOV_OPEN_REQUESTS.id();
    private static final String CIVIC_REPORTS = IndicatorCatalogue.GOV_CIVIC_REPORTS_PER_100K.id();

    private ProcessorContext<?, ?> context;
    private KeyValueStore<String, RequestState> states;

    /** The serde of {@value #STORE}. */
    public static org.apache.kafka.common.serialization.Serde<?> stateSerde() {
        return RequestState.serde();
    }

    @Override
    public void init(ProcessorContext<?, ?> context) {
        this.context = context;
        this.states = context.getStateStore(STORE);
        context.schedule(PURGE_EVERY, PunctuationType.WALL_CLOCK_TIME, this::purge);
    }

    @Override
    public String input() {
        return "requests";
    }

    @Override
    public String city(ServiceRequestEvent event) {
        return event.getCity();
    }

    @Override
    public String eventId(ServiceRequestEvent event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(ServiceRequestEvent event) {
        return event.getEventTime().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(ServiceRequestEvent event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(ServiceRequestEvent event) {
        if (event.getLifecycle() == RequestLifecycle.UNKNOWN) {
            return Problem.of(DeadLetters.UNKNOWN_ENUM, "request lifecycle is UNKNOWN (a value this engine does not"
                    + " know), so the request's state cannot be followed", "lifecycle");
        }
        if (event.getServiceRequestId() == null || event.getServiceRequestId().isBlank()) {
            return Problem.of(DeadLetters.MISSING_FIELD, "request has no serviceRequestId", "serviceRequestId");
        }
        if (event.getServiceCode() == null || event.getServiceCode().isBlank()) {
            return Problem.of(DeadLetters.MISSING_FIELD, "request has no serviceCode", "serviceCode");
        }
        // Checked here, before any state is updated, rather than after the contributions are made.
        for (String scope : scopes(event.getServiceCode(), event.getDistrict(), true)) {
            String invalid = ValidationProcessor.invalidScope(scope);
            if (invalid != null) {
                return Problem.of(DeadLetters.INVALID_FIELD, invalid, "scope");
            }
        }
        if (closes(event) && closedAtMs(event) < event.getRequestedAt().toEpochMilli()) {
            return Problem.of(DeadLetters.INVALID_FIELD, "request closed at " + event.getClosedAt()
                    + ", before it was requested at " + event.getRequestedAt(), "closedAt");
        }
        return null;
    }

    @Override
    public List<Contribution> contributions(ServiceRequestEvent event, EventOrigin origin) {
        String city = event.getCity();
        List<Contribution> contributions = new ArrayList<>(8);
        if (closes(event)) {
            long closedAt = closedAtMs(event);
            List<String> scopes = scopes(event.getServiceCode(), event.getDistrict(), true);
            if (event.getExpectedAt() != null) {
                long onTime = closedAt <= event.getExpectedAt().toEpochMilli() ? 1 : 0;
                for (String scope : scopes) {
                    contributions.add(Contribution.count(city, ON_TIME, scope, closedAt, onTime, 1, origin));
                }
            }
            if (!event.getEmergency()) {
                double hours = (closedAt - event.getRequestedAt().toEpochMilli()) / HOUR_MS;
                for (String scope : scopes) {
                    contributions.add(Contribution.sample(city, RESOLUTION, scope, closedAt, hours, origin));
                }
            }
        }
        if (event.getLifecycle() == RequestLifecycle.OPENED && event.getReportedByResident()) {
            for (String scope : scopes(event.getServiceCode(), event.getDistrict(), false)) {
                contributions.add(Contribution.count(city, CIVIC_REPORTS, scope,
                        event.getRequestedAt().toEpochMilli(), 1, 0, origin));
            }
        }
        openRequestChanges(event, origin, contributions);
        return contributions;
    }

    /** Moves the request to the state the event describes and adds the changes of gov.open-requests. */
    private void openRequestChanges(ServiceRequestEvent event, EventOrigin origin, List<Contribution> into) {
        String key = event.getCity() + "/" + event.getServiceRequestId();
        RequestState before = states.get(key);
        long version = event.getUpdatedAt().toEpochMilli();
        if (before != null && before.versionMs() > version) {
            return; // an older version than the one applied: it cannot change what is known now
        }
        boolean open = !closes(event) && !(event.getLifecycle() == RequestLifecycle.UPDATED
                && event.getClosedAt() != null);
        RequestState after = new RequestState(open, version, context.currentSystemTimeMs(), event.getServiceCode(),
                event.getDistrict());
        states.put(key, after);

        Set<String> counted = before != null && before.open()
                ? new LinkedHashSet<>(scopes(before.serviceCode(), before.district(), true)) : Set.of();
        Set<String> counting = open
                ? new LinkedHashSet<>(scopes(after.serviceCode(), after.district(), true)) : Set.of();
        long time;
        if (!counted.isEmpty() && counting.isEmpty()) {
            time = closedAtMs(event);
        } else if (counted.isEmpty() && !counting.isEmpty() && before == null) {
            time = event.getRequestedAt().toEpochMilli(); // open since it was requested, even if OPENED was missed
        } else {
            time = version; // reopened, or moved to another service or district while open
        }
        for (String scope : counted) {
            if (!counting.contains(scope)) {
                into.add(openChange(event.getCity(), scope, time, -1, origin));
            }
        }
        for (String scope : counting) {
            if (!counted.contains(scope)) {
                into.add(openChange(event.getCity(), scope, time, 1, origin));
            }
        }
    }

    private static Contribution openChange(String city, String scope, long time, long change, EventOrigin origin) {
        // The sample count of a level is the number of requests behind it, so it moves with the level.
        return new Contribution(city, OPEN, scope, time, change, 0, change, Double.NaN, origin);
    }

    private static boolean closes(ServiceRequestEvent event) {
        return event.getLifecycle() == RequestLifecycle.CLOSED;
    }

    /** When the request closed: closedAt, or the version's updatedAt when ingest left it empty. */
    private static long closedAtMs(ServiceRequestEvent event) {
        return event.getClosedAt() != null ? event.getClosedAt().toEpochMilli() : event.getUpdatedAt().toEpochMilli();
    }

    private static List<String> scopes(String serviceCode, String district, boolean withService) {
        List<String> scopes = new ArrayList<>(3);
        scopes.add(ScopeKind.CITY_SCOPE);
        if (withService) {
            scopes.add(ScopeKind.SERVICE.scope(serviceCode));
        }
        if (district != null && !district.isBlank()) {
            scopes.add(ScopeKind.DISTRICT.scope(district));
        }
        return scopes;
    }

    private void purge(long wallClockMs) {
        long retentionMs = CLOSED_RETENTION.toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, RequestState> all = states.all()) {
            while (all.hasNext()) {
                KeyValue<String, RequestState> entry = all.next();
                if (!entry.value.open() && wallClockMs - entry.value.seenAtMs() > retentionMs) {
                    expired.add(entry.key);
                }
            }
        }
        // Deleted after the scan: stores are not to be modified under an open iterator.
        expired.forEach(states::delete);
    }
}
