package io.civicpulse.streams.validation;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.streams.aggregation.EventContributions;

/** The outcome of validating one input record: errors are values, split from good records in the topology. */
public sealed interface Checked {

    record Accepted(EventContributions event) implements Checked {
    }

    record Rejected(DeadLetter deadLetter) implements Checked {
    }
}
