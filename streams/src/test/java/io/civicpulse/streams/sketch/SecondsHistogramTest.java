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

class SecondsHistogramTest {

    /** Type 7 by the book, on the sorted samples themselves: what the histogram must equal exactly. */
    private static double type7(int[] samples, double p) {
        int[] sorted = samples.clone();
        Arrays.sort(sorted);
        double h = (sorted.length - 1) * p;
        int lower = (int) Math.floor(h);
        double fraction = h - lower;
        return fraction == 0 ? sorted[lower] : sorted[lower] + fraction * (sorted[lower + 1] - sorted[lower]);
    }

    private static SecondsHistogram of(int... samples) {
        SecondsHistogram histogram = new SecondsHistogram();
        for (int sample : samples) {
            histogram.add(sample);
        }
        return histogram;
    }

    private static byte[] bytes(SecondsHistogram histogram) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            histogram.writeTo(out);
        }
        return bytes.toByteArray();
    }

    private static SecondsHistogram read(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return SecondsHistogram.readFrom(in);
        }
    }

    @Test
    void oneSampleIsEveryPercentile() {
        SecondsHistogram histogram = of(276);
        assertThat(histogram.quantile(0.5)).isEqualTo(276.0);
        assertThat(histogram.quantile(0.9)).isEqualTo(276.0);
    }

    @Test
    void twoSamplesInterpolateBetweenThem() {
        SecondsHistogram histogram = of(300, 100);
        // h = 0.5 -> 100 + 0.5 * 200; h = 0.9 -> 100 + 0.9 * 200.
        assertThat(histogram.quantile(0.5)).isEqualTo(200.0);
        assertThat(histogram.quantile(0.9)).isEqualTo(100 + 0.9 * 200);
    }

    @Test
    void medianOfAnOddCountIsTheMiddleSample() {
        assertThat(of(600, 0, 300, 60, 120).quantile(0.5)).isEqualTo(120.0);
    }

    @Test
    void p90InterpolatesBetweenClosestRanks() {
        // Sorted 0 60 120 300 600: h = 0.9 * 4 = 3.6 -> 300 + 0.6 * 300.
        assertThat(of(600, 0, 300, 60, 120).quantile(0.9)).isEqualTo(300 + (0.9 * 4 - 3) * 300);
    }

    @Test
    void tiedSamplesKeepTheirRanks() {
        // Sorted 10 20 20 20 30: ranks 1-3 are all 20, so p50 (h = 2) and h = 3.6 (between 20 and 30).
        SecondsHistogram histogram = of(20, 30, 20, 10, 20);
        assertThat(histogram.quantile(0.5)).isEqualTo(20.0);
        assertThat(histogram.quantile(0.9)).isEqualTo(20 + (0.9 * 4 - 3) * 10);
        assertThat(histogram.quantile(0.7)).as("h = 2.8, both neighbours 20").isEqualTo(20.0);
        assertThat(histogram.distinctValues()).isEqualTo(3);
    }

    @Test
    void negativeDelaysRankBelowZero() {
        // Sorted -120 -45 0 30: p50 h = 1.5 -> -45 + 0.5 * 45; p90 h = 2.7 -> 0 + 0.7 * 30.
        SecondsHistogram histogram = of(0, -45, 30, -120);
        assertThat(histogram.quantile(0.5)).isEqualTo(-22.5);
        assertThat(histogram.quantile(0.9)).isEqualTo((0.9 * 3 - 2) * 30);
        assertThat(histogram.quantile(0)).isEqualTo(-120.0);
        assertThat(histogram.quantile(1)).isEqualTo(30.0);
    }

    @Test
    void equalsType7OfTheSortedSamplesAcrossTheNoiseBounds() {
        Random random = new Random(3);
        for (int n : new int[] {1, 2, 3, 10, 11, 101, 5_000}) {
            int[] samples = new int[n];
            for (int i = 0; i < n; i++) {
                // Mostly near zero, with ties, and some out to the ±3 h bounds.
                samples[i] = random.nextInt(4) == 0 ? random.nextInt(21_601) - 10_800 : random.nextInt(600) - 60;
            }
            SecondsHistogram histogram = of(samples);
            for (double p : new double[] {0, 0.1, 0.5, 0.9, 0.99, 1}) {
                assertThat(histogram.quantile(p)).as("n=%s p=%s", n, p).isEqualTo(type7(samples, p));
            }
        }
    }

    @Test
    void emptyHistogramHasNoPercentile() {
        assertThat(new SecondsHistogram().quantile(0.5)).isNaN();
    }

    @Test
    void fractionalSampleIsRefused() {
        assertThatThrownBy(() -> new SecondsHistogram().add(1.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addingHistogramsEqualsAddingTheirSamples() {
        SecondsHistogram window = of(5, 1, 9, 9, -3);
        window.add(of(2, 9, 40, -3, 7));
        assertThat(window).isEqualTo(of(5, 1, 9, 9, -3, 2, 9, 40, -3, 7));
        assertThat(window.count()).isEqualTo(10);
    }

    @Test
    void subtractingEveryPaneLeavesAnEmptyHistogramEqualToANewOne() throws IOException {
        SecondsHistogram window = new SecondsHistogram();
        SecondsHistogram first = of(12, 12, -30, 600);
        SecondsHistogram second = of(12, 45);
        window.add(first);
        window.add(second);
        window.subtract(first);
        assertThat(window).isEqualTo(of(12, 45));
        window.subtract(second);
        assertThat(window.isEmpty()).isTrue();
        assertThat(window).isEqualTo(new SecondsHistogram());
        assertThat(bytes(window)).isEqualTo(bytes(new SecondsHistogram()));
    }

    @Test
    void subtractingWhatWasNeverAddedFailsAndChangesNothing() {
        SecondsHistogram window = of(1, 2, 3);
        assertThatThrownBy(() -> window.subtract(of(2, 2, 3))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> window.subtract(of(3, 4))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> window.subtract(of(7))).isInstanceOf(IllegalStateException.class);
        assertThat(window).isEqualTo(of(1, 2, 3));
    }

    @Test
    void roundTripsThroughItsBytes() throws IOException {
        SecondsHistogram histogram = of(-10_800, -1, 0, 0, 1, 10_800, Integer.MIN_VALUE, Integer.MAX_VALUE);
        histogram.add(of(0));
        SecondsHistogram read = read(bytes(histogram));
        assertThat(read).isEqualTo(histogram);
        assertThat(read.quantile(0.5)).isEqualTo(histogram.quantile(0.5));
        assertThat(read.count()).isEqualTo(9);
    }

    @Test
    void aBusyPaneTakesAFewBytesPerDistinctDelay() throws IOException {
        Random random = new Random(11);
        SecondsHistogram pane = new SecondsHistogram();
        for (int i = 0; i < 800; i++) {
            pane.add(random.nextInt(400) - 60);
        }
        // Delta-encoded values and varint counts: at most 2 + 1 bytes for these, where longs would take 12.
        assertThat(bytes(pane).length).isLessThanOrEqualTo(3 * pane.distinctValues() + 4);
    }

    @Test
    void unknownFormatIsRefused() {
        assertThatThrownBy(() -> read(new byte[] {2, 0})).isInstanceOf(IOException.class)
                .hasMessageContaining("format 2");
    }
}
