package io.civicpulse.streams.services;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

import io.civicpulse.schemas.reference.CityService;
import io.civicpulse.streams.aggregation.Contribution;
import io.civicpulse.streams.aggregation.EventContributions;
import io.civicpulse.streams.aggregation.EventOrigin;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.ScopeKind;
import io.civicpulse.streams.config.EngineConfig;
import io.civicpulse.streams.validation.Checked;
import io.civicpulse.streams.validation.DeadLetters;
import io.civicpulse.streams.validation.ValidationProcessor;
import io.civicpulse.streams.validation.Received;

/**
 * Turns the compacted service catalogue into changes of gov.online-service-availability: it remembers how each
 * entry was last counted ({@value #STORE}: active, and online) and emits the difference when an entry is added,
 * changed, withdrawn or deleted (a tombstone), so the level at any time is exactly the count over the catalogue as
 * it stood then. A repeated identical entry changes nothing. A change takes effect when it happened by its publisher's
 * word ({@code updatedAt}: a city's system pushing a change made an hour ago, or catching up after an outage, changed
 * the catalogue an hour ago), but never after the entry was published (the record's timestamp) or the engine's wall
 * clock, and never more than {@link #MAX_BACKDATING} before its publication. A tombstone takes effect when published.
 */
public final class CatalogueChangeProcessor implements Processor<String, Received<CityService>, String, Checked> {

    public static final String STORE = "city-service-catalogue";

    /**
     * How far before its publication a change may take effect. Bounds a new city's series: an entry stamped with a
     * service's launch years ago must not start its city's windows years back (every window since would get a
     * final). A city whose clock is live has no open pane that far back anyway, so the bound changes no value there.
     */
    static final Duration MAX_BACKDATING = Duration.ofDays(1);

    private static final String AVAILABILITY = IndicatorCatalogue.GOV_ONLINE_SERVICE_AVAILABILITY.id();
    private static final int ACTIVE = 1;
    private static final int ONLINE = 2;

    private final int inlineLimit;
    private ProcessorContext<String, Checked> context;
    private KeyValueStore<String, Integer> counted;

    public CatalogueChangeProcessor(EngineConfig config) {
        this.inlineLimit = config.inlinePayloadLimit();
    }

    @Override
    public void init(ProcessorContext<String, Checked> context) {
        this.context = context;
        this.counted = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, Received<CityService>> record) {
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        String topic = metadata == null ? "city-services" : metadata.topic();
        int partition = metadata == null ? -1 : metadata.partition();
        long offset = metadata == null ? -1 : metadata.offset();
        String key = record.key();
        CityService entry = record.value() == null ? null : record.value().value();
        String city;
        int now;
        if (entry == null) {
            // A tombstone: the entry left the catalogue. Its city is the key's first part.
            if (key == null || key.indexOf('/') <= 0) {
                reject(record, DeadLetters.MISSING_CITY, "catalogue tombstone without a city/serviceId key", null,
                        topic, partition, offset);
                return;
            }
            city = key.substring(0, key.indexOf('/'));
            if (!ValidationProcessor.validCity(city)) {
                reject(record, DeadLetters.INVALID_CITY, "catalogue tombstone key '" + key + "' does not start with"
                        + " a lower-case city id", null, topic, partition, offset);
                return;
            }
            now = 0;
        } else {
            city = entry.getCity();
            if (city == null || city.isBlank()) {
                reject(record, DeadLetters.MISSING_CITY, "catalogue entry has no city", null, topic, partition,
                        offset);
                return;
            }
            if (!ValidationProcessor.validCity(city)) {
                reject(record, DeadLetters.INVALID_CITY, "city '" + city + "' is not a lower-case id of at most 64"
                        + " characters ([a-z0-9_-])", null, topic, partition, offset);
                return;
            }
            if (entry.getServiceId() == null || entry.getServiceId().isBlank()) {
                reject(record, DeadLetters.MISSING_FIELD, "catalogue entry has no serviceId", city, topic, partition,
                        offset);
                return;
            }
            String invalid = ValidationProcessor.invalidScope(entry.getServiceId());
            if (invalid != null) {
                reject(record, DeadLetters.INVALID_FIELD, "serviceId: " + invalid, city, topic, partition, offset);
                return;
            }
            key = city + "/" + entry.getServiceId();
            now = (entry.getActive() ? ACTIVE : 0) | (entry.getActive() && entry.getOnlineAvailable() ? ONLINE : 0);
        }
        Integer before = counted.get(key);
        int was = before == null ? 0 : before;
        if (now == 0 && entry == null) {
            counted.delete(key);
        } else {
            counted.put(key, now);
        }
        long denominator = bit(now, ACTIVE) - bit(was, ACTIVE);
        long numerator = bit(now, ONLINE) - bit(was, ONLINE);
        List<Contribution> changes = new ArrayList<>(1);
        // A catalogue change is valid whatever its publisher's clock says; one stamped in the future applies from now
        // rather than moving the city's clock ahead.
        long publishedAt = Math.min(record.timestamp(), context.currentSystemTimeMs());
        // At the publication time instead, a change pushed after it happened (a retried batch, a backfill) would be
        // missing from every window in between, and a city whose first record is its catalogue would get its clock
        // at the publication time, making all of a backfill's events late.
        long at = entry == null ? publishedAt : Math.max(Math.min(entry.getUpdatedAt().toEpochMilli(), publishedAt),
                publishedAt - MAX_BACKDATING.toMillis());
        if (denominator != 0 || numerator != 0) {
            EventOrigin origin = new EventOrigin("catalogue:" + key + "@" + offset, topic, partition, offset,
                    record.key(), record.value() == null ? 0 : record.value().size());
            // sampleCount of the level is the number of active services: the entries behind the value.
            changes.add(new Contribution(city, AVAILABILITY, ScopeKind.CITY_SCOPE, at, numerator,
                    denominator, denominator, Double.NaN, origin));
        }
        context.forward(record.withValue(new Checked.Accepted(new EventContributions(
                "catalogue:" + topic + "/" + partition + "@" + offset, at, changes))));
    }

    private static long bit(int flags, int bit) {
        return (flags & bit) != 0 ? 1 : 0;
    }

    private void reject(Record<String, Received<CityService>> record, String reason, String message, String city,
                        String topic, int partition, long offset) {
        context.forward(record.withValue(new Checked.Rejected(DeadLetters.rejected(reason, message, city, topic,
                partition, offset, record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                record.value() == null ? null : record.value().raw(), Map.of(), context.currentSystemTimeMs(),
                inlineLimit))));
    }
}
