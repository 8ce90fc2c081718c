package io.civicpulse.ingest.gtfs;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Interns GTFS ids as dense ints, so that a million stop times refer to their trip and stop by an int in an
 * array instead of by a String each: that is what keeps a Sofia-sized schedule in a few tens of MB.
 */
final class IdTable {

    private final Map<String, Integer> indexes = new HashMap<>();
    private String[] ids = new String[256];
    private int size;

    /** The index of the id, adding it when new. */
    int add(String id) {
        Integer existing = indexes.get(id);
        if (existing != null) {
            return existing;
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size] = id;
        indexes.put(id, size);
        return size++;
    }

    /** The index of the id, or -1 when unknown. */
    int indexOf(String id) {
        Integer index = indexes.get(id);
        return index == null ? -1 : index;
    }

    boolean contains(String id) {
        return indexes.containsKey(id);
    }

    String id(int index) {
        return ids[index];
    }

    int size() {
        return size;
    }
}
