package io.civicpulse.streams.validation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventContributions;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.config.EngineConfig;

/**
 * Validates each record of one event topic and reduces it to its contributions, or rejects it with a reason: a
 * record without a city or event id, with a timestamp before the configured earliest or ahead of its own ingestion
 * time by more than the allowed skew, or with a problem its type's {@link EventRules} name. Rejections are values
 * ({@link Checked.Rejected}), carrying the raw record, so the topology routes them to the dead-letter topic; one bad
 * record never holds up its neighbours.
 */
public final class ValidationProcessor<V> implements Processor<String, Received<V>, String, Checked> {

    /** Lower-case ids as the schemas define them; '|' and '/' would break the engine's and the output's keys. */
    private static final Pattern CITY_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    /** Scope parts (service ids, route ids) become parts of store keys and output keys. */
    static final int MAX_SCOPE_LENGTH = 200;

    private final EventRules<V> rules;
    private final long earliestMs;
    private final long maxSkewMs;
    private final int inlineLimit;
    private ProcessorContext<String, Checked> context;
    private EngineMetrics metrics;

    public ValidationProcessor(EventRules<V> rules, EngineConfig config) {
        this.rules = rules;
        this.earliestMs = config.earliestEventTime().toEpochMilli();
        this.maxSkewMs = config.maxFutureSkew().toMillis();
        this.inlineLimit = config.inlinePayloadLimit();
    }

    @Override
    public void init(ProcessorContext<String, Checked> context) {
        this.context = context;
        this.metrics = new EngineMetrics(context.metrics());
        rules.init(context);
    }

    @Override
    public void process(Record<String, Received<V>> record) {
        Received<V> received = record.value();
        V event = received == null ? null : received.value();
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        String topic = metadata == null ? rules.input() : metadata.topic();
        int partition = metadata == null ? -1 : metadata.partition();
        long offset = metadata == null ? -1 : metadata.offset();
        Problem problem = event == null
                ? Problem.of(DeadLetters.MISSING_FIELD, "record has no value (a tombstone on an event topic)", "value")
                : problem(event, context.currentSystemTimeMs());
        if (problem != null) {
            reject(record, received, event, problem, topic, partition, offset);
            return;
        }
        String eventId = rules.eventId(event);
        EventOrigin origin = new EventOrigin(eventId, topic, partition, offset, record.key(), received.size());
        List<Contribution> contributions = rules.contributions(event, origin);
        for (Contribution contribution : contributions) {
            String invalid = invalidScope(contribution.scope());
            if (invalid != null) {
                reject(record, received, event, Problem.of(DeadLetters.INVALID_FIELD, invalid, "scope"), topic,
                        partition, offset);
                return;
            }
        }
        // Two cities' systems may use the same event ids: the city is part of what makes an event a duplicate.
        context.forward(record.withValue(new Checked.Accepted(new EventContributions(
                rules.input() + ":" + rules.city(event) + ":" + eventId, rules.eventTimeMs(event), contributions))));
    }

    /** True for a city id the engine can key state and outputs by: lower case, at most 64 characters. */
    public static boolean validCity(String city) {
        return city != null && CITY_ID.matcher(city).matches();
    }

    /**
     * Why a scope cannot be used, or null: its parts become parts of store and output keys, where '|' separates
     * them and RocksDB keys should stay short. Checked before any state is written, so no event is half counted.
     */
    public static String invalidScope(String scope) {
        if (scope.indexOf('|') >= 0) {
            return "scope '" + abbreviate(scope) + "' contains '|', which separates key parts";
        }
        if (scope.length() > MAX_SCOPE_LENGTH) {
            return "scope of " + scope.length() + " characters is longer than " + MAX_SCOPE_LENGTH + ": '"
                    + abbreviate(scope) + "'";
        }
        return null;
    }

