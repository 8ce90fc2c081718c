package io.civicpulse.streams.reference;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventContributions;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.Received;
import io.civicpulse.streams.validation.ValidationProcessor;

/**
 * Checks the compacted population topic and passes each area's population on to the window task of its city (as
 * a {@link Contribution#population} record), where the per-capita indicators divide by it. A record that cannot be a
 * population (no city, an area that is neither {@code city} nor {@code district:<id>}, a population that is not
 * positive) is dead-lettered, never used: a per-capita value is better missing than divided by a wrong number. A
 * tombstone withdraws the area's population, and its per-capita values stop.
 *
 * <p>Why not a GlobalKTable: a global store's processor cannot forward, so a bad population record could not reach
 * the dead-letter topic; and the population travelling through the city's own repartition partition is in the task
 * that needs it, changelogged with the rest of the city's state.
 */
public final class PopulationProcessor implements Processor<String, Received<AreaPopulation>, String, Checked> {

    private static final String DISTRICT_PREFIX = ScopeKind.DISTRICT.scope("");

    private final int inlineLimit;
    private ProcessorContext<String, Checked> context;

    public PopulationProcessor(EngineConfig config) {
        this.inlineLimit = config.inlinePayloadLimit();
    }

    @Override
    public void init(ProcessorContext<String, Checked> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Received<AreaPopulation>> record) {
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        String topic = metadata == null ? "population" : metadata.topic();
        int partition = metadata == null ? -1 : metadata.partition();
        long offset = metadata == null ? -1 : metadata.offset();
        AreaPopulation entry = record.value() == null ? null : record.value().value();
        String city;
        String area;
        long population;
        if (entry == null) {
            String key = record.key();
            int slash = key == null ? -1 : key.indexOf('/');
            if (slash <= 0) {
                reject(record, DeadLetters.MISSING_CITY, "population tombstone without a city/area key", null, topic,
                        partition, offset);
                return;
            }
            city = key.substring(0, slash);
            area = key.substring(slash + 1);
            population = 0;
        } else {
            city = entry.getCity();
            area = entry.getArea();
            population = entry.getPopulation();
            if (population <= 0) {
                reject(record, DeadLetters.INVALID_FIELD, "population " + population + " of " + city + "/" + area
                        + " is not positive", city, topic, partition, offset);
                return;
            }
        }
        if (city == null || city.isBlank()) {
            reject(record, DeadLetters.MISSING_CITY, "population has no city", null, topic, partition, offset);
            return;
        }
        if (!ValidationProcessor.validCity(city)) {
            reject(record, DeadLetters.INVALID_CITY, "city '" + city + "' is not a lower-case id of at most 64"
                    + " characters ([a-z0-9_-])", null, topic, partition, offset);
            return;
        }
        String invalidArea = invalidArea(area);
        if (invalidArea != null) {
            reject(record, DeadLetters.INVALID_FIELD, invalidArea, city, topic, partition, offset);
            return;
        }
        EventOrigin origin = new EventOrigin("population:" + city + "/" + area + "@" + offset, topic, partition,
                offset, record.key(), record.value() == null ? 0 : record.value().size());
        context.forward(record.withValue(new Checked.Accepted(new EventContributions(
                "population:" + topic + "/" + partition + "@" + offset, record.timestamp(),
                List.of(Contribution.population(city, area, population, record.timestamp(), origin))))));
    }

    /** Why {@code area} cannot name an indicator scope, or null: it must be the city or one of its districts. */
    static String invalidArea(String area) {
        if (area == null || !(area.equals(ScopeKind.CITY_SCOPE)
                || area.startsWith(DISTRICT_PREFIX) && area.length() > DISTRICT_PREFIX.length())) {
            return "population area '" + area + "' is neither city nor district:<id>";
        }
        return ValidationProcessor.invalidScope(area);
    }

    private void reject(Record<String, Received<AreaPopulation>> record, String reason, String message, String city,
                        String topic, int partition, long offset) {
        context.forward(record.withValue(new Checked.Rejected(DeadLetters.rejected(reason, message, city, topic,
                partition, offset, record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                record.value() == null ? null : record.value().raw(), Map.of(), context.currentSystemTimeMs(),
                inlineLimit))));
    }
}
