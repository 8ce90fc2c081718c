package io.civicpulse.streams.alerts;

import java.time.Duration;
import java.util.List;

import io.civicpulse.schemas.mobility.ActivePeriod;
import io.civicpulse.schemas.mobility.InformedEntity;
import io.civicpulse.schemas.mobility.ServiceAlert;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * What makes a service alert state unusable: no feed or alert id (or ids that would break keys), an active period
 * that ends before it starts, a route id that would break keys, or a feed timestamp ahead of its own ingestion (it
 * drives the city's alert clock, which would end every period at once). Contributions are made by
 * {@link AlertedRoutesProcessor}, which holds the city's routes and alerts together.
 */
public final class AlertRules implements EventRules<ServiceAlert> {

    private final long maxSkewMs;

    public AlertRules(Duration maxFutureSkew) {
        this.maxSkewMs = maxFutureSkew.toMillis();
    }

    @Override
    public String input() {
        return "service-alerts";
    }

    @Override
    public String city(ServiceAlert event) {
        return event.getCity();
    }

    @Override
    public String eventId(ServiceAlert event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(ServiceAlert event) {
        return event.getAlertTime().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(ServiceAlert event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(ServiceAlert event) {
        Problem problem = ValidationProcessor.unusableId("service alert", "feedId", event.getFeedId());
        if (problem == null) {
            problem = ValidationProcessor.unusableId("service alert", "alertId", event.getAlertId());
        }
        if (problem != null) {
            return problem;
        }
        for (ActivePeriod period : event.getActivePeriods()) {
            if (period.getStart() != null && period.getEnd() != null && !period.getEnd().isAfter(period.getStart())) {
                return Problem.of(DeadLetters.INVALID_FIELD, "alert " + event.getAlertId() + " has an active period"
                        + " ending at " + period.getEnd() + ", not after its start " + period.getStart(),
                        "activePeriods");
            }
        }
        for (InformedEntity entity : event.getInformedEntities()) {
            String route = entity.getRouteId();
            String invalid = route == null ? null : ValidationProcessor.invalidScope(route);
            if (invalid != null) {
                return Problem.of(DeadLetters.INVALID_FIELD, "informed routeId: " + invalid, "informedEntities");
            }
        }
        return ValidationProcessor.feedAheadOfReceipt(event.getFeedTimestamp(), event.getIngestedAt(), maxSkewMs);
    }

    @Override
    public List<Contribution> contributions(ServiceAlert event, EventOrigin origin) {
        return List.of();
    }
}
