package io.civicpulse.streams.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import io.civicpulse.streams.catalogue.Measure;
import io.civicpulse.streams.sketch.QuantileSketch;

class TallyTest {

    private static final EventOrigin ORIGIN = new EventOrigin("e1", "topic", 0, 1, "sofia/x", 10);

    /** A stop delay's tally, as the engine makes it: pt.delay-p90 is an exact percentile. */
    private static Tally delay(int seconds) {
        return Tally.of(Contribution.sample("sofia", "pt.delay-p90", "city", 0, seconds, ORIGIN),
                Measure.EXACT_PERCENTILE);
    }

    /** A resolution time's tally: a sketched percentile. */
    private static Tally resolution(double hours) {
        return Tally.of(Contribution.sample("sofia", "gov.request-resolution-time-p50", "city", 0, hours, ORIGIN),
                Measure.PERCENTILE);
    }

    private static Tally count(long numerator, long denominator) {
        return Tally.of(Contribution.count("sofia", "gov.e-payment-share", "city", 0, numerator, denominator, ORIGIN),
                Measure.RATIO);
    }

    private static Tally roundTrip(Tally tally) {
        Serde<Tally> serde = StateSerdes.tally();
        return serde.deserializer().deserialize("t", serde.serializer().serialize("t", tally));
    }

    /** A tally's bytes as format 1 wrote them before exact percentiles, with a sketch of {@code samples}. */
    private static byte[] format1WithSketch(double... samples) throws IOException {
        QuantileSketch sketch = new QuantileSketch();
        for (double sample : samples) {
            sketch.add(sample);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeLong(0);
            out.writeLong(0);
            out.writeLong(samples.length);
            out.writeLong(0);
            out.writeBoolean(true);
            sketch.writeTo(out);
        }
        return bytes.toByteArray();
    }

    @Test
    void addingThenSubtractingAPaneLeavesTheWindowAsItWas() {
        Tally window = count(1, 1);
        window.add(delay(42));
        Tally pane = delay(42);
        pane.add(delay(-7));
        pane.add(resolution(3.5));
        pane.add(Tally.lateEvent());
        Tally before = window.copy();
        window.add(pane);
        window.subtract(pane);
        assertThat(window).isEqualTo(before);
    }

    @Test
    void windowWhosePanesAllLeftIsEmpty() {
        Tally window = Tally.empty();
        Tally first = delay(42);
        Tally second = resolution(2);
        window.add(first);
        window.add(second);
        window.subtract(first);
        window.subtract(second);
        assertThat(window.isEmpty()).isTrue();
        assertThat(window).isEqualTo(Tally.empty());
        assertThat(StateSerdes.tally().serializer().serialize("t", window))
                .isEqualTo(StateSerdes.tally().serializer().serialize("t", Tally.empty()));
    }

    @Test
    void exactPercentileSampleGoesToTheHistogramNotTheSketch() {
        Tally tally = delay(276);
        assertThat(tally.histogram().count()).isEqualTo(1);
        assertThat(tally.sketch().isEmpty()).isTrue();
        assertThat(tally.quantile(0.9)).isEqualTo(276.0);
    }

    @Test
    void windowPercentileOfDelaysIsExact() {
        Tally window = Tally.empty();
        for (int seconds : new int[] {250, 262, 271, 276, 289}) {
            window.add(delay(seconds));
        }
        // h = 0.9 * 4 = 3.6 -> 276 + 0.6 * 13.
        assertThat(window.quantile(0.9)).isEqualTo(276 + (0.9 * 4 - 3) * 13);
        assertThat(window.percentileSamples()).isEqualTo(5);
    }

    @Test
    void roundTripsThroughItsSerde() {
        Tally tally = delay(-30);
        tally.add(delay(45));
        tally.add(count(3, 4));
        assertThat(roundTrip(tally)).isEqualTo(tally);
    }

    @Test
    void histogramAndMembersRoundTripTogether() {
        Tally tally = delay(12);
        tally.add(Tally.of(Contribution.member("sofia", "pt.realtime-stop-coverage", "city", 0, "S1",
                Contribution.Presence.LIVE, ORIGIN), Measure.DISTINCT_RATIO));
        Tally read = roundTrip(tally);
        assertThat(read).isEqualTo(tally);
        assertThat(read.liveMembers()).containsExactly("S1");
    }

    @Test
    void tallyWithoutHistogramIsWrittenInTheFormatOfBefore() {
        // Format 1: an engine of before reads every series but the exact percentiles' after an upgrade.
        assertThat(StateSerdes.tally().serializer().serialize("t", resolution(4))[0]).isEqualTo((byte) 1);
        assertThat(StateSerdes.tally().serializer().serialize("t", delay(4))[0]).isEqualTo((byte) 3);
    }

    @Test
    void paneWrittenWithASketchBeforeExactPercentilesStillReads() throws IOException {
        Tally old = StateSerdes.tally().deserializer().deserialize("t", format1WithSketch(100, 200, 300));

        assertThat(old.samples()).isEqualTo(3);
        assertThat(old.quantile(0.5)).isCloseTo(200.0, withinPercentage(QuantileSketch.ALPHA * 100));
        assertThat(roundTrip(old)).isEqualTo(old);
    }

    @Test
    void windowReadsOldSketchAndNewHistogramAsOneUntilTheOldPaneLeaves() throws IOException {
        // An upgrade mid-window: the panes of before carry sketches, the new ones histograms.
        Tally oldPane = StateSerdes.tally().deserializer().deserialize("t", format1WithSketch(100, 200, 300));
        Tally newPane = delay(250);
        newPane.add(delay(350));
        Tally window = oldPane.copy();
        window.add(newPane);

        assertThat(window.percentileSamples()).isEqualTo(5);
        assertThat(window.quantile(0.5)).isCloseTo(250.0, withinPercentage(QuantileSketch.ALPHA * 100));

        window.subtract(oldPane);
        assertThat(window.quantile(0.5)).isEqualTo(300.0);
        assertThat(window).isEqualTo(newPane);
    }

    @Test
    void tallyOfAnUnknownFormatIsRefused() {
        assertThatThrownBy(() -> StateSerdes.tally().deserializer().deserialize("t", new byte[] {4, 0}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown tally format 4");
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
