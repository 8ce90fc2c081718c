package io.civicpulse.serving.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.schemas.indicators.IndicatorValue;
import io.civicpulse.schemas.indicators.MaturityScore;
import io.civicpulse.schemas.topics.Topics;
import io.javalin.http.sse.SseClient;

/**
 * The live stream of {@code GET /api/v1/stream}: one consumer per instance reads the committed values of every city
 * from the output topics (not from this instance's tasks, so any instance streams every city), and each client gets
 * them from a queue of its own, written by a thread of its own. A client that does not keep up loses its oldest
 * events and is closed once its queue overflows, so it cannot hold the consumer or other clients back; the number
 * of clients is capped.
 */
final class LiveStream implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveStream.class);
    private static final int CLIENT_QUEUE = 2_000;
    private static final long KEEP_ALIVE_MS = 15_000;

    /** One event for the clients: its SSE name, the city it belongs to, its JSON. */
    private record Event(String name, String city, String json) {
    }

    private final class Client {
        final SseClient sse;
        final String city;
        final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(CLIENT_QUEUE);
        volatile boolean overflowed;

        Client(SseClient sse, String city) {
            this.sse = sse;
            this.city = city;
        }

        void offer(Event event) {
            if ((city == null || city.equals(event.city())) && !queue.offer(event)) {
                overflowed = true;
            }
        }

        void run() {
            try {
                while (!sse.terminated() && !overflowed && running) {
                    Event event = queue.poll(KEEP_ALIVE_MS, TimeUnit.MILLISECONDS);
                    if (event == null) {
                        sse.sendComment("keep-alive");
                    } else {
                        sse.sendEvent(event.name(), event.json());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.debug("live stream client gone: {}", e.getMessage());
            } finally {
                clients.remove(this);
                sse.close();
            }
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<IndicatorValue> values;
    private final Deserializer<MaturityScore> scores;
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final ThreadPoolExecutor senders;
    private final Thread poller;
    private final AtomicLong events = new AtomicLong();
    private final Consumer<IndicatorValue> onValue;
    private final boolean pushing;
    private volatile boolean running = true;

    /**
     * Also hands every value read to {@code onValue} (the FIWARE push), on the consumer's thread, when
     * {@code pushing}; null and false when there is no push.
     */
    LiveStream(Map<String, Object> clientSettings, int maxClients, Consumer<IndicatorValue> onValue,
               boolean pushing) {
        this.onValue = onValue;
        this.pushing = pushing;
        Map<String, Object> settings = new HashMap<>();
        Set<String> known = ConsumerConfig.configNames();
        clientSettings.forEach((key, value) -> {
            if (known.contains(key)) {
                settings.put(key, value);
            }
        });
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Only what the engine committed: an aborted transaction's values were never true.
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "civicpulse-live-stream");
        this.consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer());
        this.values = Topics.INDICATORS.valueSerde(clientSettings).deserializer();
        this.scores = Topics.MATURITY.valueSerde(clientSettings).deserializer();
        this.senders = (ThreadPoolExecutor) Executors.newFixedThreadPool(maxClients, runnable -> {
            Thread thread = new Thread(runnable, "live-stream-client");
            thread.setDaemon(true);
            return thread;
        });
        this.poller = new Thread(this::poll, "live-stream-consumer");
        this.poller.setDaemon(true);
        this.poller.start();
    }

    boolean hasRoom() {
        return clients.size() < senders.getMaximumPoolSize();
    }

    /** Takes a client; false when the stream is at its client limit. */
    boolean add(SseClient sse, String city) {
        if (!hasRoom()) {
            return false;
        }
        Client client = new Client(sse, city);
        clients.add(client);
        sse.keepAlive();
        sse.onClose(() -> clients.remove(client));
        try {
            senders.execute(client::run);
        } catch (RejectedExecutionException e) {
            clients.remove(client);
            return false;
        }
        return true;
    }

    int clients() {
        return clients.size();
    }

    long eventsRead() {
        return events.get();
    }

    private void poll() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.INDICATORS.name(), Topics.MATURITY.name())) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (clients.isEmpty() && !pushing) {
                        // Nobody to tell: decoding every value of a busy engine would only take CPU from it.
                        continue;
                    }
                    Event event = decode(record);
                    if (event != null) {
                        events.incrementAndGet();
                        clients.forEach(client -> client.offer(event));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the live stream stopped reading: {}", e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private Event decode(ConsumerRecord<String, byte[]> record) {
        try {
            if (record.topic().equals(Topics.INDICATORS.name())) {
                IndicatorValue value = values.deserialize(record.topic(), record.value());
                onValue.accept(value);
                return new Event("indicator", value.getCity(), JsonViews.value(value).toString());
            }
            MaturityScore score = scores.deserialize(record.topic(), record.value());
            return new Event("maturity", score.getCity(), JsonViews.maturity(score).toString());
        } catch (RuntimeException e) {
            // The engine wrote it; a record this reader cannot decode is skipped, not a reason to stop streaming.
            LOG.warn("live stream skipped an unreadable record of {}: {}", record.topic(), e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        senders.shutdownNow();
        try {
            poller.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
