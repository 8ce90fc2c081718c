package io.civicpulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import io.civicpulse.schemas.common.ServiceChannel;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.services.PaymentEvent;
import io.civicpulse.schemas.services.ServiceSessionEvent;
import io.civicpulse.schemas.services.SessionPhase;
import io.civicpulse.schemas.topics.Topics;

/** Bad input goes to the dead-letter topic with its reason and raw bytes; its good neighbours are still counted. */
class DeadLetterTest {

    private static final Instant T = Instant.parse("2026-03-10T10:00:00Z");

    @TempDir
    Path stateDir;
    private EngineTestKit kit;

    @BeforeEach
    void start(TestInfo test) {
        String name = test.getTestMethod().orElseThrow().getName();
        // TopologyTestDriver under exactly_once_v2 drops the dead-letter-queue records a deserialization handler
        // returns (the record never reaches a processor, so the driver never commits that transaction); under
        // at_least_once it forwards them like any other output. Only the deserialization-handler test needs it.
        Map<String, Object> overrides = name.startsWith("undeserializable")
                ? Map.of("processing.guarantee", "at_least_once") : Map.of();
        kit = new EngineTestKit("dead-letters-" + name, stateDir, overrides);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    private DeadLetter onlyDeadLetter() {
        assertThat(kit.deadLetters()).hasSize(1);
        return kit.deadLetters().get(0);
    }

    /** The good neighbour sent after every bad record: it must still be counted. */
    private void goodNeighbourIsCounted() {
        kit.send(kit.payment("sofia", null, true, T.plusSeconds(30)));
        kit.tick();
        assertThat(kit.lastLive("sofia/gov.e-payment-share/city/PT15M").getDenominator()).isEqualTo(1);
    }

    @Test
    void eventWithoutCityIsRejectedWithItsRawBytes() {
        PaymentEvent payment = kit.payment("", null, true, T.plusSeconds(10));
        kit.send(payment);
        DeadLetter deadLetter = onlyDeadLetter();
        assertThat(deadLetter.getReason()).isEqualTo("event.missing-city");
        assertThat(deadLetter.getSource()).isEqualTo("streams");
        assertThat(deadLetter.getSourceTopic()).isEqualTo(Topics.PAYMENTS.name());
        assertThat(deadLetter.getPayload()).isNotNull();
        assertThat(deadLetter.getPayloadSize()).isEqualTo(deadLetter.getPayload().remaining());
        assertThat(deadLetter.getHeaders()).containsEntry("field", "city");
        assertThat(kit.deadLetterKeys()).containsExactly("streams/event.missing-city");
        goodNeighbourIsCounted();
    }

    @Test
    void eventFromTheFutureIsRejected() {
        PaymentEvent payment = kit.payment("sofia", null, true, T.plusSeconds(10));
        payment.setIngestedAt(T.minusSeconds(3600)); // happened an hour after it was received
        kit.send(payment);
        DeadLetter deadLetter = onlyDeadLetter();
        assertThat(deadLetter.getReason()).isEqualTo("event.future-timestamp");
        assertThat(deadLetter.getCity()).isEqualTo("sofia");
        goodNeighbourIsCounted();
    }

    @Test
    void eventBeforeTheEarliestPlausibleTimeIsRejected() {
        PaymentEvent payment = kit.payment("sofia", null, true, Instant.parse("1970-01-01T00:00:01Z"));
        kit.send(payment);
        assertThat(onlyDeadLetter().getReason()).isEqualTo("event.timestamp-before-earliest");
        goodNeighbourIsCounted();
    }

    @Test
    void sessionOfUnknownPhaseIsRejected() {
        ServiceSessionEvent session = kit.session("sofia", "parking-permit", SessionPhase.UNKNOWN,
                ServiceChannel.WEB, T.plusSeconds(10));
        kit.send(session);
        DeadLetter deadLetter = onlyDeadLetter();
        assertThat(deadLetter.getReason()).isEqualTo("event.unknown-enum");
        assertThat(deadLetter.getHeaders()).containsEntry("field", "phase");
        goodNeighbourIsCounted();
    }

    @Test
    void undeserializableRecordIsDeadLetteredThroughTheDeserializationHandler() {
        byte[] garbage = "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8);
        kit.rawSessions.pipeInput("sofia/s1", garbage, T);
        DeadLetter deadLetter = onlyDeadLetter();
        assertThat(deadLetter.getReason()).isEqualTo("event.undeserializable");
        assertThat(deadLetter.getSourceTopic()).isEqualTo(Topics.SERVICE_SESSIONS.name());
        assertThat(deadLetter.getPayload()).isEqualTo(java.nio.ByteBuffer.wrap(garbage));
        assertThat(deadLetter.getKey()).isEqualTo(java.nio.ByteBuffer.wrap("sofia/s1".getBytes(StandardCharsets.UTF_8)));
        assertThat(deadLetter.getMessage()).contains("magic byte");
        assertThat(kit.deadLetterKeys()).containsExactly("streams/event.undeserializable");
        goodNeighbourIsCounted();
    }

    @Test
    void undeserializableRecordNearTheSizeLimitMakesADeadLetterWellUnderIt() throws Exception {
        // A near-1 MB input: a 450 KB key and 450 KB of headers. Copied whole, its dead letter
        // was over Kafka's 1 MB limit, so the production handler failed the task on every restart.
        String key = "sofia/" + "k".repeat(450_000);
        org.apache.kafka.common.header.internals.RecordHeaders headers =
                new org.apache.kafka.common.header.internals.RecordHeaders();
        for (int i = 0; i < 450; i++) {
            headers.add("h" + i, "v".repeat(1000).getBytes(StandardCharsets.UTF_8));
        }
        byte[] garbage = new byte[90_000];
        kit.rawSessions.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(key, garbage, headers, T));

        DeadLetter deadLetter = onlyDeadLetter();
        assertThat(deadLetter.getReason()).isEqualTo("event.undeserializable");
        assertThat(deadLetter.toByteBuffer().remaining()).isLessThan(512 * 1024);
        assertThat(deadLetter.getPayloadSize()).isEqualTo(garbage.length);
        goodNeighbourIsCounted();
    }

    @Test
    void deadLetterIdIsDerivedFromReasonAndRecordCoordinates() {
        PaymentEvent payment = kit.payment("", null, true, T.plusSeconds(10));
        kit.send(payment);
        kit.send(payment);
        assertThat(kit.deadLetters()).hasSize(2);
        // Different offsets are different inputs; the id is a pure function of reason and record coordinates.
        assertThat(kit.deadLetters().get(0).getEventId()).isNotEqualTo(kit.deadLetters().get(1).getEventId());
        assertThat(kit.deadLetters().get(0).getEventId()).matches("[0-9a-f-]{36}");
    }
}
