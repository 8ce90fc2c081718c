package io.civicpulse.streams.alerts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventContributions;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.EventTimeExtractor;
import io.civicpulse.streams.validation.ReceivedSerde;

/**
 * pt.alert-affected-routes, city scope: routes of the city's static feed with at least one service alert in effect
 * / routes of the city's static feed, as a level. Routes (compacted, keyed by route) and alerts (keyed by alert)
 * reach this processor through one repartition topic keyed by city, so that one task holds a city's routes
 * ({@value #ROUTES_STORE}), alerts ({@value #ALERTS_STORE}) and, per route, the number of alerts in effect naming it
 * ({@value #COUNTS_STORE}): a route named by two alerts counts once, and leaves the numerator only when the last one
 * ends. A route named by an alert but not in the static feed is in neither side.
 *
 * <p>An alert is in effect from its alertTime (when ingest first saw that state in the feed) while it has not been
 * removed and, if it has active periods, while one of them holds (start inclusive, end exclusive). Period starts and
 * ends after alertTime take effect at their own time, once the city's alert clock has passed them; that clock
 * ({@value #CLOCKS_STORE}) is the newest feed timestamp of the city's alerts, moved on by the wall time elapsed
 * since it was received (ingest publishes an alert only when it changes, so the alert stream is silent while
 * nothing changes). The clock never runs ahead of real time, so a period change is never applied early; in a fast
 * replay it is applied when the next alert record moves the clock, still at its own time. A state older than the one
 * applied (alertTime) changes nothing; a state seen again changes nothing. An alert no longer in effect and with no
 * period ahead is kept as a marker for {@link #RETENTION} after its alertTime (the alert topic's retention, so a
 * re-delivered older state cannot count again), then forgotten; state is bounded by the routes of the static feed and
 * the alerts of the last week.
 */
public final class AlertedRoutesProcessor implements Processor<String, AlertInput, String, Checked> {

    public static final String ROUTES_STORE = "alert-active-routes";
    public static final String ALERTS_STORE = "alert-states";
    public static final String COUNTS_STORE = "alert-route-counts";
    public static final String CLOCKS_STORE = "alert-city-clock";
    /** Name of the repartition topic of routes and alerts by city. */
    public static final String REPARTITION = "alert-route-inputs";
    /** As long as the alert topic keeps a record (Topics.SERVICE_ALERTS retention). */
    public static final Duration RETENTION = Duration.ofDays(7);
    private static final Duration SCAN_EVERY = Duration.ofMinutes(1);

    private static final String INDICATOR = IndicatorCatalogue.PT_ALERT_AFFECTED_ROUTES.id();
    private static final String SEPARATOR = "|";

    private ProcessorContext<String, Checked> context;
    private KeyValueStore<String, Long> routes;
    private KeyValueStore<String, AlertState> alerts;
    private KeyValueStore<String, Integer> counts;
    private KeyValueStore<String, Long> clocks;
    /** Per city: the alert clock's last known feed time and the wall time it was known at. */
    private final Map<String, long[]> anchors = new HashMap<>();

