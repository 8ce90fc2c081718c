package io.civicpulse.streams.aggregation;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value store that keeps the values written since the last commit as objects and hands them to the store
 * beneath (cached, changelogged, persistent) only when Kafka Streams flushes the task's caches, which it does before
 * every commit, ahead of the changelog records and the transaction. A pane that takes a hundred contributions between
 * two commits is then serialized and written once, not read, deserialized, serialized and written a hundred times
 * through the record cache: that read-modify-write was the window task's largest cost.
 *
 * <p>Exactly once is unchanged: what is committed is what the store beneath holds at the commit, and that includes
 * every write made before it. Values written since the last commit are lost with the task's uncommitted state when a
 * transaction aborts, as the record cache's are ({@link #clearCache}, {@link #close}). The flush hook is Kafka
 * Streams' own for cached stores ({@link CachedStateStore}, an internal interface): the TopologyTestDriver and the
 * real-broker tests (crash test included) go through it on every commit, so a Kafka version that stopped calling it
 * would fail them. Range reads first hand over the written values in their range, so they see every write.
 *
 * <p>Single-threaded, like the stream thread that owns it; interactive queries read the store beneath (as of the
 * last commit).
 */
public final class WriteBehindStore<K extends Comparable<K>, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {

    private final KeyValueStore<K, V> inner;
    /** Written since the last flush; a null value is a pending delete. */
    private final NavigableMap<K, V> written = new TreeMap<>();

    private WriteBehindStore(KeyValueStore<K, V> inner) {
        this.inner = inner;
    }

    /** Writes behind to {@code inner}, a store not initialized yet. */
    static <K extends Comparable<K>, V> WriteBehindStore<K, V> over(KeyValueStore<K, V> inner) {
        return new WriteBehindStore<>(inner);
    }

    /** Wraps {@code inner} (which should be cached and changelogged) so that its values are written behind. */
    public static <K extends Comparable<K>, V> StoreBuilder<KeyValueStore<K, V>> builder(
            StoreBuilder<KeyValueStore<K, V>> inner) {
        return new Builder<>(inner);
    }

    @Override
    public V get(K key) {
        V value = written.get(key);
        if (value != null || written.containsKey(key)) {
            return value;
        }
        return inner.get(key);
    }

    @Override
    public void put(K key, V value) {
        written.put(key, value);
    }

    @Override
    public V putIfAbsent(K key, V value) {
        V current = get(key);
        if (current == null) {
            put(key, value);
        }
        return current;
    }

    @Override
    public void putAll(List<KeyValue<K, V>> entries) {
        entries.forEach(entry -> put(entry.key, entry.value));
    }

    @Override
    public V delete(K key) {
        V current = get(key);
        written.put(key, null);
        return current;
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        handOver(writtenBetween(from, to));
        return inner.range(from, to);
    }

    @Override
    public KeyValueIterator<K, V> reverseRange(K from, K to) {
        handOver(writtenBetween(from, to));
        return inner.reverseRange(from, to);
    }

    /** The written entries a range read covers (both bounds inclusive, null unbounded, as in KeyValueStore). */
    private Map<K, V> writtenBetween(K from, K to) {
        if (from != null && to != null && from.compareTo(to) > 0) {
            return Map.of(); // an empty range, as the store beneath reads it
        }
        NavigableMap<K, V> covered = written;
        if (from != null) {
            covered = covered.tailMap(from, true);
        }
        if (to != null) {
            covered = covered.headMap(to, true);
        }
        return covered;
    }

    @Override
    public KeyValueIterator<K, V> all() {
        handOver(written);
        return inner.all();
    }

    @Override
    public KeyValueIterator<K, V> reverseAll() {
        handOver(written);
        return inner.reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
        handOver(written);
        return inner.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries() + written.size();
    }

    /** Writes {@code entries} (a view of {@link #written}) to the store beneath and forgets them. */
    private void handOver(Map<K, V> entries) {
        if (entries.isEmpty()) {
            return;
        }
        // Copies of key and value, not the map's own entries: removing a node of a TreeMap that has two children
        // moves its successor's key and value into that node, so a list of the nodes lost the first written value
        // of a range (a pane or series totals of the window engine) whenever the range did not start the map.
        List<Map.Entry<K, V>> batch = new ArrayList<>(entries.size());
        entries.forEach((key, value) -> batch.add(new AbstractMap.SimpleImmutableEntry<>(key, value)));
        entries.clear();
        for (Map.Entry<K, V> entry : batch) {
            if (entry.getValue() == null) {
                inner.delete(entry.getKey());
            } else {
                inner.put(entry.getKey(), entry.getValue());
            }
        }
    }

    @Override
    public void flushCache() {
        handOver(written);
        if (inner instanceof CachedStateStore<?, ?> cached) {
            cached.flushCache();
        }
    }

    @Override
    public void clearCache() {
        written.clear();
        if (inner instanceof CachedStateStore<?, ?> cached) {
            cached.clearCache();
        }
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<K, V> listener, boolean sendOldValues) {
        return false; // nothing listens to the engine's state stores
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        written.clear();
        inner.init(context, root);
    }

    @Override
    public void flush() {
        handOver(written);
        inner.flush();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        handOver(written);
        inner.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public void close() {
        written.clear();
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }

    @Override
    public long approximateNumUncommittedBytes() {
        return inner.approximateNumUncommittedBytes();
    }

    private static final class Builder<K extends Comparable<K>, V> implements StoreBuilder<KeyValueStore<K, V>> {

        private final StoreBuilder<KeyValueStore<K, V>> inner;

        Builder(StoreBuilder<KeyValueStore<K, V>> inner) {
            this.inner = inner;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
            inner.withCachingEnabled();
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
            inner.withCachingDisabled();
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(Map<String, String> config) {
            inner.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
            inner.withLoggingDisabled();
            return this;
        }

        @Override
        public KeyValueStore<K, V> build() {
            return over(inner.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
