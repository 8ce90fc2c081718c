package io.civicpulse.schemas.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DeadLetterLimitsTest {

    private static DeadLetter.Builder letter() {
        return DeadLetter.newBuilder().setSource("streams").setReason("event.undeserializable").setMessage("bad")
                .setPayloadSize(3).setOccurredAt(Instant.parse("2026-01-01T00:00:00Z")).setEventId("id")
                .setHeaders(Map.of("field", "city"));
    }

    @Test
    void aLetterWithinTheLimitsIsLeftAsItIs() {
        DeadLetter small = letter().setKey(ByteBuffer.wrap(new byte[] {1, 2})).build();
        assertThat(DeadLetterLimits.cap(small)).isSameAs(small);
    }

    @Test
    void everyPartAtItsWorstMakesALetterWithinTheSerializedBound() throws Exception {
        Map<String, String> headers = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            headers.put(i + "h".repeat(10_000), "\uD83D\uDE00".repeat(10_000));
        }
        String huge = "\uD83D\uDE00".repeat(1_000_000);
        DeadLetter worst = letter().setMessage(huge).setCity(huge).setFeedId(huge).setOrigin(huge)
                .setSourceTopic(huge).setPayloadReference(huge).setContentType(huge).setSource(huge)
                .setReason(huge).setEventId(huge).setKey(ByteBuffer.wrap(new byte[2_000_000]))
                .setPayload(ByteBuffer.wrap(new byte[2_000_000])).setPayloadSize(2_000_000).setHeaders(headers)
                .build();

        DeadLetter capped = DeadLetterLimits.cap(worst);

        assertThat(capped.toByteBuffer().remaining()).isLessThanOrEqualTo(DeadLetterLimits.MAX_SERIALIZED_BYTES)
                .isLessThan(1_000_000);
        assertThat(capped.getPayload()).isNull();
        assertThat(capped.getPayloadSize()).isEqualTo(2_000_000);
        assertThat(capped.getKey().remaining()).isEqualTo(DeadLetterLimits.MAX_KEY_BYTES);
        assertThat(capped.getHeaders()).hasSize(DeadLetterLimits.MAX_HEADERS + 2)
                .containsEntry(DeadLetterLimits.KEY_TRUNCATED_HEADER, "2000000")
                .containsEntry(DeadLetterLimits.HEADERS_DROPPED_HEADER, String.valueOf(1000 - DeadLetterLimits.MAX_HEADERS));
        assertThat(capped.getMessage()).hasSizeLessThanOrEqualTo(DeadLetterLimits.MAX_MESSAGE_CHARS)
                .endsWith("(2000000 chars)");
    }

    @Test
    void cuttingTextNeverSplitsASurrogatePair() {
        String cut = DeadLetterLimits.text("a" + "\uD83D\uDE00".repeat(100), 40);
        assertThat(cut).hasSizeLessThanOrEqualTo(40);
        assertThat(Character.isHighSurrogate(cut.charAt(cut.indexOf("...") - 1))).isFalse();
    }

    @Test
    void anOversizedInlinePayloadWithoutAReferenceSaysItWasNotKept() {
        DeadLetter capped = DeadLetterLimits.cap(letter()
                .setPayload(ByteBuffer.wrap(new byte[DeadLetterLimits.MAX_INLINE_PAYLOAD + 1])).build());
        assertThat(capped.getPayload()).isNull();
        assertThat(capped.getPayloadReference()).contains("not kept");
    }
}
