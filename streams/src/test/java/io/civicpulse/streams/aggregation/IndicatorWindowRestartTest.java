package io.civicpulse.streams.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.config.StreamsSettings;
import io.civicpulse.streams.sketch.QuantileSketch;

/**
 * The window processor across a restart: its stores survive (as Kafka Streams restores them from their changelogs),
 * the processor's memory does not. Driven directly, since a TopologyTestDriver cannot be restarted on its state.
 */
class IndicatorWindowRestartTest {

    private static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
    private static final String CITY = "sofia";
    private static final String SHARE = "gov.e-payment-share";
    private static final String DELAY_P90 = "pt.delay-p90";

    private final EngineConfig config = EngineConfig.from(StreamsSettings.withDefaults(Map.of(
            EngineConfig.GRACE, "PT5M", EngineConfig.FINAL_STEP, "PT15M", EngineConfig.LIVE_INTERVAL, "PT1S",
            EngineConfig.SOURCE_STARTUP_GRACE, "PT0S")));
    private final Map<String, KeyValueStore<?, ?>> stores = new HashMap<>();
    private int offset;

    @AfterEach
    void closeStores() {
        stores.values().forEach(KeyValueStore::close);
    }

    @Test
    void liveValueNotYetPublishedBeforeARestartIsPublishedAfterIt() {
        MockProcessorContext<String, Emission> before = context();
        IndicatorWindowProcessor first = new IndicatorWindowProcessor(config);
        first.init(before);
        first.process(payment("city", T0.plusSeconds(10), true));
        first.process(payment("city", T0.plusSeconds(20), false));
        // Stopped before its live interval came: nothing published yet.
        assertThat(before.forwarded()).isEmpty();

        MockProcessorContext<String, Emission> after = context();
        IndicatorWindowProcessor restarted = new IndicatorWindowProcessor(config);
        restarted.init(after);
        after.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.plusSeconds(30).toEpochMilli());

