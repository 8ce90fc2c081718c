package io.civicpulse.streams.validation;

import java.util.Map;

/** Why an input cannot be used: a reason code of {@link DeadLetters}, a message, and the offending detail. */
public record Problem(String reason, String message, Map<String, String> detail) {

    public Problem {
        detail = Map.copyOf(detail);
    }

    public static Problem of(String reason, String message, String field) {
        return new Problem(reason, message, Map.of("field", field));
    }
}
