package io.civicpulse.streams.services;

import java.util.ArrayList;
import java.util.List;

import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;

/**
 * Payments: each counts once in gov.e-payment-share, as electronic when the source says the money moved
 * electronically (PaymentEvent.electronic), per city and, when the payment names its service, per service.
 */
public final class PaymentRules implements EventRules<PaymentEvent> {

    private static final String E_PAYMENT_SHARE = IndicatorCatalogue.GOV_E_PAYMENT_SHARE.id();

    @Override
    public String input() {
        return "payments";
    }

    @Override
    public String city(PaymentEvent event) {
        return event.getCity();
    }

    @Override
    public String eventId(PaymentEvent event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(PaymentEvent event) {
        return event.getOccurredAt().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(PaymentEvent event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(PaymentEvent event) {
        if (event.getAmountMinor() <= 0) {
            return Problem.of(DeadLetters.INVALID_FIELD, "payment amount " + event.getAmountMinor()
                    + " is not positive (refunds are not payments)", "amountMinor");
        }
        return null;
    }

    @Override
    public List<Contribution> contributions(PaymentEvent event, EventOrigin origin) {
        long electronic = event.getElectronic() ? 1 : 0;
        long time = eventTimeMs(event);
        List<Contribution> contributions = new ArrayList<>(2);
        contributions.add(Contribution.count(event.getCity(), E_PAYMENT_SHARE, ScopeKind.CITY_SCOPE, time,
                electronic, 1, origin));
        String serviceId = event.getServiceId();
        if (serviceId != null && !serviceId.isBlank()) {
            contributions.add(Contribution.count(event.getCity(), E_PAYMENT_SHARE, ScopeKind.SERVICE.scope(serviceId),
                    time, electronic, 1, origin));
        }
        return contributions;
    }
}
