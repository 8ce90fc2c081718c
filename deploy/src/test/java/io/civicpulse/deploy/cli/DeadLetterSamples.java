package io.civicpulse.deploy.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import io.civicpulse.schemas.deadletter.DeadLetter;

final class DeadLetterSamples {

    private DeadLetterSamples() {
    }

    static DeadLetter sample(String id) {
        byte[] payload = "{\"service_request_id\": 006}".getBytes(StandardCharsets.UTF_8);
        return DeadLetter.newBuilder()
                .setSource("test")
                .setReason("json.invalid")
                .setMessage("a number with a leading zero is not JSON")
                .setCity("sofia")
                .setOrigin("test://" + id)
                .setPayload(ByteBuffer.wrap(payload))
                .setPayloadSize(payload.length)
                .setContentType("application/json")
                .setOccurredAt(Instant.parse("2026-11-26T10:15:30.123Z"))
                .setHeaders(Map.of("attempt", "1"))
                .setEventId(id)
                .build();
    }
}
