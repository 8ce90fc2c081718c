package io.civicpulse.ingest.publish;

import java.util.Map;
import java.util.Objects;

/**
 * One input ingest could not use, before it becomes a {@code DeadLetter}: why (a stable reason code, counted),
 * what a person needs to understand it, where it came from, and its raw bytes.
 *
 * @param source      component, e.g. {@code ingest.gtfs-rt}
 * @param reason      stable reason code, e.g. {@code gtfsrt.truncated-protobuf}
 * @param payload     the raw input (a whole feed, or the one entity that was rejected); null when there is none
 * @param detail      context as text: HTTP status, entity id, the offending field...
 */
public record Rejection(String source, String reason, String message, String city, String feedId, String origin,
                        byte[] payload, String contentType, Map<String, String> detail) {

    public Rejection {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        detail = detail == null ? Map.of() : Map.copyOf(detail);
    }
}
