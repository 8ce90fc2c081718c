package io.civicpulse.streams.aggregation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.civicpulse.streams.config.EngineConfig;

/**
 * The window state is sums of panes: it stays right only under the pane size and window list it was built with.
 * An engine restarted on that state with other ones must refuse to start, with a message saying what to do.
 */
class StateLayoutGuardTest {

    private MockProcessorContext<String, Emission> context;

    @BeforeEach
    void stores() {
        context = new MockProcessorContext<>();
        // Only the clocks are read at start; the other stores just have to exist.
        for (String name : List.of(IndicatorWindowProcessor.PANES_STORE, IndicatorWindowProcessor.TOTALS_STORE,
                IndicatorWindowProcessor.CLOCKS_STORE, IndicatorWindowProcessor.POPULATION_STORE)) {
            KeyValueStore<String, Long> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                    Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
    }

    private static EngineConfig config(String windows, String pane) {
        return EngineConfig.from(Map.of(EngineConfig.WINDOWS, windows, EngineConfig.PANE_SIZE, pane));
    }

    @Test
    void restartWithTheSameWindowsAndOtherGraceRuns() {
        new IndicatorWindowProcessor(config("PT15M,PT1H", "PT1M")).init(context);

        new IndicatorWindowProcessor(EngineConfig.from(Map.of(EngineConfig.WINDOWS, "PT15M,PT1H",
                EngineConfig.PANE_SIZE, "PT1M", EngineConfig.GRACE, "PT10M"))).init(context);

        KeyValueStore<String, Long> clocks = context.getStateStore(IndicatorWindowProcessor.CLOCKS_STORE);
        assertThat(clocks.get(IndicatorWindowProcessor.LAYOUT_KEY)).isNotNull();
    }

    @Test
    void restartWithAnotherWindowListRefusesToStart() {
        new IndicatorWindowProcessor(config("PT15M,PT1H", "PT1M")).init(context);

        assertThatThrownBy(() -> new IndicatorWindowProcessor(config("PT15M,PT1H,PT24H", "PT1M")).init(context))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("panes PT1M, windows PT15M PT1H PT24H")
                .hasMessageContaining("new application.id");
    }

    @Test
    void restartWithAnotherPaneSizeRefusesToStart() {
        new IndicatorWindowProcessor(config("PT15M,PT1H", "PT1M")).init(context);

        assertThatThrownBy(() -> new IndicatorWindowProcessor(config("PT15M,PT1H", "PT5M")).init(context))
                .isInstanceOf(IllegalStateException.class);
    }
}
