package io.civicpulse.streams.aggregation;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.windows.Panes;
import io.civicpulse.streams.windows.WindowSpec;

/**
 * The window engine: turns contributions (an event's contributions per record, partitioned by city, so one city's
 * series live in one task) into indicator values over rolling windows and calendar days, live and final.
 *
 * <p>State, per series: one {@link Tally} per pane that received data ({@value #PANES_STORE}), and one
 * {@link SeriesTotals} ({@value #TOTALS_STORE}) with the running totals of every window as of the last closed pane;
 * per city, its stream time ({@value #CLOCKS_STORE}); per city and area, the population the per-capita indicators
 * divide by ({@value #POPULATION_STORE}). The series with a live update pending are kept in memory and rebuilt from
 * the totals when the task starts ({@link #pending}). An event updates one pane. When stream time closes a pane (its end plus the grace
 * period has passed), every window of every series of that city adds the pane entering it and subtracts the pane
 * leaving it, a constant number of store reads whatever the window's length, and the windows that end there emit
 * their one final value. Live values, at most one per key per live interval, are the closed totals plus the few
 * panes still open.
 *
 * <p>Guarantees: an event whose pane is still open is counted in every window that covers it; an event whose pane
 * has closed is not in any value, is counted as late in the series' current window and is dead-lettered (once per
 * indicator, from its city-scope contribution); changes of a level are never dropped but apply from the first open
 * pane. Stream time is kept per city, so a city whose feeds lag does not make another city's events late. Panes
 * are deleted once they leave the longest window and idle series are deleted, so state stays bounded. A per-capita
 * value is published only while the population of its area is known: never divided by zero or by a guessed
 * population, and each value withheld is counted ({@link EngineMetrics#NO_POPULATION}).
 */
public final class IndicatorWindowProcessor implements Processor<String, List<Contribution>, String, Emission> {

    public static final String PANES_STORE = "indicator-panes";
    public static final String TOTALS_STORE = "indicator-window-totals";
    public static final String CLOCKS_STORE = "indicator-city-stream-time";
    public static final String POPULATION_STORE = "indicator-population";
    /** Per distinct-count series and member, its last panes seen scheduled and live ({@link DistinctCounts}). */
    public static final String LAST_SEEN_STORE = DistinctCounts.STORE;
    /** The key of the state layout's fingerprint in {@value #CLOCKS_STORE}; city ids never start with '@'. */
    static final String LAYOUT_KEY = "@state-layout";

    private final EngineConfig config;
    private final Panes panes;
    private final List<WindowSpec> rolling = new ArrayList<>();
    private final WindowSpec calendarDay;
    private final long longestRollingMs;
    private final long graceMs;
    private final String liveFrequency;

    private ProcessorContext<String, Emission> context;
    private KeyValueStore<String, Tally> paneStore;
    private KeyValueStore<String, SeriesTotals> totalsStore;
    private KeyValueStore<String, Long> clockStore;
    /**
     * The series changed since their last live value. In memory, not a store: a changelogged store cost a store
     * write and a changelog record per contribution, the engine's largest per-event cost. After a restart, or a task
     * revived after an aborted transaction, {@link #init} marks every series with data in a pane still open, so their
     * live values come again. Sorted, so that live values go out in the same order on every run.
     */
    private final Set<String> pending = new TreeSet<>();
    /**
     * Per series: the {@link SeriesTotals#lastDataPane} its stored totals hold, so that a contribution to a pane the
     * totals already know of neither reads nor rewrites them (with sketches, kilobytes per read). Mirrors the store:
     * every totals write and delete goes through {@link #putTotals} and {@link #deleteTotals}; cleared in
     * {@link #init}, so a revived task trusts only its restored store. One entry per series, like the store.
     */
    private final Map<String, Long> storedLastDataPane = new HashMap<>();
    private KeyValueStore<String, Long> populationStore;
    private DistinctCounts distinct;
    private EngineMetrics metrics;
    private final long idleAdvanceAfterMs;
    /** Per city: wall time since which it has been quiet, and of the last idle tick. */
    private final Map<String, long[]> idleness = new HashMap<>();
    /**
     * Per city: its input partitions' progress. In memory: after a restart it is rebuilt from the records that
     * follow (the startup grace lets every partition report), and the stored clock keeps stream time from going
     * back.
     */
    private final Map<String, CityProgress> progress = new HashMap<>();
    /** Compacted topics: reference data, stamped when published. */
    private static final Set<String> REFERENCE_TOPICS = Topics.ALL.stream()
            .filter(topic -> topic.cleanup() == Topic.Cleanup.COMPACT).map(Topic::name)
            .collect(Collectors.toUnmodifiableSet());
    private final long sourceActiveMs;
    private final long sourceStartupGraceMs;
    private final SourceBacklog backlog;
    /** This task's input partitions (the contributions' repartition topics), as records reveal them. */
    private final Set<InputPartition> inputs = new HashSet<>();
    private InputPartition lastInput = new InputPartition("", -1);

    private record InputPartition(String topic, int partition) {
    }
    /**
     * Series-pane steps per chunk of closing panes: the chunk is this many panes divided by the city's series.
     * Small enough that a chunk takes well under a second, large enough that a chunk of a few series covers days.
     */
    static final int CATCH_UP_STEPS = 20_000;
    /** How long one record, or one live interval, may spend closing panes: far below the transaction timeout. */
    private static final long PROCESS_CATCH_UP_NANOS = Duration.ofMillis(500).toNanos();
    private static final long PUNCTUATE_CATCH_UP_NANOS = Duration.ofSeconds(2).toNanos();
    private long catchUpDeadline;

