package io.civicpulse.streams.maturity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.streams.aggregation.Emission;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;

/**
 * Turns the city-scope indicator values of a city into its maturity scores, live and final, in the task that
 * computes the city's indicators (all of a city's values come out of one task, so nothing is repartitioned).
 *
 * <p>Live: each value updates the window's inputs, and every live interval the windows that changed get one live
 * score. Final: a period's score is computed from the finals of that period once they are all out. The window engine
 * closes a city's series together, in steps, with a settling series (pt.trips-served) that much later; a final of
 * period end t from an indicator with settle time s shows that every series has closed every period ending before
 * t + s minus its own settle time. So a period is complete once some final shows the city past its end plus the
 * longest settle time. This is checked on the wall-clock punctuation, never while the engine is in the middle of a
 * step, where some series have closed a period and others have not yet.
 */
public final class MaturityProcessor implements Processor<String, Emission.Value, String, MaturityProcessor.Output> {

    /** A score for {@code civicpulse.maturity.v1}; also for the latest topic when {@code latest}. */
    public record Output(MaturityScore score, boolean latest) {
    }

    public static final String INPUTS_STORE = "maturity-inputs";
    /** Per city: how far its engine has closed every series, as shown by the finals received. */
    public static final String CLOSED_STORE = "maturity-closed";
    /** Newest score per {@code city/window}, for the query API. */
    public static final String LATEST_STORE = "maturity-latest";
    /** Final scores per {@code city/window} by period end, for the query API's history. */
    public static final String HISTORY_STORE = "maturity-history";

    private static final String CITY_SCOPE = "city";
    private static final char SEPARATOR = '|';
    private static final String LIVE = "L" + SEPARATOR;
    private static final String FINAL = "F" + SEPARATOR;
    private static final int PERIOD_DIGITS = 13;

    private final MaturityConfig config;
    private final Duration liveInterval;
    private final long longestSettleMs;
    /** Windows whose live score changed since the last punctuation; lost on restart, refreshed by the next value. */
    private final Set<String> dirty = new LinkedHashSet<>();

    private ProcessorContext<String, Output> context;
    private KeyValueStore<String, MaturityInputs> inputs;
    private KeyValueStore<String, Long> closed;
    private KeyValueStore<String, MaturityScore> latest;
    private WindowStore<String, MaturityScore> history;
    private EngineMetrics metrics;

    /** The serde of {@link #INPUTS_STORE}'s values (the engine's own binary format). */
    public static org.apache.kafka.common.serialization.Serde<?> inputsSerde() {
        return MaturityInputs.serde();
    }

    public MaturityProcessor(MaturityConfig config, Duration liveInterval) {
        this.config = config;
        this.liveInterval = liveInterval;
        this.longestSettleMs = config.longestSettle().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, Output> context) {
        this.context = context;
        this.inputs = context.getStateStore(INPUTS_STORE);
        this.closed = context.getStateStore(CLOSED_STORE);
        this.latest = context.getStateStore(LATEST_STORE);
        this.history = context.getStateStore(HISTORY_STORE);
        this.metrics = new EngineMetrics(context.metrics());
        context.schedule(liveInterval, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, Emission.Value> record) {
        IndicatorValue value = record.value().value();
        if (!CITY_SCOPE.equals(value.getScope()) || value.getKpiValue() == null
                || !config.windows().contains(value.getWindow())
                || config.scored(value.getIndicatorId()).isEmpty()) {
            return;
        }
        String city = value.getCity();
        String window = value.getWindow();
        long from = value.getCalculationPeriodFrom().toEpochMilli();
        long to = value.getCalculationPeriodTo().toEpochMilli();
        String liveKey = LIVE + city + SEPARATOR + window;
        MaturityInputs live = inputs.get(liveKey);
        if (live == null) {
            live = new MaturityInputs();
        }
        if (live.offer(value.getIndicatorId(), value.getKpiValue(), from, to)) {
            inputs.put(liveKey, live);
            dirty.add(liveKey);
        }
        if (!value.getFinal$()) {
            return;
        }
        if (to <= live.finalizedTo) {
            // Its period's score is out already: the completeness rule above says this cannot happen; if it does,
            // it is counted rather than silently changing a published final.
            metrics.record("maturity-final-after-score", value.getIndicatorId());
            return;
        }
        String finalKey = finalKey(city, window, to);
        MaturityInputs period = inputs.get(finalKey);
        if (period == null) {
            period = new MaturityInputs();
        }
        period.offer(value.getIndicatorId(), value.getKpiValue(), from, to);
        inputs.put(finalKey, period);
        long shown = to + IndicatorCatalogue.require(value.getIndicatorId()).settle().toMillis();
        Long before = closed.get(city);
        if (before == null || shown > before) {
            closed.put(city, shown);
        }
    }

    private void punctuate(long wallClockMs) {
        emitCompletePeriods(wallClockMs);
        for (String liveKey : dirty) {
            MaturityInputs live = inputs.get(liveKey);
            if (live == null) {
                continue;
            }
            String[] cityWindow = liveKey.substring(LIVE.length()).split("\\|", 2);
            MaturityScore score = MaturityScoring.score(config, cityWindow[0],
                    new MaturityScoring.Period(cityWindow[1], live.from, live.to, false, wallClockMs),
                    live.current());
            publish(score, live, live.to, liveKey);
        }
        dirty.clear();
    }

    /** The final scores of every period whose finals are all out, oldest first per window. */
    private void emitCompletePeriods(long wallClockMs) {
        List<KeyValue<String, MaturityInputs>> due = new ArrayList<>();
        try (KeyValueIterator<String, MaturityInputs> pending = inputs.range(FINAL, FINAL + '\uffff')) {
            while (pending.hasNext()) {
                KeyValue<String, MaturityInputs> entry = pending.next();
                String city = entry.key.substring(FINAL.length(), entry.key.indexOf(SEPARATOR, FINAL.length()));
                Long closedTo = closed.get(city);
                if (closedTo != null && entry.value.to + longestSettleMs <= closedTo) {
                    due.add(entry);
                }
            }
        }
        for (KeyValue<String, MaturityInputs> entry : due) {
            String[] parts = entry.key.substring(FINAL.length()).split("\\|");
            String city = parts[0];
            String window = parts[1];
            MaturityInputs period = entry.value;
            String liveKey = LIVE + city + SEPARATOR + window;
            MaturityInputs live = inputs.get(liveKey);
            if (live == null) {
                live = new MaturityInputs(); // only a damaged store lacks it: the final still comes out
            }
            MaturityScore score = MaturityScoring.score(config, city,
                    new MaturityScoring.Period(window, period.from, period.to, true, wallClockMs), period.all());
            live.finalizedTo = Math.max(live.finalizedTo, period.to);
            history.put(city + '/' + window, score, period.to);
            publish(score, live, period.to, liveKey);
            inputs.delete(entry.key);
        }
    }

    private void publish(MaturityScore score, MaturityInputs live, long periodTo, String liveKey) {
        boolean newest = periodTo >= live.latestTo;
        String key = score.getCity() + '/' + score.getWindow();
        if (newest) {
            live.latestTo = periodTo;
            latest.put(key, score);
        }
        inputs.put(liveKey, live);
        context.forward(new Record<>(key, new Output(score, newest), periodTo));
    }

    /** Pending finals sort by city, window and period end (zero-padded), so a window's periods come out in order. */
    private static String finalKey(String city, String window, long to) {
        String digits = Long.toString(to);
        return FINAL + city + SEPARATOR + window + SEPARATOR + "0".repeat(Math.max(0, PERIOD_DIGITS - digits.length()))
                + digits;
    }
}
