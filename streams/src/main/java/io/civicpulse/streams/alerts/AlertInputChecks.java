package io.civicpulse.streams.alerts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.civicpulse.schemas.mobility.ActivePeriod;
import io.civicpulse.schemas.mobility.InformedEntity;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.schemas.reference.Route;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.Received;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * The checks of the two inputs of pt.alert-affected-routes, made where the raw record is still at hand, so that a
 * bad record is dead-lettered with its bytes and source coordinates before the good ones are repartitioned by city.
 */
final class AlertInputChecks {

    /** Metric: an informed entity that names no route (a trip, stop, agency or route type only), not counted. */
    static final String SELECTOR_WITHOUT_ROUTE = "alert-selector-without-route";
    /** Source keys are only carried for dead letters of late events; a key longer than this is left out. */
    private static final int MAX_KEY_LENGTH = 1000;

    private AlertInputChecks() {
    }

    /** Routes of the compacted static-feed topic: a record adds its route, a tombstone (key city/routeId) removes it. */
    static final class Routes implements Processor<String, Received<Route>, String, AlertInput> {

        private final int inlineLimit;
        private ProcessorContext<String, AlertInput> context;
        private EngineMetrics metrics;

        Routes(EngineConfig config) {
            this.inlineLimit = config.inlinePayloadLimit();
        }

        @Override
        public void init(ProcessorContext<String, AlertInput> context) {
            this.context = context;
            this.metrics = new EngineMetrics(context.metrics());
        }

        @Override
        public void process(Record<String, Received<Route>> record) {
            Route route = record.value() == null ? null : record.value().value();
            String city;
            String routeId;
            if (route == null) {
                // A tombstone: the route left the feed. Its city and id are the key's parts.
                String key = record.key();
                int slash = key == null ? -1 : key.indexOf('/');
                city = slash <= 0 ? null : key.substring(0, slash);
                routeId = slash <= 0 ? null : key.substring(slash + 1);
            } else {
                city = route.getCity();
                routeId = route.getRouteId();
            }
            Problem problem = problem(city, routeId, route == null);
            Source source = Source.of(context, record, "routes");
            if (problem != null) {
                metrics.record(EngineMetrics.REJECTED, "routes:" + problem.reason());
                context.forward(record.withValue(source.invalid(record, problem,
                        ValidationProcessor.validCity(city) ? city : null, inlineLimit, context)));
                return;
            }
            EventOrigin origin = source.origin("routes:" + source.coordinates(), record);
            // When ingest published the route by its own clock (updatedAt), as every event's time is its own: a
            // replay or a backfill publishes routes now for feeds of hours ago, and at the record's time the routes
            // would arrive after the windows they belong to. Never later than the record or the wall clock; a
            // tombstone has no updatedAt and takes effect when it was published.
            long publishedAt = Math.min(record.timestamp(), context.currentSystemTimeMs());
            long at = route == null || route.getUpdatedAt() == null ? publishedAt
                    : Math.min(route.getUpdatedAt().toEpochMilli(), publishedAt);
            context.forward(record.withValue(new AlertInput.RouteChange(city, routeId, route != null, at, origin)));
        }

        private static Problem problem(String city, String routeId, boolean tombstone) {
            if (city == null || city.isBlank()) {
                return Problem.of(DeadLetters.MISSING_CITY, tombstone ? "route tombstone without a city/routeId key"
                        : "route has no city", "city");
            }
            if (!ValidationProcessor.validCity(city)) {
                return Problem.of(DeadLetters.INVALID_CITY, "city '" + city + "' is not a lower-case id of at most 64"
                        + " characters ([a-z0-9_-])", "city");
            }
            if (routeId == null || routeId.isBlank()) {
                return Problem.of(DeadLetters.MISSING_FIELD, "route has no routeId", "routeId");
            }
            String invalid = ValidationProcessor.invalidScope(routeId);
            return invalid == null ? null : Problem.of(DeadLetters.INVALID_FIELD, "routeId: " + invalid, "routeId");
        }
    }

