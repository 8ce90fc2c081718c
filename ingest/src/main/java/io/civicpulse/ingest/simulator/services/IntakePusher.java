package io.civicpulse.ingest.simulator.services;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the city's e-service systems: pushes the model's events to the intake as they "happen" on the clock,
 * in batches, the way a real integration would, retrying a batch unchanged on 429 and 503 so that its event ids
 * make the retry idempotent. Counts what the intake accepted, by event type, as ground truth.
 */
public final class IntakePusher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IntakePusher.class);
    static final int BATCH = 500;

    private final ServiceUsageModel model;
    private final Clock clock;
    private final URI eventsUrl;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = JsonMapper.builder().build();
    private final Map<String, LongAdder> accepted = new ConcurrentHashMap<>();
    private volatile Instant pushedUntil;
    private volatile boolean running = true;
    private volatile boolean catalogueAnnounced;
    private Thread thread;

    public IntakePusher(ServiceUsageModel model, Clock clock, URI eventsUrl, String apiKey, Instant from) {
        this.model = model;
        this.clock = clock;
        this.eventsUrl = eventsUrl;
        this.apiKey = apiKey;
        this.pushedUntil = from;
    }

    /** Pushes every event up to the clock's current instant; returns how many the intake accepted. */
    public int pushUntilNow() throws IOException, InterruptedException {
        Instant now = clock.instant();
        if (!now.isAfter(pushedUntil)) {
            return 0;
        }
        List<ServiceUsageModel.Event> events = new java.util.ArrayList<>(
                model.catalogueChanges(catalogueAnnounced ? pushedUntil : null, now));
        events.addAll(model.events(pushedUntil, now));
        int total = 0;
        for (int i = 0; i < events.size(); i += BATCH) {
            total += post(events.subList(i, Math.min(events.size(), i + BATCH)));
        }
        pushedUntil = now;
        catalogueAnnounced = true;
        return total;
    }

    private int post(List<ServiceUsageModel.Event> batch) throws IOException, InterruptedException {
        byte[] body = json.writeValueAsBytes(batch.stream().map(ServiceUsageModel.Event::fields).toList());
        Duration backoff = Duration.ofMillis(200);
        while (running) {
            HttpResponse<String> response;
            try {
                response = http.send(HttpRequest.newBuilder(eventsUrl).timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                log.debug("intake not reachable ({}); retrying the batch", e.toString());
                TimeUnit.MILLISECONDS.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : backoff.multipliedBy(2);
                continue;
            }
            if (response.statusCode() == 202) {
                com.fasterxml.jackson.databind.JsonNode answer = json.readTree(response.body());
                java.util.Set<Integer> rejected = new java.util.HashSet<>();
                answer.get("rejected").forEach(r -> rejected.add(r.get("index").asInt()));
                if (!rejected.isEmpty()) {
                    log.warn("the intake rejected {} simulated events: {}", rejected.size(), answer.get("rejected"));
                }
                for (int i = 0; i < batch.size(); i++) {
                    if (!rejected.contains(i)) {
                        accepted.computeIfAbsent(batch.get(i).type(), t -> new LongAdder()).increment();
                    }
                }
                return answer.get("accepted").asInt();
            }
            if (response.statusCode() == 429 || response.statusCode() == 503) {
                long retryAfter = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
                TimeUnit.SECONDS.sleep(Math.min(retryAfter, 10));
                continue;
            }
            throw new IOException("intake answered " + response.statusCode() + ": " + response.body());
        }
        return 0;
    }

    /** Pushes in the background every {@code period} of wall-clock time until closed. */
    public synchronized IntakePusher start(Duration period) {
        thread = new Thread(() -> {
            while (running) {
                try {
                    pushUntilNow();
                    TimeUnit.MILLISECONDS.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    log.warn("pushing simulated e-service events failed: {}", e.toString());
                    try {
                        TimeUnit.MILLISECONDS.sleep(period.toMillis());
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }, "simulated-e-services-" + model.city());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Events the intake acknowledged, by type (session, payment, open-data-access). */
    public Map<String, Long> acceptedByType() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        accepted.forEach((type, n) -> counts.put(type, n.sum()));
        return counts;
    }

    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
