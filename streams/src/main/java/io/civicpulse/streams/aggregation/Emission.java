package io.civicpulse.streams.aggregation;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.indicators.IndicatorValue;

/** What the window processor sends on: an indicator value, or a dead letter for an event it could not count. */
public sealed interface Emission {

    /**
     * A value for {@code civicpulse.indicators.v1}; also for {@code civicpulse.indicators.latest.v1} when
     * {@code latest} (no newer period of the same key was published there).
     */
    record Value(String key, IndicatorValue value, boolean latest) implements Emission {
    }

    /** A record for {@code civicpulse.dead-letters.v1}, keyed {@code source/reason}. */
    record Rejected(String key, DeadLetter deadLetter) implements Emission {
    }
}