        IndicatorValue hour = published(after, CITY + "/" + SHARE + "/city/PT1H");
        assertThat(hour.getNumerator()).isEqualTo(1);
        assertThat(hour.getDenominator()).isEqualTo(2);
        assertThat(hour.getSampleCount()).isEqualTo(2);
        assertThat(hour.getKpiValue()).isEqualTo(50.0);
        assertThat(hour.getFinal$()).isFalse();
    }

    @Test
    void onlySeriesWithDataInAnOpenPaneArePublishedAgainAfterARestart() {
        MockProcessorContext<String, Emission> before = context();
        IndicatorWindowProcessor first = new IndicatorWindowProcessor(config);
        first.init(before);
        first.process(payment("city", T0.plusSeconds(10), true));
        // Ten minutes on: the 10:00 pane has closed (its end plus five minutes' grace); the 10:10 pane is open.
        first.process(payment("service:parking-permit", T0.plusSeconds(600), true));
        before.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.plusSeconds(601).toEpochMilli());
        assertThat(before.forwarded()).isNotEmpty();

        MockProcessorContext<String, Emission> after = context();
        IndicatorWindowProcessor restarted = new IndicatorWindowProcessor(config);
        restarted.init(after);
        after.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.plusSeconds(602).toEpochMilli());

        // The service series may have had a live value pending: published again, the same value.
        IndicatorValue service = published(after, CITY + "/" + SHARE + "/service:parking-permit/PT1H");
        assertThat(service.getNumerator()).isEqualTo(1);
        assertThat(service.getDenominator()).isEqualTo(1);
        // The city series' data is all in closed panes: nothing of it was pending, nothing is repeated.
        assertThat(after.forwarded()).allSatisfy(forwarded ->
                assertThat(forwarded.record().key()).contains("/service:parking-permit/"));
    }

    @Test
    void delayPaneWrittenWithASketchBeforeTheUpgradeCountsAfterIt() throws IOException {
        MockProcessorContext<String, Emission> before = context();
        IndicatorWindowProcessor first = new IndicatorWindowProcessor(config);
        first.init(before);
        first.process(delay(T0.plusSeconds(10), 100));
        // The engine of before kept the 10:00 pane's delays in a sketch (tally format 1): put it back that way.
        KeyValueStore<String, Tally> panes = before.getStateStore(IndicatorWindowProcessor.PANES_STORE);
        String paneKey = new SeriesKey(CITY, DELAY_P90, "city").paneKey(T0.toEpochMilli());
        assertThat(panes.get(paneKey).histogram().count()).isEqualTo(1);
        panes.put(paneKey, StateSerdes.tally().deserializer().deserialize("t", format1WithSketch(100, 200, 300)));

        MockProcessorContext<String, Emission> after = context();
        IndicatorWindowProcessor restarted = new IndicatorWindowProcessor(config);
        restarted.init(after);
        restarted.process(delay(T0.plusSeconds(40), 400));  // the same pane: sketch and histogram in one tally
        restarted.process(delay(T0.plusSeconds(70), 500));  // the next pane: a histogram only
        after.scheduledPunctuators().get(0).getPunctuator().punctuate(T0.plusSeconds(71).toEpochMilli());

        // Sorted 100 200 300 400 500: h = 3.6 -> 460; read as one sketch while the old pane is in the window.
        IndicatorValue hour = published(after, CITY + "/" + DELAY_P90 + "/city/PT1H");
        assertThat(hour.getSampleCount()).isEqualTo(5);
        assertThat(hour.getKpiValue()).isCloseTo(460.0, withinPercentage(QuantileSketch.ALPHA * 100));
    }

    /** A tally as format 1 wrote it before exact percentiles: a sketch of {@code samples}, nothing else. */
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

    private Record<String, List<Contribution>> delay(Instant at, int seconds) {
        EventOrigin origin = new EventOrigin("s" + (++offset), "civicpulse.mobility.stop-observations.v1", 0, offset,
                CITY + "/s" + offset, 100);
        return new Record<>(CITY, List.of(Contribution.sample(CITY, DELAY_P90, "city", at.toEpochMilli(), seconds,
                origin)), at.toEpochMilli());
    }

    private static IndicatorValue published(MockProcessorContext<String, Emission> context, String key) {
        List<IndicatorValue> values = context.forwarded().stream()
                .map(forwarded -> forwarded.record().value())
                .filter(emission -> emission instanceof Emission.Value value && value.key().equals(key))
                .map(emission -> ((Emission.Value) emission).value())
                .toList();
        assertThat(values).as("values published for %s", key).hasSize(1);
        return values.get(0);
    }

    private Record<String, List<Contribution>> payment(String scope, Instant at, boolean electronic) {
        EventOrigin origin = new EventOrigin("p" + (++offset), "civicpulse.services.payments.v1", 0, offset,
                CITY + "/p" + offset, 100);
        Contribution contribution = Contribution.count(CITY, SHARE, scope, at.toEpochMilli(), electronic ? 1 : 0,
                1, origin);
        return new Record<>(CITY, List.of(contribution), at.toEpochMilli());
    }

    /** A fresh context over the same stores: what a restarted task sees once its stores are restored. */
    private MockProcessorContext<String, Emission> context() {
        MockProcessorContext<String, Emission> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(T0.toEpochMilli());
        add(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(IndicatorWindowProcessor.PANES_STORE),
                Serdes.String(), StateSerdes.tally()));
        add(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(IndicatorWindowProcessor.TOTALS_STORE),
                Serdes.String(), StateSerdes.seriesTotals()));
        add(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(IndicatorWindowProcessor.CLOCKS_STORE),
                Serdes.String(), Serdes.Long()));
        add(context, Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(IndicatorWindowProcessor.POPULATION_STORE), Serdes.String(),
                Serdes.Long()));
        return context;
    }

    private <K, V> void add(MockProcessorContext<String, Emission> context,
                            StoreBuilder<KeyValueStore<K, V>> builder) {
        KeyValueStore<?, ?> store = stores.get(builder.name());
        if (store == null) {
            KeyValueStore<K, V> built = builder.withLoggingDisabled().build();
            built.init(context.getStateStoreContext(), built);
            store = built;
            stores.put(builder.name(), store);
        }
        context.addStateStore(store);
    }
}