    /** Service alert states, checked by {@link AlertRules} and the checks common to every event. */
    static final class Alerts implements Processor<String, Received<ServiceAlert>, String, AlertInput> {

        private final ValidationProcessor<ServiceAlert> checks;
        private final int inlineLimit;
        private ProcessorContext<String, AlertInput> context;
        private EngineMetrics metrics;

        Alerts(EngineConfig config) {
            this.checks = new ValidationProcessor<>(new AlertRules(config.maxFutureSkew()), config);
            this.inlineLimit = config.inlinePayloadLimit();
        }

        @Override
        public void init(ProcessorContext<String, AlertInput> context) {
            this.context = context;
            this.metrics = new EngineMetrics(context.metrics());
        }

        @Override
        public void process(Record<String, Received<ServiceAlert>> record) {
            ServiceAlert alert = record.value() == null ? null : record.value().value();
            Problem problem = alert == null
                    ? Problem.of(DeadLetters.MISSING_FIELD, "record has no value (a tombstone on an event topic)",
                    "value")
                    : checks.problem(alert, context.currentSystemTimeMs());
            Source source = Source.of(context, record, "service-alerts");
            if (problem != null) {
                metrics.record(EngineMetrics.REJECTED, "service-alerts:" + problem.reason());
                String city = alert == null || !ValidationProcessor.validCity(alert.getCity()) ? null
                        : alert.getCity();
                context.forward(record.withValue(source.invalid(record, problem, city, inlineLimit, context)));
                return;
            }
            Set<String> routes = new TreeSet<>();
            for (InformedEntity entity : alert.getInformedEntities()) {
                if (entity.getRouteId() != null && !entity.getRouteId().isBlank()) {
                    routes.add(entity.getRouteId());
                } else {
                    // The route of a trip or stop needs the schedule, which this engine does not hold here.
                    metrics.record(SELECTOR_WITHOUT_ROUTE, IndicatorCatalogue.PT_ALERT_AFFECTED_ROUTES.id());
                }
            }
            List<long[]> periods = new ArrayList<>();
            for (ActivePeriod period : alert.getActivePeriods()) {
                periods.add(new long[] {
                        period.getStart() == null ? Long.MIN_VALUE : period.getStart().toEpochMilli(),
                        period.getEnd() == null ? Long.MAX_VALUE : period.getEnd().toEpochMilli()});
            }
            EventOrigin origin = source.origin(alert.getEventId(), record);
            context.forward(record.withValue(new AlertInput.AlertChange(alert.getCity(), alert.getFeedId(),
                    alert.getAlertId(), alert.getAlertTime().toEpochMilli(), alert.getFeedTimestamp().toEpochMilli(),
                    alert.getRemoved(), routes, periods, origin)));
        }
    }

    /** Where a record came from. */
    private record Source(String topic, int partition, long offset) {

        static Source of(ProcessorContext<?, ?> context, Record<?, ?> record, String fallback) {
            RecordMetadata metadata = context.recordMetadata().orElse(null);
            return metadata == null ? new Source(fallback, -1, -1)
                    : new Source(metadata.topic(), metadata.partition(), metadata.offset());
        }

        String coordinates() {
            return topic + "/" + partition + "@" + offset;
        }

        EventOrigin origin(String eventId, Record<String, ? extends Received<?>> record) {
            String key = record.key() == null || record.key().length() > MAX_KEY_LENGTH ? null : record.key();
            return new EventOrigin(eventId, topic, partition, offset, key,
                    record.value() == null ? 0 : record.value().size());
        }

        AlertInput.Invalid invalid(Record<String, ? extends Received<?>> record, Problem problem, String city,
                                   int inlineLimit, ProcessorContext<?, ?> context) {
            Map<String, String> detail = DeadLetters.headersAsText(record.headers(),
                    new LinkedHashMap<>(problem.detail()));
            return new AlertInput.Invalid(city, DeadLetters.rejected(problem.reason(), problem.message(), city, topic,
                    partition, offset, record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                    record.value() == null ? null : record.value().raw(), detail, context.currentSystemTimeMs(),
                    inlineLimit));
        }
    }
}
