package io.civicpulse.streams.aggregation;

import java.util.List;
import java.util.Objects;

/**
 * One accepted event reduced to what the indicators need: its de-duplication id (input kind plus eventId), its
 * event time, and its contributions to each series. An event with no contributions (a session STARTED) is still
 * kept up to de-duplication, so that its id is remembered.
 */
public record EventContributions(String dedupId, long eventTimeMs, List<Contribution> contributions) {

    public EventContributions {
        Objects.requireNonNull(dedupId, "dedupId");
        contributions = List.copyOf(contributions);
    }
}
