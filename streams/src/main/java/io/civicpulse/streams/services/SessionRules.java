package io.civicpulse.streams.services;

import java.util.ArrayList;
import java.util.List;

import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.services.SessionPhase;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;

/**
 * E-service sessions: a session that ends (COMPLETED, FAILED or ABANDONED) counts once in gov.e-service-success,
 * as a success when COMPLETED; a COMPLETED session of known channel counts once in gov.digital-channel-share, as
 * digital on WEB, APP or API. Both per city and per service. STARTED events contribute nothing but are checked and
 * de-duplicated like the rest; an UNKNOWN phase is rejected, because it cannot be placed in either indicator.
 */
public final class SessionRules implements EventRules<ServiceSessionEvent> {

    private static final String SUCCESS = IndicatorCatalogue.GOV_E_SERVICE_SUCCESS.id();
    private static final String DIGITAL_SHARE = IndicatorCatalogue.GOV_DIGITAL_CHANNEL_SHARE.id();

    @Override
    public String input() {
        return "sessions";
    }

    @Override
    public String city(ServiceSessionEvent event) {
        return event.getCity();
    }

    @Override
    public String eventId(ServiceSessionEvent event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(ServiceSessionEvent event) {
        return event.getOccurredAt().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(ServiceSessionEvent event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(ServiceSessionEvent event) {
        if (event.getPhase() == SessionPhase.UNKNOWN) {
            return Problem.of(DeadLetters.UNKNOWN_ENUM, "session phase is UNKNOWN (a value this engine does not"
                    + " know), so the session cannot be counted", "phase");
        }
        if (event.getServiceId() == null || event.getServiceId().isBlank()) {
            return Problem.of(DeadLetters.MISSING_FIELD, "session has no serviceId", "serviceId");
        }
        return null;
    }

    @Override
    public List<Contribution> contributions(ServiceSessionEvent event, EventOrigin origin) {
        SessionPhase phase = event.getPhase();
        if (phase == SessionPhase.STARTED) {
            return List.of();
        }
        String city = event.getCity();
        long time = eventTimeMs(event);
        List<String> scopes = List.of(ScopeKind.CITY_SCOPE, ScopeKind.SERVICE.scope(event.getServiceId()));
        List<Contribution> contributions = new ArrayList<>(4);
        boolean completed = phase == SessionPhase.COMPLETED;
        for (String scope : scopes) {
            contributions.add(Contribution.count(city, SUCCESS, scope, time, completed ? 1 : 0, 1, origin));
        }
        if (completed && event.getChannel() != ServiceChannel.UNKNOWN) {
            long digital = ServiceChannels.isDigital(event.getChannel()) ? 1 : 0;
            for (String scope : scopes) {
                contributions.add(Contribution.count(city, DIGITAL_SHARE, scope, time, digital, 1, origin));
            }
        }
        return contributions;
    }
}
