package io.civicpulse.streams.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

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
    void contributionRoundTripsThroughTheRepartitionSerde() {
        Serde<Contribution> serde = StateSerdes.contribution();
        Contribution contribution = new Contribution("sofia", "gov.e-payment-share", "service:a|b", 1234, 1, 1, 1,
                Double.NaN, ORIGIN);
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", contribution)))
                .isEqualTo(contribution); // record equality: NaN (no sample) equals NaN
    }
}
