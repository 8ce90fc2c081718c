package io.civicpulse.streams.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The write-behind store over a real (in-memory, unlogged) store: what the store beneath holds before and after the
 * pre-commit flush, reads of values not yet handed over, range reads, deletes, and an aborted transaction's writes.
 */
class WriteBehindStoreTest {

    private KeyValueStore<String, Long> beneath;
    private WriteBehindStore<String, Long> store;

    @BeforeEach
    void open() {
        MockProcessorContext<String, Long> context = new MockProcessorContext<>();
        beneath = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.Long())
                .withLoggingDisabled().build();
        store = WriteBehindStore.over(beneath);
        store.init(context.getStateStoreContext(), store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    /** What Kafka Streams calls on a task's cached stores before each commit. */
    private void preCommitFlush() {
        store.flushCache();
    }

    @Test
    void aValueWrittenManyTimesIsReadBackAsWrittenAndHandedOverOnce() {
        store.put("a", 1L);
        store.put("a", 2L);
        store.put("a", 3L);
        assertThat(store.get("a")).isEqualTo(3L);
        assertThat(beneath.get("a")).as("nothing handed over before the flush").isNull();

        preCommitFlush();

        assertThat(beneath.get("a")).isEqualTo(3L);
        assertThat(store.get("a")).isEqualTo(3L);
    }

    @Test
    void aRangeReadSeesValuesNotHandedOverYet() {
        store.put("a|1", 1L);
        preCommitFlush();
        store.put("a|2", 2L);
        store.put("b|1", 3L);
        store.delete("a|1");

        assertThat(keys(store.range("a|", "a|~"))).containsExactly("a|2");
        assertThat(beneath.get("b|1")).as("outside the range read: still in flight").isNull();
        assertThat(keys(store.all())).containsExactly("a|2", "b|1");
    }

    /**
     * Values written on both sides of a range (other series' panes and totals, in the window engine) share the tree
     * the written values are kept in: handing over the range must not lose or mix up any of them.
     */
    @Test
    void aRangeReadHandsOverEveryValueWrittenInItsRangeAndKeepsTheOthers() {
        List<String> keys = new ArrayList<>();
        for (String series : new String[] {"a", "b", "c"}) {
            for (int pane = 1; pane <= 7; pane++) {
                keys.add(series + "|" + pane);
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            store.put(keys.get(i), (long) i);
        }

        assertThat(keys(store.range("b|", "b|~"))).containsExactlyElementsOf(keys.subList(7, 14));
        for (int i = 0; i < keys.size(); i++) {
            assertThat(store.get(keys.get(i))).as(keys.get(i)).isEqualTo(i);
        }
        preCommitFlush();
        assertThat(keys(beneath.all())).containsExactlyElementsOf(keys);
        for (int i = 0; i < keys.size(); i++) {
            assertThat(beneath.get(keys.get(i))).as(keys.get(i)).isEqualTo(i);
        }
    }

    @Test
    void anEmptyRangeStaysEmpty() {
        store.put("b", 1L);
        assertThat(keys(store.range("c", "a"))).isEmpty();
        assertThat(store.get("b")).isEqualTo(1L);
    }

    @Test
    void aDeleteHidesTheCommittedValueAtOnceAndRemovesItAtTheFlush() {
        store.put("a", 1L);
        preCommitFlush();
        assertThat(store.delete("a")).isEqualTo(1L);
        assertThat(store.get("a")).isNull();
        assertThat(beneath.get("a")).isEqualTo(1L);
        preCommitFlush();
        assertThat(beneath.get("a")).isNull();
        assertThat(keys(store.all())).isEmpty();
    }

    @Test
    void writesOfAnAbortedTransactionAreDropped() {
        store.put("a", 1L);
        preCommitFlush();
        store.put("a", 2L);
        store.put("b", 5L);

        // What Kafka Streams does with a task's caches when its transaction aborts.
        store.clearCache();

        assertThat(store.get("a")).isEqualTo(1L);
        assertThat(store.get("b")).isNull();
        preCommitFlush();
        assertThat(keys(beneath.all())).containsExactly("a");
        assertThat(beneath.get("a")).isEqualTo(1L);
    }

    private static List<String> keys(KeyValueIterator<String, Long> iterator) {
        List<String> keys = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining((KeyValue<String, Long> entry) -> keys.add(entry.key));
        }
        return keys;
    }
}