    /**
     * Adds the routes and alert inputs, their checks, the repartition by city, the stores and this processor; returns
     * the checked events (dead letters and contributions).
     */
    public static KStream<String, Checked> addTo(StreamsBuilder builder, EngineConfig config,
                                                 Map<String, Object> serdeConfig) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ROUTES_STORE),
                Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERTS_STORE),
                Serdes.String(), AlertState.serde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COUNTS_STORE),
                Serdes.String(), Serdes.Integer()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CLOCKS_STORE),
                Serdes.String(), Serdes.Long()));
        KStream<String, AlertInput> routes = builder
                .stream(Topics.ROUTES.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.ROUTES.valueSerde(serdeConfig)))
                        .withName("routes-source"))
                .process(() -> new AlertInputChecks.Routes(config), Named.as("routes-check"));
        AlertRules rules = new AlertRules(config.maxFutureSkew());
        KStream<String, AlertInput> alerts = builder
                .stream(Topics.SERVICE_ALERTS.name(), Consumed.with(Serdes.String(),
                                ReceivedSerde.wrap(Topics.SERVICE_ALERTS.valueSerde(serdeConfig)))
                        .withTimestampExtractor(new EventTimeExtractor<>(ServiceAlert.class, rules::eventTimeMs))
                        .withName(rules.input() + "-source"))
                .process(() -> new AlertInputChecks.Alerts(config), Named.as(rules.input() + "-check"));
        Map<String, KStream<String, AlertInput>> checked = routes
                .merge(alerts, Named.as("alert-inputs-merge"))
                .split(Named.as("alert-inputs-"))
                .branch((key, value) -> value instanceof AlertInput.Invalid, Branched.as("invalid"))
                .defaultBranch(Branched.as("valid"));
        KStream<String, Checked> rejected = checked.get("alert-inputs-invalid")
                .mapValues(value -> (Checked) new Checked.Rejected(((AlertInput.Invalid) value).deadLetter()),
                        Named.as("alert-inputs-rejected"));
        KStream<String, Checked> changes = checked.get("alert-inputs-valid")
                .selectKey((key, value) -> value.city(), Named.as("alert-inputs-by-city"))
                .repartition(Repartitioned.with(Serdes.String(), AlertInput.serde()).withName(REPARTITION))
                .process(AlertedRoutesProcessor::new, Named.as("alert-affected-routes"), ROUTES_STORE, ALERTS_STORE,
                        COUNTS_STORE, CLOCKS_STORE);
        return rejected.merge(changes, Named.as("alert-inputs-checked"));
    }

    @Override
    public void init(ProcessorContext<String, Checked> context) {
        this.context = context;
        this.routes = context.getStateStore(ROUTES_STORE);
        this.alerts = context.getStateStore(ALERTS_STORE);
        this.counts = context.getStateStore(COUNTS_STORE);
        this.clocks = context.getStateStore(CLOCKS_STORE);
        // Wall clock: period ends must apply while the alert feed is silent.
        context.schedule(SCAN_EVERY, PunctuationType.WALL_CLOCK_TIME, this::scan);
    }

    @Override
    public void process(Record<String, AlertInput> record) {
        AlertInput input = record.value();
        if (input instanceof AlertInput.RouteChange route) {
            routeChange(route);
        } else if (input instanceof AlertInput.AlertChange alert) {
            alertChange(alert);
        }
    }

    private void routeChange(AlertInput.RouteChange change) {
        String key = change.city() + SEPARATOR + change.routeId();
        boolean was = routes.get(key) != null;
        if (change.present() == was) {
            return; // the same route published again
        }
        if (change.present()) {
            routes.put(key, change.timeMs());
        } else {
            routes.delete(key);
        }
        long denominator = change.present() ? 1 : -1;
        long numerator = alertsInEffect(key) > 0 ? denominator : 0;
        // The sample count of the level is the number of routes behind it.
        emit(change.city(), change.origin().eventId(), change.timeMs(), List.of(new Contribution(change.city(),
                INDICATOR, ScopeKind.CITY_SCOPE, change.timeMs(), numerator, denominator, denominator, Double.NaN,
                change.origin())));
    }

    private void alertChange(AlertInput.AlertChange change) {
        String city = change.city();
        long now = context.currentSystemTimeMs();
        observeFeedTime(city, change.feedTimeMs(), now);
        // The city's other alerts first: their period changes up to the new clock come before this record's change.
        advanceCity(city, clock(city, now));
        String key = city + SEPARATOR + change.feedId() + SEPARATOR + change.alertId();
        AlertState before = alerts.get(key);
        if (before != null && change.alertTimeMs() < before.versionMs) {
            return; // an older state than the one applied
        }
        AlertState after = new AlertState(change.alertTimeMs(), change.removed(), change.routes(), change.periods(),
                change.origin().sourceTopic(), change.origin().sourcePartition(), false, change.alertTimeMs());
        after.inEffect = after.inEffectAt(change.alertTimeMs());
        List<Contribution> out = new ArrayList<>(2);
        moveCounts(city, counted(before), counted(after), change.alertTimeMs(), change.origin(), out);
        advance(city, key, after, clock(city, now), out);
        keepOrForget(key, after, clock(city, now));
        emit(city, "alert-routes:" + change.origin().sourceTopic() + "/" + change.origin().sourcePartition() + "@"
                + change.origin().sourceOffset(), change.alertTimeMs(), out);
    }

    private static Set<String> counted(AlertState state) {
        return state != null && state.inEffect ? state.routes : Set.of();
    }

    /** Applies the alert's period starts and ends up to {@code upTo}, each at its own time. */
    private void advance(String city, String key, AlertState state, long upTo, List<Contribution> out) {
        long time = state.evaluatedToMs;
        for (long boundary = state.nextBoundaryAfter(time); boundary != AlertState.NONE && boundary <= upTo;
             boundary = state.nextBoundaryAfter(time)) {
            boolean effect = state.inEffectAt(boundary);
            if (effect != state.inEffect) {
                EventOrigin origin = new EventOrigin("period:" + key + "@" + boundary, state.sourceTopic,
                        state.sourcePartition, -1, null, 0);
                moveCounts(city, counted(state), effect ? state.routes : Set.of(), boundary, origin, out);
                state.inEffect = effect;
            }
            time = boundary;
        }
        state.evaluatedToMs = Math.max(time, upTo);
    }

    /**
     * Moves the per-route alert counts from the routes an alert was counted for to those it is counted for now, and
     * adds the change of the indicator: a route enters the numerator with its first alert in effect and leaves it
     * with its last, and only while it is in the static feed.
     */
    private void moveCounts(String city, Set<String> counted, Set<String> counting, long time, EventOrigin origin,
                            List<Contribution> out) {
        long numerator = 0;
        for (String route : counted) {
            if (!counting.contains(route)) {
                String key = city + SEPARATOR + route;
                int now = Math.max(0, alertsInEffect(key) - 1);
                if (now == 0) {
                    counts.delete(key);
                    numerator -= routes.get(key) != null ? 1 : 0;
                } else {
                    counts.put(key, now);
                }
            }
        }
        for (String route : counting) {
            if (!counted.contains(route)) {
                String key = city + SEPARATOR + route;
                int now = alertsInEffect(key) + 1;
                counts.put(key, now);
                numerator += now == 1 && routes.get(key) != null ? 1 : 0;
            }
        }
        if (numerator != 0) {
            out.add(new Contribution(city, INDICATOR, ScopeKind.CITY_SCOPE, time, numerator, 0, 0, Double.NaN,
                    origin));
        }
    }

    private int alertsInEffect(String routeKey) {
        Integer count = counts.get(routeKey);
        return count == null ? 0 : count;
    }

    /** Stores the alert while it is or may again be in effect, or as a marker within the retention; else forgets it. */
    private void keepOrForget(String key, AlertState state, long clock) {
        boolean pending = state.inEffect || state.nextBoundaryAfter(state.evaluatedToMs) != AlertState.NONE;
        if (pending || clock == Long.MIN_VALUE || clock - state.versionMs <= RETENTION.toMillis()) {
            alerts.put(key, state);
        } else {
            alerts.delete(key);
        }
    }

    private void emit(String city, String dedupId, long time, List<Contribution> contributions) {
        if (!contributions.isEmpty()) {
            context.forward(new Record<>(city, new Checked.Accepted(new EventContributions(
                    dedupId.startsWith("alert-routes:") ? dedupId : "alert-routes:" + dedupId, time, contributions)),
                    time));
        }
    }

    /** The city's alert clock at wall time {@code now}; {@link Long#MIN_VALUE} before any alert of the city. */
    private long clock(String city, long now) {
        long[] anchor = anchors.get(city);
        if (anchor == null) {
            Long stored = clocks.get(city);
            if (stored == null) {
                return Long.MIN_VALUE;
            }
            // After a restart the downtime is not counted: the clock may lag, never lead.
            anchor = new long[] {stored, now};
            anchors.put(city, anchor);
        }
        return anchor[0] + Math.max(0, now - anchor[1]);
    }

    private void observeFeedTime(String city, long feedMs, long now) {
        if (feedMs > clock(city, now)) {
            anchors.put(city, new long[] {feedMs, now});
            clocks.put(city, feedMs);
        }
    }

    /** Every minute: applies the period changes the clocks have passed and forgets markers past the retention. */
    private void scan(long wallClockMs) {
        List<String> cities = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = clocks.all()) {
            all.forEachRemaining(entry -> cities.add(entry.key));
        }
        for (String city : cities) {
            long clock = clock(city, wallClockMs);
            advanceCity(city, clock);
            // Kept so that a restart resumes from the clock's progress, not from the last alert record.
            clocks.put(city, clock);
        }
    }

    /** Applies the period changes of the city's alerts up to {@code clock}, and forgets markers past the retention. */
    private void advanceCity(String city, long clock) {
        if (clock == Long.MIN_VALUE) {
            return;
        }
        List<KeyValue<String, AlertState>> due = new ArrayList<>();
        // '|' + 1 is '}': the range holds exactly the keys of this city.
        try (KeyValueIterator<String, AlertState> all = alerts.range(city + SEPARATOR, city + "}")) {
            while (all.hasNext()) {
                KeyValue<String, AlertState> entry = all.next();
                AlertState state = entry.value;
                long next = state.nextBoundaryAfter(state.evaluatedToMs);
                boolean marker = !state.inEffect && next == AlertState.NONE;
                if (next <= clock || (marker && clock - state.versionMs > RETENTION.toMillis())) {
                    due.add(entry);
                }
            }
        }
        // Written after the scan: stores are not to be modified under an open iterator.
        for (KeyValue<String, AlertState> entry : due) {
            AlertState state = entry.value;
            long from = state.evaluatedToMs;
            List<Contribution> out = new ArrayList<>(1);
            advance(city, entry.key, state, clock, out);
            keepOrForget(entry.key, state, clock);
            long time = out.isEmpty() ? clock : out.get(out.size() - 1).eventTimeMs();
            emit(city, "period:" + entry.key + "@" + state.versionMs + ">" + from, time, out);
        }
    }
}
