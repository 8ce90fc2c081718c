package io.civicpulse.ingest.open311;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.ingest.publish.DeadLetters;
import io.civicpulse.ingest.publish.EventPublisher;
import io.civicpulse.ingest.publish.IngestMetrics;
import io.civicpulse.ingest.publish.StateChangeLog;

/**
 * A running Open311 poller for one city with everything it needs (producer, metrics, scheduler), as the CLI
 * starts it. Closing it stops polling and flushes what was sent.
 */
public final class Open311Ingest implements AutoCloseable {

    private final ScheduledExecutorService scheduler;
    private final Open311Poller poller;
    private final EventPublisher publisher;
    private final IngestMetrics metrics;

    private Open311Ingest(ScheduledExecutorService scheduler, Open311Poller poller, EventPublisher publisher,
                          IngestMetrics metrics) {
        this.scheduler = scheduler;
        this.poller = poller;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    public static Open311Ingest start(CityConfig city, Open311Poller.Settings settings, Map<String, Object> kafkaConfig,
                                      Clock clock) {
        IngestMetrics metrics = new IngestMetrics(city.id(), clock);
        EventPublisher publisher = EventPublisher.create(kafkaConfig, metrics);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "open311-" + city.id());
            thread.setDaemon(true);
            return thread;
        });
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        Open311Poller poller = new Open311Poller(city, settings, http, publisher,
                new DeadLetters(publisher, metrics, clock), metrics, new StateChangeLog(), clock);
        poller.start(scheduler);
        return new Open311Ingest(scheduler, poller, publisher, metrics);
    }

    public IngestMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        poller.close();
        scheduler.shutdownNow();
        publisher.close();
        metrics.close();
    }
}
