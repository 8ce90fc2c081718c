package io.civicpulse.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The sink against a Kafka that is not there: how long a batch holds the request's thread. */
class KafkaEventSinkTest {

    @Test
    void withKafkaDownTheBatchStopsAtTheFirstRecordKafkaCouldNotTake() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Clock clock = Clock.fixed(IntakeEventParserTest.NOW, ZoneOffset.UTC);
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 10; i++) {
            body.append(i == 0 ? "" : ",").append(IntakeEventParserTest.session("e" + i, "started", "web"));
        }
        List<IntakeEvent.Accepted> events = new ArrayList<>();
        for (IntakeEvent event : new IntakeEventParser(clock, Duration.ofMinutes(5))
                .parse(body.append("]").toString().getBytes(StandardCharsets.UTF_8), false)) {
            events.add((IntakeEvent.Accepted) event);
        }
        Map<String, Object> config = Map.of("bootstrap.servers", "127.0.0.1:" + closedPort,
                "schema.registry.url", "mock://kafka-event-sink-test", "max.block.ms", 1000);

        try (KafkaEventSink sink = new KafkaEventSink(config, clock, "test")) {
            long t0 = System.nanoTime();
            CompletableFuture<Void> ack = sink.publish(events, List.of(), "portal",
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            long handedOverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertThat(ack).isCompletedExceptionally();
            // Generous: one max.block.ms (1 s); before, each of the 10 records waited its own second.
            assertThat(handedOverMs).isLessThan(6_000);
        }
    }
}
