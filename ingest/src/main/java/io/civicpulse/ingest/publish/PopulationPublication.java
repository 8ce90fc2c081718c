package io.civicpulse.ingest.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.poll.PollLoop;
import io.civicpulse.schemas.reference.AreaPopulation;
import io.civicpulse.schemas.topics.Topics;

/**
 * Puts the city file's population figures on the compacted population topic, once per start, retried like a feed
 * until the broker acknowledged every area: the engine's per-100k indicators publish nothing for an area until its
 * figure is there. Publishing the same figures again after a restart is harmless (same key, same value), and is
 * what makes a corrected figure in the file reach the engine.
 */
public final class PopulationPublication implements PollLoop.Poll {

    private static final Logger log = LoggerFactory.getLogger(PopulationPublication.class);
    private static final long ACK_TIMEOUT_SECONDS = 30;

    private final CityConfig city;
    private final Publisher publisher;
    private volatile boolean acknowledged;

    public PopulationPublication(CityConfig city, Publisher publisher) {
        this.city = city;
        this.publisher = publisher;
    }

    /** True once every area's figure was acknowledged by the broker. */
    public boolean acknowledged() {
        return acknowledged;
    }

    @Override
    public boolean run() throws InterruptedException {
        if (acknowledged || city.population().isEmpty()) {
            return true;
        }
        Map<String, AreaPopulation> records = city.population().records(city.id());
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        try {
            records.forEach((key, value) -> sent.add(publisher.send(Topics.POPULATION, key, value)));
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn("{}: population figures not published yet, retrying: {}", city.id(),
                    e instanceof ExecutionException ? e.getCause() : e.toString());
            return false;
        }
        acknowledged = true;
        log.info("{}: population of {} published ({} areas, as of {})", city.id(), records.keySet(), records.size(),
                city.population().asOf());
        return true;
    }
}
