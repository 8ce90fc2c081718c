package io.civicpulse.streams.validation;

import java.util.List;

import org.apache.kafka.streams.processor.api.ProcessorContext;

import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;

/**
 * What the engine needs to know about one event type: where its common fields are, what else makes one unusable,
 * and what it contributes to which indicators. The checks common to all events (city, eventId, timestamps) are
 * applied by {@link ValidationProcessor} before {@link #problem}. Rules that keep state (a store named in the topology)
 * get it in {@link #init}; such rules are made once per processor instance, never shared between tasks.
 */
public interface EventRules<V> {

    /** Called once by the processor that applies these rules, before any event; stateless rules ignore it. */
    default void init(ProcessorContext<?, ?> context) {
    }

    /** Short name of the input, used in de-duplication ids and metrics, e.g. {@code sessions}. */
    String input();

    String city(V event);

    String eventId(V event);

    long eventTimeMs(V event);

    /** When the pipeline received the event, to tell a future timestamp; null when the type has none. */
    Long ingestedAtMs(V event);

    /** A type-specific reason the event cannot be used, or null when it can. */
    Problem problem(V event);

    /**
     * The event's contributions; only called for events without a problem, and only once per event that the
     * processor accepts (its scopes must already have been checked in {@link #problem}, so that stateful rules
     * never update state for an event that is then rejected).
     */
    List<Contribution> contributions(V event, EventOrigin origin);
}
