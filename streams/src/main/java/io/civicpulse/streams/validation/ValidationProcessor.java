package io.civicpulse.streams.validation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.streams.aggregation.EngineMetrics;
import io.civicpulse.streams.aggregation.EventContributions;
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
    private static final Pattern CITY_ID = Pattern.compile("[a-z0-9][a-z0-9_-]*");

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
                : problem(event);
        if (problem != null) {
            metrics.record(EngineMetrics.REJECTED, rules.input() + ":" + problem.reason());
            Map<String, String> detail = DeadLetters.headersAsText(record.headers(),
                    new LinkedHashMap<>(problem.detail()));
            String city = event == null ? null : blankToNull(rules.city(event));
            DeadLetter deadLetter = DeadLetters.rejected(problem.reason(), problem.message(), city, topic, partition,
                    offset, record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                    received == null ? null : received.raw(), detail, context.currentSystemTimeMs(), inlineLimit);
            context.forward(record.withValue(new Checked.Rejected(deadLetter)));
            return;
        }
        String eventId = rules.eventId(event);
        EventOrigin origin = new EventOrigin(eventId, topic, partition, offset, record.key(), received.size());
        context.forward(record.withValue(new Checked.Accepted(new EventContributions(rules.input() + ":" + eventId,
                rules.eventTimeMs(event), rules.contributions(event, origin)))));
    }

    private Problem problem(V event) {
        String city = rules.city(event);
        if (city == null || city.isBlank()) {
            return Problem.of(DeadLetters.MISSING_CITY, "event has no city", "city");
        }
        if (!CITY_ID.matcher(city).matches()) {
            return Problem.of(DeadLetters.INVALID_CITY, "city '" + city + "' is not a lower-case id ([a-z0-9_-])",
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
        return rules.problem(event);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
