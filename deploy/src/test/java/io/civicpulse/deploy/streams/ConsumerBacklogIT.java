package io.civicpulse.deploy.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.streams.ConsumerBacklog;

/**
 * {@link ConsumerBacklog} against a real consumer on the real broker: the metric it reads is named and tagged as it
 * expects (a dotted topic name included), says behind while records wait beyond what poll handed out, and not once
 * they are all read.
 */
class ConsumerBacklogIT {

    @Test
    void aPartitionIsBehindUntilItsConsumerHasPolledItsLastRecord() throws Exception {
        String topic = "civicpulse.backlog-test." + UUID.randomUUID() + ".v1";
        Map<String, Object> config = SharedStack.clientConfig();
        try (Admin admin = Admin.create(config)) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
            }
            producer.flush();
        }
        Map<String, Object> consumerConfig = SharedStack.clientConfig();
        consumerConfig.put("max.poll.records", 10);
        consumerConfig.put("isolation.level", "read_committed");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
            consumer.seekToBeginning(consumer.assignment());
            AtomicInteger read = new AtomicInteger();
            await("the first records").atMost(Duration.ofSeconds(30))
                    .until(() -> read.addAndGet(consumer.poll(Duration.ofMillis(200)).count()) > 0);
            assertThat(read.get()).as("one poll's worth").isEqualTo(10);

            ConsumerBacklog backlog = new ConsumerBacklog();
            backlog.readFrom(consumer::metrics);
            assertThat(backlog.behind(topic, 0)).as("40 of 50 records not handed out yet").isTrue();
            assertThat(backlog.behind(topic, 1)).as("an empty partition").isFalse();

            await("the other 40").atMost(Duration.ofSeconds(30))
                    .until(() -> read.addAndGet(consumer.poll(Duration.ofMillis(200)).count()) == 50);
            consumer.poll(Duration.ofMillis(200));
            // A new reader: the one above keeps its last answer for up to a second.
            ConsumerBacklog caughtUp = new ConsumerBacklog();
            caughtUp.readFrom(consumer::metrics);
            assertThat(caughtUp.behind(topic, 0)).as("every record read").isFalse();
        }
    }
}
