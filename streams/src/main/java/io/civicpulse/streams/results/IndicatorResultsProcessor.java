package io.civicpulse.streams.results;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.streams.aggregation.Emission;

/**
 * Keeps what the query API reads, in the task that computes the values: the newest value of every series and
 * window (live or final), and the finals by period end. Keyed like the output topic, {@code city/indicatorId/scope/
 * window}, so the city comes first and one city's results live in the task of its partition.
 */
public final class IndicatorResultsProcessor implements Processor<String, Emission.Value, Void, Void> {

    /** Newest value per output key. */
    public static final String LATEST_STORE = "indicator-latest";
    /** Final values per output key, at their period end; kept for {@code civicpulse.history.retention}. */
    public static final String HISTORY_STORE = "indicator-history";

    private KeyValueStore<String, IndicatorValue> latest;
    private WindowStore<String, IndicatorValue> history;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        latest = context.getStateStore(LATEST_STORE);
        history = context.getStateStore(HISTORY_STORE);
    }

    @Override
    public void process(Record<String, Emission.Value> record) {
        Emission.Value emitted = record.value();
        IndicatorValue value = emitted.value();
        if (emitted.latest()) {
            latest.put(emitted.key(), value);
        }
        if (value.getFinal$()) {
            history.put(emitted.key(), value, value.getCalculationPeriodTo().toEpochMilli());
        }
    }
}
