package io.civicpulse.streams.mobility;

import java.util.List;

import io.civicpulse.schemas.mobility.TripScheduleRelationship;
import io.civicpulse.schemas.mobility.TripUpdate;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * What makes a trip update unusable for deriving stop events: no trip id, a trip id that would break keys, or a
 * schedule relationship this engine does not know. Trip updates contribute to no indicator directly; their stop
 * events do ({@link StopObservationProcessor}).
 */
public final class TripUpdateRules implements EventRules<TripUpdate> {

    @Override
    public String input() {
        return "trip-updates";
    }

    @Override
    public String city(TripUpdate event) {
        return event.getCity();
    }

    @Override
    public String eventId(TripUpdate event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(TripUpdate event) {
        return event.getUpdateTime().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(TripUpdate event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(TripUpdate event) {
        if (event.getTripId() == null || event.getTripId().isBlank()) {
            return Problem.of(DeadLetters.MISSING_FIELD, "trip update has no tripId", "tripId");
        }
        String invalid = ValidationProcessor.invalidScope(event.getTripId());
        if (invalid == null && event.getRouteId() != null) {
            invalid = ValidationProcessor.invalidScope(event.getRouteId());
        }
        if (invalid != null) {
            return Problem.of(DeadLetters.INVALID_FIELD, invalid, "tripId");
        }
        if (event.getScheduleRelationship() == TripScheduleRelationship.UNKNOWN) {
            return Problem.of(DeadLetters.UNKNOWN_ENUM, "trip schedule relationship is UNKNOWN: whether the trip runs"
                    + " cannot be told", "scheduleRelationship");
        }
        return null;
    }

    @Override
    public List<Contribution> contributions(TripUpdate event, EventOrigin origin) {
        return List.of();
    }
}
