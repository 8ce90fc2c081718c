package io.civicpulse.deploy.serde;

import static io.civicpulse.deploy.serde.SerdeFixtures.deadLetter;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshClient;
import static io.civicpulse.deploy.serde.SerdeFixtures.freshTopic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.civicpulse.deploy.testing.SharedStack;
import io.civicpulse.schemas.deadletter.DeadLetter;
import io.civicpulse.schemas.serde.AvroDeserializer;
import io.civicpulse.schemas.serde.AvroSerializer;
import io.civicpulse.schemas.serde.SpecificAvroSerde;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** When no registry answers: errors name the URL, and what a client already resolved keeps working. */
class RegistryUnreachableIT {

    /** One quick retry: the point is the error, not the backoff. */
    static Map<String, Object> config(String url) {
        return Map.of("schema.registry.url", url, "max.retries", 1, "retries.wait.ms", 10);
    }

    static String closedPortUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/apis/ccompat/v7";
        }
    }

    @Test
    void aSerializerWhoseRegistryIsOnAClosedPortFailsNamingTheUrl() throws IOException {
        String url = closedPortUrl();
        try (AvroSerializer<DeadLetter> serializer = new AvroSerializer<>()) {
            serializer.configure(config(url), false);

            assertThatThrownBy(() -> serializer.serialize("dead-letters", deadLetter("unreachable")))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("unreachable")
                    .hasMessageContaining(url);
        }
    }

    @Test
    void aDeserializerWhoseRegistryIsOnAClosedPortFailsNamingTheUrl() throws IOException {
        String url = closedPortUrl();
        try (AvroDeserializer<DeadLetter> deserializer = new AvroDeserializer<>(DeadLetter.class)) {
            deserializer.configure(config(url), false);

            assertThatThrownBy(() -> deserializer.deserialize("dead-letters", new byte[] {0, 0, 0, 0, 1, 2}))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("schema id 1")
                    .hasMessageContaining(url);
        }
    }

    @Test
    void schemasResolvedBeforeTheRegistryWentAwayKeepWorking() throws IOException {
        String topic = freshTopic("cut");
        try (RegistryLink link = RegistryLink.to(SharedStack.get().registryUrl());
             SpecificAvroSerde<DeadLetter> serde = new SpecificAvroSerde<>(DeadLetter.class)) {
            serde.configure(config(link.url()), false);
            // Warm the caches against the real registry: register (id of the schema) and read back (schema of
            // the id).
            byte[] before = serde.serializer().serialize(topic, deadLetter("before"));
            assertThat(serde.deserializer().deserialize(topic, before)).isEqualTo(deadLetter("before"));

            link.cut();

            byte[] after = serde.serializer().serialize(topic, deadLetter("after"));
            assertThat(serde.deserializer().deserialize(topic, after)).isEqualTo(deadLetter("after"));
            assertThat(serde.deserializer().deserialize(topic, before)).isEqualTo(deadLetter("before"));
        }
    }

    @Test
    void aSchemaNotYetResolvedFailsOnceTheRegistryWentAwayNamingTheUrl() throws IOException {
        String topic = freshTopic("cut");
        // An id the real registry has, but the client below has never seen.
        // Unique content: Apicurio gives equal content the same id, which some earlier client may have cached.
        int unseenId = freshClient().register(freshTopic("unseen") + "-value", SchemaBuilder.record("Unseen")
                .namespace("test.civicpulse.n" + java.util.UUID.randomUUID().toString().replace("-", ""))
                .fields().requiredString("id").endRecord());
        try (RegistryLink link = RegistryLink.to(SharedStack.get().registryUrl());
             // A client of its own: a shared one for an earlier link on the same (reused) port may know the id.
             SpecificAvroSerde<DeadLetter> serde = new SpecificAvroSerde<>(new io.civicpulse.schemas.registry
                     .SchemaRegistryClient(io.civicpulse.schemas.registry.RegistryClientConfig.fromConfigs(
                             config(link.url()))), DeadLetter.class)) {
            serde.serializer().serialize(topic, deadLetter("before"));

            link.cut();

            byte[] unseen = ByteBuffer.allocate(7).put((byte) 0).putInt(unseenId).put(new byte[] {2, 'x'}).array();
            assertThatThrownBy(() -> serde.deserializer().deserialize(topic, unseen))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("cannot fetch writer schema id " + unseenId)
                    .hasMessageContaining("unreachable")
                    .hasMessageContaining(link.url());
        }
    }
}
