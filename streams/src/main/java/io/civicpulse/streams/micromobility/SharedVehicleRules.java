package io.civicpulse.streams.micromobility;

import java.time.Duration;
import java.util.List;

import io.civicpulse.schemas.mobility.AvailabilityKind;
import io.civicpulse.schemas.mobility.SharedVehicleAvailability;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.EventRules;
import io.civicpulse.streams.validation.Problem;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * What makes a GBFS station or vehicle record unusable for the micromobility indicators: a kind this engine does not
 * know, no operator, no station or vehicle id (or one that would break keys), a negative vehicle count, or an
 * ingestion time that does not follow the entry's own report. Contributions are not made here but by
 * {@link SharedVehicleProcessor}, which needs each station's and vehicle's last counted state.
 */
public final class SharedVehicleRules implements EventRules<SharedVehicleAvailability> {

    private final long maxSkewMs;

    public SharedVehicleRules(Duration maxFutureSkew) {
        this.maxSkewMs = maxFutureSkew.toMillis();
    }

    @Override
    public String input() {
        return "shared-vehicles";
    }

    @Override
    public String city(SharedVehicleAvailability event) {
        return event.getCity();
    }

    @Override
    public String eventId(SharedVehicleAvailability event) {
        return event.getEventId();
    }

    @Override
    public long eventTimeMs(SharedVehicleAvailability event) {
        return event.getLastReported().toEpochMilli();
    }

    @Override
    public Long ingestedAtMs(SharedVehicleAvailability event) {
        return event.getIngestedAt().toEpochMilli();
    }

    @Override
    public Problem problem(SharedVehicleAvailability event) {
        if (event.getKind() == AvailabilityKind.UNKNOWN) {
            return Problem.of(DeadLetters.UNKNOWN_ENUM, "availability kind is UNKNOWN: neither a station nor a"
                    + " vehicle, so it cannot be counted", "kind");
        }
        Problem operator = ValidationProcessor.unusableId("record", "operatorId", event.getOperatorId());
        if (operator != null) {
            return operator;
        }
        boolean station = event.getKind() == AvailabilityKind.STATION;
        Problem id = station ? ValidationProcessor.unusableId("record", "stationId", event.getStationId())
                : ValidationProcessor.unusableId("record", "vehicleId", event.getVehicleId());
        if (id != null) {
            return id;
        }
        int vehicles = event.getNumVehiclesAvailable();
        if (station && vehicles < 0) {
            return Problem.of(DeadLetters.INVALID_FIELD, "station " + event.getStationId() + " reports "
                    + vehicles + " vehicles available", "numVehiclesAvailable");
        }
        if (!station && vehicles != 0 && vehicles != 1) {
            return Problem.of(DeadLetters.INVALID_FIELD, "a single vehicle is available (1) or not (0), but "
                    + event.getVehicleId() + " says " + vehicles, "numVehiclesAvailable");
        }
        // The file time drives when entries that stopped appearing are forgotten: one far ahead would forget all.
        return ValidationProcessor.feedAheadOfReceipt(event.getFeedTimestamp(), event.getIngestedAt(), maxSkewMs);
    }

    @Override
    public List<Contribution> contributions(SharedVehicleAvailability event, EventOrigin origin) {
        return List.of();
    }
}
