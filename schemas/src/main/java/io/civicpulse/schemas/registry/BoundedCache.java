package io.civicpulse.schemas.registry;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * A thread-safe least-recently-used map with a hard size limit. It exists so that a long-running producer or
 * stream task that meets many schemas (or a misbehaving upstream that invents them) cannot grow its caches without
 * bound; the registry is always there to re-answer whatever was evicted.
 *
 * @param <K> key type; its {@code equals}/{@code hashCode} decide what counts as the same entry
 * @param <V> value type; nulls are not stored
 */
public final class BoundedCache<K, V> {

    private final int capacity;
    // Access order, so that the first entry in iteration order is always the least recently used one.
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);

    public BoundedCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
    }

    /** The cached value, or null; a hit makes the entry the most recently used. */
    public synchronized V get(K key) {
        return entries.get(key);
    }

    /** Stores the value, evicting the least recently used entry when the cache is full. */
    public synchronized void put(K key, V value) {
        entries.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        if (entries.size() > capacity) {
            Iterator<K> eldest = entries.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    public int capacity() {
        return capacity;
    }
}