    public IndicatorWindowProcessor(EngineConfig config) {
        this(config, SourceBacklog.UNKNOWN);
    }

    /** With what the engine's consumers know of input partitions still holding unfetched records. */
    public IndicatorWindowProcessor(EngineConfig config, SourceBacklog backlog) {
        this.config = config;
        this.backlog = backlog;
        this.panes = config.panes();
        WindowSpec day = null;
        long longest = 0;
        for (WindowSpec window : config.windows()) {
            if (window.isRolling()) {
                rolling.add(window);
                longest = Math.max(longest, window.lengthMs());
            } else {
                day = window;
            }
        }
        this.calendarDay = day;
        this.longestRollingMs = longest;
        this.graceMs = config.grace().toMillis();
        this.liveFrequency = config.liveInterval().toString();
        this.idleAdvanceAfterMs = config.idleAdvanceAfter().toMillis();
        this.sourceActiveMs = config.sourceQuietAfter().toMillis();
        this.sourceStartupGraceMs = config.sourceStartupGrace().toMillis();
        for (IndicatorDefinition definition : IndicatorCatalogue.all()) {
            // A settling series closes a whole number of panes after the city's other series.
            if (definition.settle().toMillis() % panes.sizeMs() != 0) {
                throw new IllegalArgumentException(EngineConfig.PANE_SIZE + " " + config.paneSize()
                        + " does not divide the settle time " + definition.settle() + " of " + definition.id());
            }
        }
    }

