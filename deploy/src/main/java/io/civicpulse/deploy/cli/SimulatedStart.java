package io.civicpulse.deploy.cli;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** The {@code --start} of the commands that run the simulator: an ISO-8601 date-time with an offset, or now. */
final class SimulatedStart {

    private SimulatedStart() {
    }

    static Instant parse(CommandLine command, String start) {
        if (start == null || start.isBlank()) {
            return Instant.now();
        }
        try {
            return OffsetDateTime.parse(start).toInstant();
        } catch (DateTimeParseException e) {
            throw new ParameterException(command, "--start must be an ISO-8601 date-time with an offset,"
                    + " e.g. 2026-03-29T01:00:00+02:00; got '" + start + "'", e);
        }
    }
}
