package io.civicpulse.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedClientsTest {

    @Test
    void equalRegistrySettingsShareOneClientWhateverElseTheConfigHolds() {
        SchemaRegistryClient producer = SchemaRegistryClient.shared(Map.of(
                "schema.registry.url", "http://registry.test:8081", "bootstrap.servers", "a:9092",
                "auto.register.schemas", "true"));
        SchemaRegistryClient consumer = SchemaRegistryClient.shared(Map.of(
                "schema.registry.url", "http://registry.test:8081", "specific.avro.reader", "true"));

        assertThat(consumer).isSameAs(producer);
    }

    @Test
    void aPrefixedKeyCountsAsItsUnprefixedForm() {
        SchemaRegistryClient plain = SchemaRegistryClient.shared(Map.of(
                "schema.registry.url", "http://registry.test:8082", "basic.auth.user.info", "u:p"));
        SchemaRegistryClient prefixed = SchemaRegistryClient.shared(Map.of(
                "schema.registry.url", "http://registry.test:8082", "schema.registry.basic.auth.user.info", "u:p"));

        assertThat(prefixed).isSameAs(plain);
    }

    @Test
    void differentRegistrySettingsGetDifferentClients() {
        SchemaRegistryClient one = SchemaRegistryClient.shared(Map.of("schema.registry.url", "http://registry.test:8083"));
        SchemaRegistryClient otherUrl = SchemaRegistryClient.shared(
                Map.of("schema.registry.url", "http://registry.test:8084"));
        SchemaRegistryClient otherCredentials = SchemaRegistryClient.shared(Map.of(
                "schema.registry.url", "http://registry.test:8083", "basic.auth.user.info", "u:p"));

        assertThat(otherUrl).isNotSameAs(one);
        assertThat(otherCredentials).isNotSameAs(one).isNotSameAs(otherUrl);
    }
}