    @Override
    public void init(ProcessorContext<String, Emission> context) {
        this.context = context;
        this.paneStore = context.getStateStore(PANES_STORE);
        this.totalsStore = context.getStateStore(TOTALS_STORE);
        this.clockStore = context.getStateStore(CLOCKS_STORE);
        this.populationStore = context.getStateStore(POPULATION_STORE);
        this.distinct = new DistinctCounts(paneStore, context.getStateStore(LAST_SEEN_STORE), rolling,
                calendarDay != null, longestRollingMs);
        this.metrics = new EngineMetrics(context.metrics());
        checkStateLayout();
        storedLastDataPane.clear();
        pending.clear();
        markOpenSeriesPending();
        // Wall-clock, not stream time: live values must flow (rate-limited) while events arrive, whatever their
        // event time, and a burst of events within one interval must give one record per key.
        context.schedule(config.liveInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    /**
     * Refuses to run on state built with another pane size or other windows. The totals of a window are the sum of
     * the panes that entered it minus those that left; with another window list the engine would subtract panes that
     * never entered (negative counts), with another pane size it would never subtract some. Grace, live interval and
     * final step may change freely. The layout's fingerprint is kept beside the cities' clocks, under a key no city
     * id can take.
     */
    private void checkStateLayout() {
        String layout = stateLayout();
        long fingerprint = fingerprint(layout);
        Long stored = clockStore.get(LAYOUT_KEY);
        if (stored == null) {
            clockStore.put(LAYOUT_KEY, fingerprint);
        } else if (stored != fingerprint) {
            throw new IllegalStateException("the indicator state of this application.id was built with another pane"
                    + " size or window list (fingerprint " + Long.toHexString(stored) + ") than this configuration ("
                    + layout + ", fingerprint " + Long.toHexString(fingerprint) + "): go back to the old settings,"
                    + " or start under a new application.id (or reset this one with kafka-streams-application-reset)"
                    + " so the windows are rebuilt from the input topics");
        }
    }

    private String stateLayout() {
        StringBuilder layout = new StringBuilder("panes ").append(Duration.ofMillis(panes.sizeMs())).append(", windows");
        for (WindowSpec window : config.windows()) {
            layout.append(' ').append(window.label());
        }
        return layout.toString();
    }

    /** FNV-1a, 64 bits: stable across JVMs, unlike String.hashCode's 32 bits it makes collisions negligible. */
    private static long fingerprint(String text) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    /**
     * After a (re)start: every series with data in a pane not closed yet may have had a live value pending when the
     * task stopped, so it gets one again. One scan of the task's totals per start.
     */
    private void markOpenSeriesPending() {
        try (KeyValueIterator<String, SeriesTotals> all = totalsStore.all()) {
            while (all.hasNext()) {
                KeyValue<String, SeriesTotals> entry = all.next();
                if (entry.value.lastDataPane >= entry.value.closedUpTo) {
                    pending.add(entry.key);
                }
            }
        }
    }

    @Override
    public void process(Record<String, List<Contribution>> record) {
        if (record.value() == null) {
            return;
        }
        // A record is one event's contributions (on-time, p50 and p90 of a stop event, city and route): all are judged
        // against the clock as it stood when the event arrived, and the clock moves once, after all are in. Moved
        // after each contribution, a clock behind its watermark (a source gone quiet since the last record, a
        // catch-up cut short) closed the event's pane after its first contribution and made the others late: the
        // event was in on-time performance but not in the delay percentiles nor in its route's series.
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        if (metadata != null && (metadata.partition() != lastInput.partition()
                || !metadata.topic().equals(lastInput.topic()))) {
            lastInput = new InputPartition(metadata.topic(), metadata.partition());
            inputs.add(lastInput);
        }
        Map<String, Long> clockTargets = new HashMap<>(2);
        catchUpDeadline = System.nanoTime() + PROCESS_CATCH_UP_NANOS;
        for (Contribution contribution : record.value()) {
            processContribution(contribution, clockTargets);
        }
        clockTargets.forEach((city, target) -> moveClock(city, clockStore.get(city), target));
    }

    /**
     * Adds one contribution to its pane (or counts it late), judged against the city's stored clock; puts the
     * stream time its source's progress allows into {@code clockTargets}, for the caller to move the clock to.
     */
    private void processContribution(Contribution contribution, Map<String, Long> clockTargets) {
        if (contribution.isPopulation()) {
            // Reference data: it says nothing about event time, so it neither moves nor is judged by the clock.
            updatePopulation(contribution);
            return;
        }
        IndicatorDefinition definition = IndicatorCatalogue.require(contribution.indicatorId());
        SeriesKey series = contribution.series();
        String city = series.city();
        boolean reference = REFERENCE_TOPICS.contains(contribution.origin().sourceTopic());
        if (!reference) {
            // Reference data (and what is derived from the schedule: trip decisions, scheduled coverage members, sent
            // as the trip-runs clock moves, also while the feeds are down) says nothing about the city's feeds being
            // active: it must not keep a quiet city's clock from moving on.
            idleness.remove(city);
        }
        Long streamTime = clockStore.get(city);
        // An indicator that settles (IndicatorDefinition.settle) is judged against its own, later-closing panes.
        long settleMs = definition.settle().toMillis();
        long closedBefore = streamTime == null ? Long.MIN_VALUE : closedUpTo(streamTime, settleMs);
        long eventTime = contribution.eventTimeMs();

        if (panes.endOf(eventTime) <= closedBefore) {
            if (!definition.measure().isLevel()) {
                countLate(definition, series, contribution, streamTime, closedBefore);
                return;
            }
            // A dropped change would leave the level wrong for ever; apply it from the first open pane instead.
            countPerEvent(series, EngineMetrics.LATE_LEVEL_CHANGE, definition);
            eventTime = closedBefore;
        } else if (streamTime != null && panes.endOf(eventTime) + settleMs <= streamTime) {
            countPerEvent(series, EngineMetrics.LATE_WITHIN_GRACE, definition);
        }

        // Reference data (the service catalogue, routes, the schedule behind transit decisions) is stamped when it
        // was published, not when anything happened: it neither moves nor holds the clock of a city that has
        // events, or a catalogue published now would end a backfill's windows before its events are in.
        long watermark = reference
                ? referenceWatermark(city, eventTime)
                // A settling contribution is emitted when it becomes known, settle after its event time: that is
                // how far its source has come.
                : watermark(city, contribution, eventTime + settleMs);
        long newStreamTime = streamTime == null ? watermark : Math.max(streamTime, watermark);
        long pane = panes.startOf(eventTime);
        addToPane(series, pane, Tally.of(contribution, definition.measure()));
        String storeKey = series.storeKey();
        Long knownDataPane = storedLastDataPane.get(storeKey);
        // Most contributions land in a pane the series' totals already know of: then the totals stay as stored.
        if (knownDataPane == null || knownDataPane < pane || streamTime == null) {
            long start = closedBefore != Long.MIN_VALUE ? closedBefore
                    : newStreamTime == Long.MIN_VALUE ? pane : closedUpTo(newStreamTime, settleMs);
            SeriesTotals totals = totalsOrNew(series, start);
            if (streamTime == null && pane < totals.closedUpTo) {
                // The city has no clock yet, so nothing of it has closed: the series may still start earlier.
                totals.closedUpTo = pane;
                totals.dayStart = WindowSpec.dayStart(pane, config.zoneOf(city));
            }
            totals.lastDataPane = Math.max(totals.lastDataPane, pane);
            putTotals(storeKey, totals);
        }
        pending.add(storeKey);
        if (newStreamTime != Long.MIN_VALUE) {
            clockTargets.merge(city, newStreamTime, Math::max);
        }
    }

    /**
     * Moves the city's stream time to {@code newStreamTime}, closing the panes it passes, as far as this call's
     * time allows. Closing a long stretch at once (the clock jumping days ahead when a backfill's startup grace
     * ends, or a source catching up) would hold the stream thread for minutes, past the transaction timeout of
     * exactly-once; so the clock only moves as far as panes are closed, and the rest follows at the next record or
     * live interval. Until then the city's events are judged against the clock as it stands: nothing is late that
     * was not closed.
     */
    private void moveClock(String city, Long streamTime, long newStreamTime) {
        long from;
        if (streamTime == null) {
            CityProgress seen = progress.get(city);
            if (seen != null && context.currentSystemTimeMs() - seen.firstSeen < sourceStartupGraceMs) {
                // A city never seen before gets no clock until its startup grace is over: the first contribution to
                // arrive may be hours ahead of another partition's first, and a clock set now would make those late.
                return;
            }
            from = Long.MIN_VALUE;
        } else {
            from = closedUpTo(streamTime);
        }
        long clock = newStreamTime;
        long target = closedUpTo(newStreamTime);
        if (target > from) {
            long reached = closePanes(city, from, target);
            if (reached < target) {
                clock = streamTime == null ? reached + graceMs : Math.max(streamTime, reached + graceMs);
            }
        }
        if (streamTime == null || clock > streamTime) {
            clockStore.put(city, clock);
        }
    }

    /**
     * The city's event time that every source still sending has reached: the smallest of the newest event times
     * of each input partition that sent this city something within the quiet time. The contributions of a city
     * arrive through one repartition partition but from many upstream tasks, each at its own pace (a backfill
     * runs through six partitions at six speeds); taking the newest event time of any of them would make the
     * slower ones' events late. A source quiet for longer than {@code civicpulse.source.quiet.after} no longer
     * holds the city back: a backfilling partition delivers continuously, a quiet one will deliver new events next.
     * Unless the consumers know it is behind ({@link SourceBacklog}): on a restart over a broker full of backlog the
     * one stream thread can leave a partition unfetched for longer than that, and silence is then no sign of having
     * caught up; nor is any source's silence while this task's own input is behind. And when a city whose every
     * source had gone quiet receives again, each known source holds it anew until it delivers or goes quiet once
     * more: a burst arrives partition by partition, and the first partition's events must not close the windows the
     * others' are about to land in.
     */
    private long watermark(String cityId, Contribution contribution, long eventTime) {
        long now = context.currentSystemTimeMs();
        CityProgress city = progress.computeIfAbsent(cityId, c -> new CityProgress(now));
        city.earliest = Math.min(city.earliest, eventTime);
        if (now - city.lastHeardAt > sourceActiveMs) {
            // The city wakes up after every source went quiet: a burst (a system pushing what it held back, a feed
            // back after an outage) reaches this task partition by partition, and the first one's events must not
            // carry the clock past what the others are about to deliver. Each known source holds the city again
            // until it delivers or goes quiet once more.
            for (SourceProgress known : city.sources.values()) {
                known.heardAt = now;
            }
        }
        city.lastHeardAt = now;
        EventOrigin origin = contribution.origin();
        SourceProgress source = city.sources.computeIfAbsent(origin.sourceTopic() + "#" + origin.sourcePartition(),
                k -> new SourceProgress(origin.sourceTopic(), origin.sourcePartition()));
        source.newest = Math.max(source.newest, eventTime);
        source.heardAt = now;
        return watermark(city, now);
    }

    /**
     * The watermark after a reference-data change at {@code publishedAt}: that of the city's event sources; for a city
     * that has sent nothing but reference data (its catalogue, before any e-service is used), the newest publication,
     * so that its windows still close.
     */
    private long referenceWatermark(String cityId, long publishedAt) {
        long now = context.currentSystemTimeMs();
        CityProgress city = progress.computeIfAbsent(cityId, c -> new CityProgress(now));
        city.newestReference = Math.max(city.newestReference, publishedAt);
        return watermark(city, now);
    }

    private long watermark(CityProgress city, long now) {
        if (city.sources.isEmpty()) {
            return city.newestReference;
        }
        if (now - city.firstSeen < sourceStartupGraceMs) {
            // Input partitions not heard from yet may still deliver the city's earliest events.
            return city.earliest;
        }
        long slowestActive = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;
        // Asked only about a quiet source: on the busy path every source is active and no lookup is made.
        Boolean inputBehind = null;
        for (SourceProgress source : city.sources.values()) {
            newest = Math.max(newest, source.newest);
            boolean holds = now - source.heardAt <= sourceActiveMs;
            if (!holds) {
                if (inputBehind == null) {
                    // Contributions still in this task's own input would come from any source, quiet ones too.
                    inputBehind = inputBehind();
                }
                holds = inputBehind || backlog.behind(source.topic, source.partition);
            }
            if (holds) {
                slowestActive = Math.min(slowestActive, source.newest);
            }
        }
        // When every source has gone quiet, everything sent has arrived: the city has reached its newest event.
        return slowestActive == Long.MAX_VALUE ? newest : slowestActive;
    }

    /**
     * Moves each city's stream time up to its watermark between events too: the startup grace ends, or a slow
     * partition's last events arrived, without any later event to carry the news.
     */
    private void advanceToWatermarks(long wallClockMs) {
        for (Map.Entry<String, CityProgress> city : progress.entrySet()) {
            Long streamTime = clockStore.get(city.getKey());
            long watermark = watermark(city.getValue(), wallClockMs);
            if (watermark == Long.MIN_VALUE || streamTime != null && watermark <= streamTime) {
                continue;
            }
            moveClock(city.getKey(), streamTime, watermark);
        }
    }


    private boolean inputBehind() {
        for (InputPartition input : inputs) {
            if (backlog.behind(input.topic(), input.partition())) {
                return true;
            }
        }
        return false;
    }

    /** One input partition's progress for a city: the newest event time it delivered, and when (wall time). */
    private static final class SourceProgress {
        final String topic;
        final int partition;
        long newest = Long.MIN_VALUE;
        long heardAt;

        SourceProgress(String topic, int partition) {
            this.topic = topic;
            this.partition = partition;
        }
    }

    /** What the engine has seen of one city's inputs since it started. */
    private static final class CityProgress {
        final long firstSeen;
        long earliest = Long.MAX_VALUE;
        /** Newest publication time of the city's reference data; the clock only while it has no event source. */
        long newestReference = Long.MIN_VALUE;
        /** Per input partition, {@code topic#partition}. */
        final Map<String, SourceProgress> sources = new HashMap<>();
        /** Wall time of the newest contribution from any of its sources. */
        long lastHeardAt = Long.MIN_VALUE / 2;

        CityProgress(long firstSeen) {
            this.firstSeen = firstSeen;
        }
    }

    /**
     * Keeps the area's population and lets the city's per-capita series of that area publish with it: values
     * withheld while it was unknown appear at the next live interval.
     */
    private void updatePopulation(Contribution update) {
        String key = update.city() + SeriesKey.SEPARATOR + update.scope();
        if (update.numerator() > 0) {
            populationStore.put(key, update.numerator());
        } else {
            populationStore.delete(key);
        }
        Long streamTime = clockStore.get(update.city());
        if (streamTime == null) {
            return;
        }
        List<String> perCapita = new ArrayList<>();
        try (KeyValueIterator<String, SeriesTotals> all = totalsStore.range(SeriesKey.cityRangeFrom(update.city()),
                SeriesKey.cityRangeTo(update.city()))) {
            while (all.hasNext()) {
                SeriesKey series = SeriesKey.parse(all.next().key);
                if (series.scope().equals(update.scope())
                        && IndicatorCatalogue.require(series.indicatorId()).measure().isPerCapita()) {
                    perCapita.add(series.storeKey());
                }
            }
        }
        pending.addAll(perCapita);
    }

    /** Every pane ending at or before this instant is closed when stream time is {@code streamTime}. */
    private long closedUpTo(long streamTime) {
        return panes.startOf(streamTime - graceMs);
    }

    /** The same for the series of an indicator that settles {@code settleMs}: its panes close that much later. */
    private long closedUpTo(long streamTime, long settleMs) {
        return panes.startOf(streamTime - settleMs - graceMs);
    }

    private void countLate(IndicatorDefinition definition, SeriesKey series, Contribution contribution,
                           long streamTime, long closedBefore) {
        // Counted in the pane where stream time is, so the series' current windows report it as lateEventCount.
        long currentPane = panes.startOf(streamTime - definition.settle().toMillis());
        addToPane(series, currentPane, Tally.lateEvent());
        String storeKey = series.storeKey();
        Long knownDataPane = storedLastDataPane.get(storeKey);
        if (knownDataPane == null || knownDataPane < currentPane) {
            SeriesTotals totals = totalsOrNew(series, closedBefore);
            totals.lastDataPane = Math.max(totals.lastDataPane, currentPane);
            putTotals(storeKey, totals);
        }
        pending.add(storeKey);
        countPerEvent(series, EngineMetrics.LATE_BEYOND_GRACE, definition);
        if (ScopeKind.CITY_SCOPE.equals(series.scope())) {
            context.forward(new Record<>(DeadLetters.key(DeadLetters.LATE_BEYOND_GRACE),
                    new Emission.Rejected(DeadLetters.key(DeadLetters.LATE_BEYOND_GRACE),
                            DeadLetters.lateEvent(series.city(), definition.id(), contribution.eventTimeMs(),
                                    streamTime, contribution.origin(), context.currentSystemTimeMs())),
                    streamTime));
        }
    }

    /**
     * Counts per event and indicator, not per scope: every event contributes to the city scope of each of its
     * indicators exactly once, so that contribution speaks for the event (in metrics and dead letters alike).
     */
    private void countPerEvent(SeriesKey series, String what, IndicatorDefinition definition) {
        if (ScopeKind.CITY_SCOPE.equals(series.scope())) {
            metrics.record(what, definition.id());
        }
    }

    private void addToPane(SeriesKey series, long paneStart, Tally tally) {
        String key = series.paneKey(paneStart);
        Tally pane = paneStore.get(key);
        if (pane == null) {
            pane = tally;
        } else {
            pane.add(tally);
        }
        paneStore.put(key, pane);
    }

    private void putTotals(String storeKey, SeriesTotals totals) {
        totalsStore.put(storeKey, totals);
        storedLastDataPane.put(storeKey, totals.lastDataPane);
    }

    private void deleteTotals(String storeKey) {
        totalsStore.delete(storeKey);
        storedLastDataPane.remove(storeKey);
    }

    private SeriesTotals totalsOrNew(SeriesKey series, long closedUpTo) {
        SeriesTotals totals = totalsStore.get(series.storeKey());
        if (totals == null) {
            ZoneId zone = config.zoneOf(series.city());
            totals = new SeriesTotals(closedUpTo, Long.MIN_VALUE, WindowSpec.dayStart(closedUpTo, zone));
        }
        return totals;
    }

    /**
     * Advances every series of the city from {@code from} towards {@code target}, emitting the finals of the windows
     * that close, in chunks of about {@value #CATCH_UP_STEPS} pane steps, until the target or this call's deadline;
     * returns how far the city's panes are closed (pane-aligned, at least one chunk past {@code from}).
     */
    private long closePanes(String city, long from, long target) {
        long reached = from;
        while (reached < target) {
            List<KeyValue<String, SeriesTotals>> behind = new ArrayList<>();
            try (KeyValueIterator<String, SeriesTotals> all =
                         totalsStore.range(SeriesKey.cityRangeFrom(city), SeriesKey.cityRangeTo(city))) {
                while (all.hasNext()) {
                    KeyValue<String, SeriesTotals> entry = all.next();
                    if (entry.value.closedUpTo < target - settleOf(entry.key)) {
                        behind.add(entry);
                    }
                }
            }
            if (behind.isEmpty()) {
                return target;
            }
            if (reached == Long.MIN_VALUE) {
                // The city's first clock: its series start where their first contributions put them.
                reached = behind.stream().mapToLong(entry -> entry.value.closedUpTo + settleOf(entry.key)).min()
                        .getAsLong();
            }
            long chunkMs = Math.max(1, CATCH_UP_STEPS / behind.size()) * panes.sizeMs();
            long next = target - reached <= chunkMs ? target : reached + chunkMs;
            // Written after the scan: stores are not to be modified under an open iterator.
            for (KeyValue<String, SeriesTotals> entry : behind) {
                SeriesKey series = SeriesKey.parse(entry.key);
                IndicatorDefinition definition = IndicatorCatalogue.require(series.indicatorId());
                // A settling series closes its panes that much after the city's other series.
                long seriesNext = next - definition.settle().toMillis();
                SeriesTotals totals = entry.value;
                if (totals.closedUpTo >= seriesNext) {
                    continue;
                }
                boolean keep = advance(series, definition, totals, seriesNext);
                if (keep) {
                    putTotals(entry.key, totals);
                } else {
                    deleteTotals(entry.key);
                }
            }
            reached = next;
            if (System.nanoTime() - catchUpDeadline > 0) {
                break;
            }
        }
        return reached;
    }

    /** Closes the series' panes up to {@code target}; returns false when the series is idle and can be forgotten. */
    private boolean advance(SeriesKey series, IndicatorDefinition definition, SeriesTotals totals, long target) {
        ZoneId zone = config.zoneOf(series.city());
        boolean level = definition.measure().isLevel();
        boolean distinctCount = definition.measure().isDistinct();
        long paneMs = panes.sizeMs();
        while (totals.closedUpTo < target) {
            long start = totals.closedUpTo;
            // A distinct series' panes also leave its horizon (nextChange): it skips after one step instead.
            if (level || !distinctCount && totals.rollingEmpty()) {
                // Nothing left to slide out: jump to the next pane with data instead of stepping through idle panes
                // (a series first seen while its city closes a month of backfill would otherwise step through all).
                long next = totals.lastDataPane < start ? Long.MAX_VALUE : nextDataPane(series, start);
                if (next > start) {
                    skipIdle(series, definition, totals, Math.min(next, target), zone);
                    continue;
                }
            }
            String paneKey = series.paneKey(start);
            Tally entering = paneStore.get(paneKey);
            boolean changed = entering != null;
            long end = start + paneMs;
            if (level) {
                totals.level.add(entering);
                if (entering != null) {
                    // A level needs a pane only until it is closed: the level itself carries it from then on.
                    paneStore.delete(paneKey);
                }
            } else if (distinctCount) {
                // Distinct members: the pane's members join and leave the windows and the day (DistinctCounts).
                changed |= distinct.close(series, totals, start, entering, zone);
            } else {
                for (WindowSpec window : rolling) {
                    Tally total = totals.rolling(window.label());
                    total.add(entering);
                    String leavingKey = series.paneKey(start - window.lengthMs());
                    Tally leaving = paneStore.get(leavingKey);
                    total.subtract(leaving);
                    changed |= leaving != null;
                    if (leaving != null && window.lengthMs() == longestRollingMs) {
                        paneStore.delete(leavingKey);
                    }
                }
                if (rolling.isEmpty() && entering != null) {
                    paneStore.delete(paneKey);
                }
            }
            if (calendarDay != null) {
                long dayStart = WindowSpec.dayStart(start, zone);
                if (dayStart != totals.dayStart) {
                    totals.dayStart = dayStart;
                    totals.day = Tally.empty();
                }
                if (!level && !distinctCount) {
                    totals.day.add(entering);
                }
            }
            totals.closedUpTo = end;
            emitFinals(series, definition, totals, end, zone);
            if (!changed && end < target) {
                // Nothing entered or left: the totals stay as they are until the next pane with data enters or
                // leaves a window, so jump there (a few seeks) rather than step through the panes in between.
                long next = nextChange(series, definition, end);
                if (next > end) {
                    skipIdle(series, definition, totals, Math.min(next, target), zone);
                }
            }
        }
        return level || !(totals.rollingEmpty() && totals.day.isEmpty() && totals.lastDataPane < totals.closedUpTo
                // A distinct series is forgotten once its last pane (and so its last member) has passed its horizon.
                && (!distinctCount || totals.lastDataPane < totals.closedUpTo - distinct.horizonMs));
    }

    /** How much later than the city's other series the series of this store key closes its panes. */
    private static long settleOf(String seriesStoreKey) {
        return IndicatorCatalogue.require(SeriesKey.parse(seriesStoreKey).indicatorId()).settle().toMillis();
    }

    /**
     * The first pane boundary at or after {@code from} where the series' totals change: a pane with data enters
     * (levels, rolling windows and the day alike), or, for a rolling window of length L, a pane with data leaves it
     * (at its start + L), or for a distinct series a pane leaves its horizon (its members are forgotten).
     * Long.MAX_VALUE when nothing is ahead.
     */
    private long nextChange(SeriesKey series, IndicatorDefinition definition, long from) {
        long next = nextDataPane(series, from);
        if (definition.measure().isDistinct()) {
            long leaving = nextDataPane(series, from - distinct.horizonMs);
            if (leaving != Long.MAX_VALUE) {
                next = Math.min(next, leaving + distinct.horizonMs);
            }
        }
        if (!definition.measure().isLevel()) {
            for (WindowSpec window : rolling) {
                long leaving = nextDataPane(series, from - window.lengthMs());
                if (leaving != Long.MAX_VALUE) {
                    next = Math.min(next, leaving + window.lengthMs());
                }
            }
        }
        return next;
    }

    /** The start of the series' first pane with data at or after {@code from}, or Long.MAX_VALUE. */
    private long nextDataPane(SeriesKey series, long from) {
        try (KeyValueIterator<String, Tally> next = paneStore.range(series.paneKey(from), series.paneRangeEnd())) {
            return next.hasNext() ? SeriesKey.paneStartOf(next.next().key) : Long.MAX_VALUE;
        }
    }

    /** The finals of the windows ending at {@code end}, a pane boundary just closed. */
    private void emitFinals(SeriesKey series, IndicatorDefinition definition, SeriesTotals totals, long end,
                            ZoneId zone) {
        boolean level = definition.measure().isLevel();
        for (WindowSpec window : rolling) {
            if (end % window.finalStepMs() == 0) {
                Tally value = level ? totals.level : totals.rolling(window.label());
                emitFinal(series, definition, totals, window, end - window.lengthMs(), end, value);
            }
        }
        if (calendarDay != null && end == WindowSpec.dayEnd(totals.dayStart, zone)) {
            emitFinal(series, definition, totals, calendarDay, totals.dayStart, end, level ? totals.level : totals.day);
            totals.dayStart = end;
            totals.day = Tally.empty();
        }
    }

    /**
     * Moves a series to {@code target} across panes where nothing enters or leaves any window: every window keeps
     * its value, so the finals due on the way are the current totals (none for an empty ratio), and the day's.
     */
    private void skipIdle(SeriesKey series, IndicatorDefinition definition, SeriesTotals totals, long target,
                          ZoneId zone) {
        long from = totals.closedUpTo;
        boolean level = definition.measure().isLevel();
        for (WindowSpec window : rolling) {
            Tally value = level ? totals.level : totals.rolling(window.label());
            if (!level && value.isEmpty()) {
                continue; // no value to publish, whatever the boundary
            }
            long step = window.finalStepMs();
            for (long end = Math.floorDiv(from, step) * step + step; end <= target; end += step) {
                emitFinal(series, definition, totals, window, end - window.lengthMs(), end, value);
            }
        }
        if (calendarDay != null) {
            Tally dayValue = definition.measure().isLevel() ? totals.level : totals.day;
            long dayEnd = WindowSpec.dayEnd(totals.dayStart, zone);
            while (dayEnd <= target) {
                emitFinal(series, definition, totals, calendarDay, totals.dayStart, dayEnd, dayValue);
                totals.dayStart = dayEnd;
                totals.day = Tally.empty();
                dayValue = definition.measure().isLevel() ? totals.level : totals.day;
                dayEnd = WindowSpec.dayEnd(dayEnd, zone);
            }
        }
        totals.closedUpTo = target;
    }

    private void emitFinal(SeriesKey series, IndicatorDefinition definition, SeriesTotals totals, WindowSpec window,
                           long from, long to, Tally value) {
        if (!publishable(definition, totals, window, to, value)) {
            return; // an empty window has no value: nothing is published rather than a 0%
        }
        String frequency = window.isRolling() ? window.finalStep().toString() : "P1D";
        emit(series, definition, totals, window, new IndicatorValues.Period(window.label(), from, to, frequency, true,
                context.currentSystemTimeMs()), value, to);
    }

    private void emit(SeriesKey series, IndicatorDefinition definition, SeriesTotals totals, WindowSpec window,
                      IndicatorValues.Period period, Tally value, long timestamp) {
        long population = 0;
        if (definition.measure().isPerCapita()) {
            Long known = populationStore.get(series.city() + SeriesKey.SEPARATOR + series.scope());
            if (known == null) {
                metrics.record(EngineMetrics.NO_POPULATION, definition.id());
                return;
            }
            population = known;
        }
        IndicatorValue indicatorValue = IndicatorValues.of(definition, series, period, value, population);
        String key = series.outputKey(window.label());
        boolean latest = totals.advanceLatest(window.label(), period.to());
        context.forward(new Record<>(key, new Emission.Value(key, indicatorValue, latest), timestamp));
    }

    /** Every live interval: moves quiet cities on, then publishes what changed. */
    private void punctuate(long wallClockMs) {
        catchUpDeadline = System.nanoTime() + PUNCTUATE_CATCH_UP_NANOS;
        advanceToWatermarks(wallClockMs);
        if (idleAdvanceAfterMs > 0) {
            advanceIdleCities(wallClockMs);
        }
        emitLive(wallClockMs);
    }

    /**
     * A city that sent nothing for {@code civicpulse.idle.advance.after} has its stream time moved on by the wall
     * time that passes from then on, so its windows close and get their finals while it is quiet. An event that
     * arrives later than that (a source catching up after an outage) is late: counted and dead-lettered, never
     * silently dropped. The bookkeeping is in memory: after a restart a city waits the full idle time again.
     */
    private void advanceIdleCities(long wallClockMs) {
        if (inputBehind()) {
            // Not quiet, only not read yet: the cities' contributions may be waiting in this task's input.
            idleness.clear();
            return;
        }
        List<KeyValue<String, Long>> cities = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = clockStore.all()) {
            all.forEachRemaining(cities::add);
        }
        for (KeyValue<String, Long> city : cities) {
            if (city.key.equals(LAYOUT_KEY)) {
                continue;
            }
            long[] quiet = idleness.computeIfAbsent(city.key, c -> new long[] {wallClockMs, wallClockMs});
            long quietSince = quiet[0];
            long lastTick = quiet[1];
            quiet[1] = wallClockMs;
            if (wallClockMs - quietSince < idleAdvanceAfterMs) {
                continue;
            }
            long streamTime = city.value;
            long advanced = streamTime + (wallClockMs - Math.max(lastTick, quietSince + idleAdvanceAfterMs));
            if (advanced <= streamTime) {
                continue;
            }
            moveClock(city.key, streamTime, advanced);
        }
    }

    /** Publishes the live value of every window of every series that changed since the last call. */
    private void emitLive(long wallClockMs) {
        for (Iterator<String> changed = pending.iterator(); changed.hasNext(); ) {
            String storeKey = changed.next();
            SeriesKey series = SeriesKey.parse(storeKey);
            Long streamTime = clockStore.get(series.city());
            if (streamTime == null) {
                continue; // the city is in its startup grace: its live values follow once it has a clock
            }
            SeriesTotals totals = totalsStore.get(storeKey);
            if (totals == null) {
                changed.remove();
                continue; // went idle and was forgotten since
            }
            IndicatorDefinition definition = IndicatorCatalogue.require(series.indicatorId());
            if (totals.lastDataPane < panes.endOf(streamTime - definition.settle().toMillis())) {
                changed.remove();
            } // else data ahead of the city's clock: its live value follows as the clock reaches it
            emitLive(series, definition, totals, streamTime, wallClockMs);
            putTotals(storeKey, totals);
        }
    }

    private void emitLive(SeriesKey series, IndicatorDefinition definition, SeriesTotals totals, long streamTime,
                          long wallClockMs) {
        ZoneId zone = config.zoneOf(series.city());
        boolean level = definition.measure().isLevel();
        long paneMs = panes.sizeMs();
        long current = panes.endOf(streamTime - definition.settle().toMillis());
        if (definition.measure().isDistinct()) {
            // Members are not sums: the open panes are closed on a copy of the totals, their members counted once.
            SeriesTotals virtual = distinct.afterOpenPanes(series, totals, current, paneMs, zone);
            for (WindowSpec window : rolling) {
                emitLiveValue(series, definition, totals, window, current - window.lengthMs(), current,
                        virtual.rolling(window.label()), streamTime, wallClockMs);
            }
            if (calendarDay != null) {
                long dayStart = WindowSpec.dayStart(current - 1, zone);
                emitLiveValue(series, definition, totals, calendarDay, dayStart, WindowSpec.dayEnd(dayStart, zone),
                        virtual.dayStart == dayStart ? virtual.day : Tally.empty(), streamTime, wallClockMs);
            }
            return;
        }
        // The panes not yet closed: grace / pane size + 1 of them, whatever the windows' lengths.
        Map<Long, Tally> open = new HashMap<>();
        for (long start = totals.closedUpTo; start < current; start += paneMs) {
            Tally pane = paneStore.get(series.paneKey(start));
            if (pane != null) {
                open.put(start, pane);
            }
        }
        for (WindowSpec window : rolling) {
            Tally value = (level ? totals.level : totals.rolling(window.label())).copy();
            open.values().forEach(value::add);
            if (!level) {
                for (long start = totals.closedUpTo; start < current; start += paneMs) {
                    value.subtract(paneStore.get(series.paneKey(start - window.lengthMs())));
                }
            }
            emitLiveValue(series, definition, totals, window, current - window.lengthMs(), current, value,
                    streamTime, wallClockMs);
        }
        if (calendarDay != null) {
            long dayStart = WindowSpec.dayStart(current - 1, zone);
            Tally value;
            if (level) {
                value = totals.level.copy();
                open.values().forEach(value::add);
            } else {
                value = totals.dayStart == dayStart ? totals.day.copy() : Tally.empty();
                open.forEach((start, pane) -> {
                    if (start >= dayStart) {
                        value.add(pane);
                    }
                });
            }
            emitLiveValue(series, definition, totals, calendarDay, dayStart, WindowSpec.dayEnd(dayStart, zone), value,
                    streamTime, wallClockMs);
        }
    }

    private void emitLiveValue(SeriesKey series, IndicatorDefinition definition, SeriesTotals totals,
                               WindowSpec window, long from, long to, Tally value, long streamTime,
                               long wallClockMs) {
        if (!publishable(definition, totals, window, to, value)) {
            return;
        }
        emit(series, definition, totals, window,
                new IndicatorValues.Period(window.label(), from, to, liveFrequency, false, wallClockMs), value,
                streamTime);
    }

    /**
     * Whether a window's value is published: an empty window has no value (not 0%), except a count that has fallen
     * to zero, which is a value; before the series' first contribution the count is not known, so not published.
     */
    private static boolean publishable(IndicatorDefinition definition, SeriesTotals totals, WindowSpec window,
                                       long periodTo, Tally value) {
        return !value.isEmpty() || definition.measure().zeroIsAValue()
                && (totals.lastDataPane < periodTo || totals.latestPeriodTo.containsKey(window.label()));
    }

    @Override
    public void close() {
        // Stores are closed by Kafka Streams; nothing else is held.
    }
}
