package io.civicpulse.ingest.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.topics.Topics;

class DeadLettersTest {

    private final Clock clock = Clock.fixed(Instant.parse("2025-06-10T08:00:00Z"), ZoneOffset.UTC);
    private final MockKafka kafka = new MockKafka("sofia", clock);

    @AfterEach
    void close() {
        kafka.close();
    }

    private static Rejection rejection(byte[] payload) {
        return new Rejection("ingest.gtfs-rt", "gtfsrt.truncated-protobuf", "input ended in the middle of a field",
                "sofia", "trip-updates", "http://127.0.0.1/trip-updates", payload, "application/x-protobuf",
                Map.of("status", "200"));
    }

    @Test
    void aSmallPayloadTravelsInsideTheDeadLetterKeyedBySourceAndReason() {
        byte[] raw = {0x0a, 0x05, 0x12};
        kafka.deadLetters.reject(rejection(raw)).join();

        assertThat(kafka.records(Topics.DEAD_LETTERS)).singleElement().satisfies(sent -> {
            assertThat(sent.key()).isEqualTo("ingest.gtfs-rt/gtfsrt.truncated-protobuf");
            DeadLetter letter = sent.value();
            assertThat(letter.getPayload()).isEqualTo(ByteBuffer.wrap(raw));
            assertThat(letter.getPayloadReference()).isNull();
            assertThat(letter.getPayloadSize()).isEqualTo(3);
            assertThat(letter.getCity()).isEqualTo("sofia");
            assertThat(letter.getFeedId()).isEqualTo("trip-updates");
            assertThat(letter.getOccurredAt()).isEqualTo(clock.instant());
            assertThat(letter.getHeaders()).containsEntry("status", "200");
        });
    }

    @Test
    void aLargePayloadIsReferencedByItsDigestAndWhereItWasSeen() {
        byte[] raw = new byte[DeadLetters.MAX_INLINE_PAYLOAD + 1];
        DeadLetter letter = DeadLetters.toRecord(rejection(raw), clock);

        assertThat(letter.getPayload()).isNull();
        assertThat(letter.getPayloadSize()).isEqualTo(raw.length);
        assertThat(letter.getPayloadReference()).startsWith("sha256:" + EventIds.sha256Hex(raw))
                .contains("http://127.0.0.1/trip-updates");
    }

    @Test
    void anOversizedRejectionMakesADeadLetterWellUnderTheRecordLimit() throws Exception {
        java.util.Map<String, String> detail = new java.util.HashMap<>();
        for (int i = 0; i < 200; i++) {
            detail.put("detail-" + i, "d".repeat(10_000));
        }
        Rejection huge = new Rejection("intake", "amount.out-of-range", "m".repeat(2_000_000), "sofia", null,
                "o".repeat(100_000), new byte[DeadLetters.MAX_INLINE_PAYLOAD], "application/json", detail);

        DeadLetter letter = DeadLetters.toRecord(huge, clock);

        assertThat(letter.toByteBuffer().remaining()).isLessThan(512 * 1024);
        assertThat(letter.getMessage()).startsWith("mmm");
        assertThat(letter.getPayload()).isNotNull();
    }

    @Test
    void theSameBadInputRejectedTwiceHasTheSameEventId() {
        byte[] raw = "not a feed".getBytes(StandardCharsets.UTF_8);
        Clock later = Clock.offset(clock, java.time.Duration.ofMinutes(1));

        assertThat(DeadLetters.toRecord(rejection(raw), clock).getEventId())
                .isEqualTo(DeadLetters.toRecord(rejection(raw.clone()), later).getEventId())
                .isNotEqualTo(DeadLetters.toRecord(rejection(new byte[] {1}), clock).getEventId());
    }

    @Test
    void everyRejectionIsCountedByReason() {
        kafka.deadLetters.reject(rejection(new byte[] {1})).join();
        kafka.deadLetters.reject(rejection(new byte[] {2})).join();

        assertThat(kafka.metrics.rejectedCount("gtfsrt.truncated-protobuf")).isEqualTo(2);
    }
}