    /** Why an id field cannot key state ({@code what} names the record in the message), or null when it can. */
    public static Problem unusableId(String what, String field, String value) {
        if (value == null || value.isBlank()) {
            return Problem.of(DeadLetters.MISSING_FIELD, what + " has no " + field, field);
        }
        String invalid = invalidScope(value);
        return invalid == null ? null : Problem.of(DeadLetters.INVALID_FIELD, field + ": " + invalid, field);
    }

    /** A feed file's own time ahead of when it was received by more than the allowed skew, or null. */
    public static Problem feedAheadOfReceipt(Instant feedTimestamp, Instant ingestedAt, long maxSkewMs) {
        if (feedTimestamp.toEpochMilli() <= ingestedAt.toEpochMilli() + maxSkewMs) {
            return null;
        }
        return Problem.of(DeadLetters.FUTURE_TIMESTAMP, "feed timestamp " + feedTimestamp + " is more than "
                + Duration.ofMillis(maxSkewMs) + " after it was received (" + ingestedAt + ")", "feedTimestamp");
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private void reject(Record<String, Received<V>> record, Received<V> received, V event, Problem problem,
                        String topic, int partition, long offset) {
        metrics.record(EngineMetrics.REJECTED, rules.input() + ":" + problem.reason());
        Map<String, String> detail = DeadLetters.headersAsText(record.headers(), new LinkedHashMap<>(problem.detail()));
        String city = event == null ? null : blankToNull(rules.city(event));
        DeadLetter deadLetter = DeadLetters.rejected(problem.reason(), problem.message(), city, topic, partition,
                offset, record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                received == null ? null : received.raw(), detail, context.currentSystemTimeMs(), inlineLimit);
        context.forward(record.withValue(new Checked.Rejected(deadLetter)));
    }

    /**
     * Why {@code event} cannot be used (the checks common to all events, then its type's), or null, when the engine's
     * wall clock reads {@code nowMs}. Public for processors that check events of their own input the same way before
     * doing more with them.
     */
    public Problem problem(V event, long nowMs) {
        String city = rules.city(event);
        if (city == null || city.isBlank()) {
            return Problem.of(DeadLetters.MISSING_CITY, "event has no city", "city");
        }
        if (!CITY_ID.matcher(city).matches()) {
            return Problem.of(DeadLetters.INVALID_CITY, "city '" + abbreviate(city)
                            + "' is not a lower-case id of at most 64 characters ([a-z0-9_-])",
                    "city");
        }
        String eventId = rules.eventId(event);
        if (eventId == null || eventId.isBlank()) {
            return Problem.of(DeadLetters.MISSING_EVENT_ID, "event has no eventId, so duplicates cannot be told",
                    "eventId");
        }
        long eventTime = rules.eventTimeMs(event);
        if (eventTime < earliestMs) {
            return Problem.of(DeadLetters.TIMESTAMP_TOO_OLD, "event time " + Instant.ofEpochMilli(eventTime)
                    + " is before " + Instant.ofEpochMilli(earliestMs), "eventTime");
        }
        Long ingestedAt = rules.ingestedAtMs(event);
        if (ingestedAt != null && eventTime > ingestedAt + maxSkewMs) {
            return Problem.of(DeadLetters.FUTURE_TIMESTAMP, "event time " + Instant.ofEpochMilli(eventTime)
                    + " is more than " + Duration.ofMillis(maxSkewMs) + " after it was received ("
                    + Instant.ofEpochMilli(ingestedAt) + ")", "eventTime");
        }
        // The producer's own clock is not enough: a producer whose clock runs a year ahead stamps both times. An
        // event from the future would move its city's stream time ahead and make every true event late.
        if (eventTime > nowMs + maxSkewMs) {
            return Problem.of(DeadLetters.FUTURE_TIMESTAMP, "event time " + Instant.ofEpochMilli(eventTime)
                    + " is more than " + Duration.ofMillis(maxSkewMs) + " ahead of the engine's clock ("
                    + Instant.ofEpochMilli(nowMs) + ")", "eventTime");
        }
        return rules.problem(event);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
