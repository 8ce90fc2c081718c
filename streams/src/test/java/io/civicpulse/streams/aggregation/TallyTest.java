package io.civicpulse.streams.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class TallyTest {

    private static final EventOrigin ORIGIN = new EventOrigin("e1", "topic", 0, 1, "sofia/x", 10);

    @Test
    void addingThenSubtractingAPaneLeavesTheWindowAsItWas() {
        Tally window = Tally.of(Contribution.count("sofia", "gov.e-payment-share", "city", 0, 1, 1, ORIGIN));
        Tally pane = Tally.of(Contribution.sample("sofia", "pt.delay-p50", "city", 0, 42, ORIGIN));
        pane.add(Tally.lateEvent());
        Tally before = window.copy();
        window.add(pane);
        window.subtract(pane);
        assertThat(window).isEqualTo(before);
    }

    @Test
    void windowWhosePanesAllLeftIsEmpty() {
        Tally window = Tally.empty();
        Tally pane = Tally.of(Contribution.sample("sofia", "pt.delay-p50", "city", 0, 42, ORIGIN));
        window.add(pane);
        window.subtract(pane);
        assertThat(window.isEmpty()).isTrue();
    }

    @Test
    void roundTripsThroughItsSerde() {
        Serde<Tally> serde = StateSerdes.tally();
        Tally tally = Tally.of(Contribution.sample("sofia", "pt.delay-p50", "city", 0, -30, ORIGIN));
        tally.add(Tally.of(Contribution.count("sofia", "x", "city", 0, 3, 4, ORIGIN)));
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", tally))).isEqualTo(tally);
    }

    @Test
    void anEventsContributionsRoundTripThroughTheRepartitionSerde() {
        Serde<List<Contribution>> serde = StateSerdes.contributions();
        EventOrigin origin = new EventOrigin("e-1/ü", "civicpulse.services.payments.v1", 3, 77, null, 120);
        List<Contribution> event = List.of(
                new Contribution("são-paulo", "gov.e-payment-share", "service:a|b", 1234, 1, 1, 1, Double.NaN, origin),
                new Contribution("são-paulo", "gov.request-resolution-time-p50", "district:ß", 1300, 0, 0, 1, 86.5,
                        origin),
                Contribution.member("são-paulo", "pt.realtime-stop-coverage", "city", 1400, "stop|ü-7",
                        Contribution.Presence.LIVE, origin));
        // Record equality: NaN (no sample) equals NaN.
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", event))).isEqualTo(event);
    }

    @Test
    void aSingleContributionWrittenBeforeBundlesIsStillRead() throws IOException {
        // Format 1, one contribution per record, as a repartition topic may still hold it during an upgrade.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF("sofia");
            out.writeUTF("gov.e-payment-share");
            out.writeUTF("city");
            out.writeLong(1234);
            out.writeLong(1);
            out.writeLong(2);
            out.writeLong(1);
            out.writeDouble(Double.NaN);
            StateSerdes.writeOrigin(ORIGIN, out);
        }
        assertThat(StateSerdes.contributions().deserializer().deserialize("t", bytes.toByteArray())).containsExactly(
                new Contribution("sofia", "gov.e-payment-share", "city", 1234, 1, 2, 1, Double.NaN, ORIGIN));
    }

    @Test
    void contributionsOfTwoCitiesCannotShareARecord() {
        List<Contribution> mixed = List.of(Contribution.count("sofia", "x", "city", 0, 1, 1, ORIGIN),
                Contribution.count("plovdiv", "x", "city", 0, 1, 1, ORIGIN));
        assertThatThrownBy(() -> StateSerdes.contributions().serializer().serialize("t", mixed))
                .hasMessageContaining("share city and origin");
    }
}
