package io.civicpulse.streams.sketch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class QuantileSketchTest {

    /** The catalogue's definition, computed exactly: linear interpolation between the ranks around q(n-1). */
    private static double exactQuantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double rank = q * (sorted.length - 1);
        int lower = (int) Math.floor(rank);
        int upper = (int) Math.ceil(rank);
        return sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
    }

    private static QuantileSketch sketchOf(double... values) {
        QuantileSketch sketch = new QuantileSketch();
        for (double value : values) {
            sketch.add(value);
        }
        return sketch;
    }

    @Test
    void medianOfPositiveDelaysIsWithinOnePercent() {
        Random random = new Random(42);
        double[] delays = new double[10_001];
        for (int i = 0; i < delays.length; i++) {
            delays[i] = 1 + random.nextInt(10_800); // whole seconds, 1 s to 3 h
        }
        QuantileSketch sketch = sketchOf(delays);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            double exact = exactQuantile(delays, q);
            assertThat(sketch.quantile(q)).as("q=%s", q)
                    .isCloseTo(exact, org.assertj.core.data.Offset.offset(exact * QuantileSketch.ALPHA + 1e-9));
        }
    }

    @Test
    void everyRankOfNegativeAndPositiveDelaysIsWithinOnePercentOfItsSample() {
        Random random = new Random(7);
        double[] delays = new double[2_000];
        for (int i = 0; i < delays.length; i++) {
            delays[i] = random.nextInt(21_600) - 10_800; // -3 h to +3 h
        }
        QuantileSketch sketch = sketchOf(delays);
        double[] sorted = delays.clone();
        Arrays.sort(sorted);
        for (int rank = 0; rank < sorted.length; rank++) {
            double q = (double) rank / (sorted.length - 1);
            assertThat(sketch.quantile(q)).as("rank %d", rank).isCloseTo(sorted[rank],
                    org.assertj.core.data.Offset.offset(Math.abs(sorted[rank]) * QuantileSketch.ALPHA + 1e-9));
        }
    }

    @Test
    void interpolatesLinearlyBetweenRanks() {
        // Ranks 0..3 of {10, 20, 30, 40}: p50 is at rank 1.5, halfway between 20 and 30.
        QuantileSketch sketch = sketchOf(40, 10, 30, 20);
        assertThat(sketch.quantile(0.5)).isCloseTo(25, org.assertj.core.data.Offset.offset(25 * 0.01));
    }

    @Test
    void zeroIsExact() {
        assertThat(sketchOf(0, 0, 0).quantile(0.5)).isEqualTo(0);
    }

    @Test
    void emptySketchHasNoQuantile() {
        assertThat(new QuantileSketch().quantile(0.5)).isNaN();
    }

    @Test
    void subtractingAnAddedPaneRestoresTheSketchExactly() {
        QuantileSketch window = sketchOf(5, 50, 500, -7);
        QuantileSketch before = window.copy();
        QuantileSketch pane = sketchOf(60, 61, -3, 0);
        window.add(pane);
        assertThat(window.count()).isEqualTo(8);
        window.subtract(pane);
        assertThat(window).isEqualTo(before);
    }

    @Test
    void subtractingWhatWasNeverAddedIsRefused() {
        assertThatThrownBy(() -> sketchOf(5).subtract(sketchOf(500)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nonFiniteSampleIsRefused() {
        assertThatThrownBy(() -> new QuantileSketch().add(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roundTripsThroughItsBinaryForm() throws IOException {
        QuantileSketch sketch = sketchOf(1, 2, 3, -4, 0, 10_000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sketch.writeTo(new DataOutputStream(bytes));
        QuantileSketch read = QuantileSketch.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(read).isEqualTo(sketch);
        assertThat(read.quantile(0.9)).isEqualTo(sketch.quantile(0.9));
    }
}
