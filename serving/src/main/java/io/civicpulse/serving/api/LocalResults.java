package io.civicpulse.serving.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.streams.maturity.MaturityProcessor;
import io.civicpulse.streams.results.IndicatorResultsProcessor;

/**
 * Reads this instance's result stores. Keys start with the city ({@code city/indicatorId/scope/window}), so a
 * city's, or a city's indicator's, series are one range scan. Uses the interactive-query store API (range and
 * window fetch on the active stores); while the stores rebalance Kafka Streams throws
 * {@code InvalidStateStoreException}, which the server answers with 503.
 */
final class LocalResults {

    /** Sorts after every character of a key part: the end of a prefix range. */
    private static final char RANGE_END = '\uffff';

    private final KafkaStreams streams;

    LocalResults(KafkaStreams streams) {
        this.streams = streams;
    }

    /** Newest values whose key starts with {@code prefix} (empty: all) and that {@code filter} keeps. */
    List<IndicatorValue> latest(String prefix, Predicate<IndicatorValue> filter) {
        List<IndicatorValue> values = new ArrayList<>();
        ReadOnlyKeyValueStore<String, IndicatorValue> store = latestStore();
        try (KeyValueIterator<String, IndicatorValue> range = prefix.isEmpty() ? store.all()
                : store.range(prefix, prefix + RANGE_END)) {
            while (range.hasNext()) {
                IndicatorValue value = range.next().value;
                if (filter.test(value)) {
                    values.add(value);
                }
            }
        }
        return values;
    }

    /** The cities this instance holds results of. */
    Set<String> cities() {
        Set<String> cities = new TreeSet<>();
        try (KeyValueIterator<String, IndicatorValue> all = latestStore().all()) {
            // One seek per city: after a city's first key, jump past its range.
            String next = null;
            while (all.hasNext()) {
                String key = all.next().key;
                String city = key.substring(0, Math.max(0, key.indexOf('/')));
                if (!city.equals(next)) {
                    cities.add(city);
                    next = city;
                }
            }
        }
        return cities;
    }

    boolean knows(String city) {
        try (KeyValueIterator<String, IndicatorValue> range = latestStore().range(city + "/", city + "/" + RANGE_END)) {
            return range.hasNext();
        }
    }

    /** Throws InvalidStateStoreException unless {@code partition}'s results are active and queryable here. */
    void requireActive(int partition) {
        streams.store(StoreQueryParameters.fromNameAndType(IndicatorResultsProcessor.LATEST_STORE,
                QueryableStoreTypes.<String, IndicatorValue>keyValueStore()).withPartition(partition))
                .approximateNumEntries();
    }

    /** Finals of one series whose window ends in {@code [from, to)}, oldest first. */
    List<IndicatorValue> history(String key, Instant from, Instant to) {
        ReadOnlyWindowStore<String, IndicatorValue> store = streams.store(StoreQueryParameters.fromNameAndType(
                IndicatorResultsProcessor.HISTORY_STORE, QueryableStoreTypes.windowStore()));
        List<IndicatorValue> values = new ArrayList<>();
        try (WindowStoreIterator<IndicatorValue> finals = store.fetch(key, from, to.minusMillis(1))) {
            finals.forEachRemaining((KeyValue<Long, IndicatorValue> entry) -> values.add(entry.value));
        }
        return values;
    }

    Optional<MaturityScore> maturity(String city, String window) {
        ReadOnlyKeyValueStore<String, MaturityScore> store = streams.store(StoreQueryParameters.fromNameAndType(
                MaturityProcessor.LATEST_STORE, QueryableStoreTypes.keyValueStore()));
        return Optional.ofNullable(store.get(city + "/" + window));
    }

    List<MaturityScore> maturityHistory(String city, String window, Instant from, Instant to) {
        ReadOnlyWindowStore<String, MaturityScore> store = streams.store(StoreQueryParameters.fromNameAndType(
                MaturityProcessor.HISTORY_STORE, QueryableStoreTypes.windowStore()));
        List<MaturityScore> scores = new ArrayList<>();
        try (WindowStoreIterator<MaturityScore> finals = store.fetch(city + "/" + window, from, to.minusMillis(1))) {
            finals.forEachRemaining((KeyValue<Long, MaturityScore> entry) -> scores.add(entry.value));
        }
        return scores;
    }

    private ReadOnlyKeyValueStore<String, IndicatorValue> latestStore() {
        return streams.store(StoreQueryParameters.fromNameAndType(IndicatorResultsProcessor.LATEST_STORE,
                QueryableStoreTypes.keyValueStore()));
    }
}
