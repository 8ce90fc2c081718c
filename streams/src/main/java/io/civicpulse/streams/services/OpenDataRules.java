package io.civicpulse.streams.services;

import java.util.List;

import io.civicpulse.schemas.services.OpenDataAccessEvent;
import io.civicpulse.schemas.services.OpenDataAccessKind;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;

/**
 * Open-data access: each download or API call counts once in gov.open-data-use-per-100k for its city. An access of
 * UNKNOWN kind is rejected rather than guessed: the indicator counts downloads and API calls, and an unknown kind
 * may be neither (a page view); the dead letter makes a portal that stops sending the kind visible.
 */
public final class OpenDataRules implements EventRules<OpenDataAccessEvent> {

    private static final String OPEN_DATA_USE = IndicatorCatalogue.GOV_OPEN_DATA_USE_PER_100K.id();

    @Override
    public String input() {
        return "open-data";
    }

    @Override
    public String city(OpenDataAccessEvent event) {
        return event.getCity();
    }

    @Override
    public String eventId(OpenDataAccessEvent event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(OpenDataAccessEvent event) {
        return event.getOccurredAt().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(OpenDataAccessEvent event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(OpenDataAccessEvent event) {
        if (event.getAccessKind() == OpenDataAccessKind.UNKNOWN) {
            return Problem.of(DeadLetters.UNKNOWN_ENUM, "open-data access kind is UNKNOWN: neither a download nor an"
                    + " API call as far as this engine can tell", "accessKind");
        }
        return null;
    }

    @Override
    public List<Contribution> contributions(OpenDataAccessEvent event, EventOrigin origin) {
        return List.of(Contribution.count(event.getCity(), OPEN_DATA_USE, ScopeKind.CITY_SCOPE, eventTimeMs(event), 1,
                0, origin));
    }
}
