package io.civicpulse.deploy.testing;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import io.civicpulse.deploy.topics.SchemaProvisioner;
import io.civicpulse.deploy.topics.TopicProvisioner;
import io.civicpulse.schemas.registry.SchemaRegistryClient;
import io.civicpulse.schemas.topics.Topics;

/**
 * The standard path for machines with Docker: the {@code apache/kafka} image and Apicurio's in-memory registry
 * image, provisioned exactly as {@code civicpulse local} provisions the embedded stack.
 */
final class ContainerStack {

    static final String KAFKA_IMAGE = "apache/kafka:4.4.0";
    static final String REGISTRY_IMAGE = "apicurio/apicurio-registry-mem:2.6.13.Final";

    private ContainerStack() {
    }

    @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM exits
    static SharedStack.Stack start() {
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        GenericContainer<?> registry = new GenericContainer<>(DockerImageName.parse(REGISTRY_IMAGE))
                .withExposedPorts(8080)
                .waitingFor(Wait.forHttp("/apis/ccompat/v7/config").forStatusCode(200))
                .withStartupTimeout(Duration.ofMinutes(2));
        kafka.start();
        registry.start();
        String registryUrl = "http://" + registry.getHost() + ":" + registry.getMappedPort(8080) + "/apis/ccompat/v7";

        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of("schema.registry.url", registryUrl));
        client.setCompatibility("BACKWARD");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.getBootstrapServers()))) {
            new TopicProvisioner(admin).provision(Topics.ALL, 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        new SchemaProvisioner(client).provision(Topics.ALL);

        return new SharedStack.Stack() {
            @Override
            public String bootstrapServers() {
                return kafka.getBootstrapServers();
            }

            @Override
            public String registryUrl() {
                return registryUrl;
            }

            @Override
            public String description() {
                return "Testcontainers " + KAFKA_IMAGE + " + " + REGISTRY_IMAGE;
            }
        };
    }
}
