package io.civicpulse.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MockRegistriesTest {

    static final Schema V1 = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
            .requiredString("sensor")
            .requiredDouble("value")
            .endRecord();
    /** V1 plus a field with a default: BACKWARD compatible. */
    static final Schema V2_WITH_DEFAULT = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
            .requiredString("sensor")
            .requiredDouble("value")
            .name("unit").type().stringType().stringDefault("")
            .endRecord();
    /** V1 plus a field without a default: FORWARD compatible, not BACKWARD. */
    static final Schema V2_WITHOUT_DEFAULT = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
            .requiredString("sensor")
            .requiredDouble("value")
            .requiredString("unit")
            .endRecord();
    static final Schema OTHER = SchemaBuilder.record("Other").namespace("test.civicpulse").fields()
            .requiredLong("at")
            .endRecord();

    final List<String> scopes = new ArrayList<>();

    @AfterEach
    void dropScopes() {
        scopes.forEach(MockRegistries::drop);
    }

    /** A client of a fresh scope, dropped after the test. */
    SchemaRegistryClient client() {
        String scope = "mock-registries-test-" + UUID.randomUUID();
        scopes.add(scope);
        return client(scope);
    }

    static SchemaRegistryClient client(String scope) {
        return SchemaRegistryClient.fromConfigs(Map.of(RegistryClientConfig.URL, "mock://" + scope));
    }

    @Test
    void clientsConfiguredSeparatelyWithTheSameScopeSeeTheSameIds() {
        SchemaRegistryClient producer = client();
        SchemaRegistryClient consumer = client(scopes.get(0));

        int id = producer.register("readings-value", V1);

        assertThat(consumer.schemaById(id)).isEqualTo(V1);
        assertThat(consumer.lookupId("readings-value", V1)).isEqualTo(id);
    }

    @Test
    void scopesAreIsolatedFromEachOther() {
        SchemaRegistryClient a = client();
        SchemaRegistryClient b = client();

        int id = a.register("readings-value", V1);

        assertThat(b.subjects()).isEmpty();
        assertThatThrownBy(() -> b.schemaById(id))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void theSameSchemaUnderTwoSubjectsHasOneId() {
        SchemaRegistryClient client = client();

        int first = client.register("readings-value", V1);
        int second = client.register("archive-value", V1);

        assertThat(second).isEqualTo(first);
        assertThat(client.latest("archive-value").version()).isEqualTo(1);
    }

    @Test
    void distinctSchemasGetDistinctIds() {
        SchemaRegistryClient client = client();

        assertThat(client.register("readings-value", V1)).isNotEqualTo(client.register("others-value", OTHER));
    }

    @Test
    void schemasThatDifferOnlyInADocAreTwoSchemasAsOnARealRegistry() {
        Schema documented = new Schema.Parser().parse(V1.toString().replaceFirst("\\{", "{\"doc\":\"A reading.\","));
        // Two clients: one client's cache compares schemas without docs, and would answer the second itself.
        int plain = client().register("readings-value", V1);
        SchemaRegistryClient second = client(scopes.get(0));

        int withDoc = second.register("readings-value", documented);

        assertThat(withDoc).isNotEqualTo(plain);
        assertThat(second.latest("readings-value").version()).isEqualTo(2);
    }

    @Test
    void versionsAreNumberedPerSubjectAndLatestIsTheLastRegistered() {
        SchemaRegistryClient client = client();
        client.register("readings-value", V1);
        int v2 = client.register("readings-value", V2_WITH_DEFAULT);
        client.register("others-value", OTHER);

        RegisteredSchema latest = client.latest("readings-value");

        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.id()).isEqualTo(v2);
        assertThat(latest.schema()).isEqualTo(V2_WITH_DEFAULT);
        assertThat(client.latest("others-value").version()).isEqualTo(1);
    }

    @Test
    void registeringAnAlreadyRegisteredSchemaReturnsItsIdWithoutANewVersion() {
        String scope = "mock-registries-test-" + UUID.randomUUID();
        scopes.add(scope);
        int id = client(scope).register("readings-value", V1);
        client(scope).register("readings-value", V2_WITH_DEFAULT);

        // A fresh client has nothing cached, so this reaches the registry.
        assertThat(client(scope).register("readings-value", V1)).isEqualTo(id);
        assertThat(client(scope).latest("readings-value").version()).isEqualTo(2);
    }

    @Test
    void lookupIdOfAnUnknownSubjectIsA404SubjectNotFound() {
        SchemaRegistryClient client = client();

        assertThatThrownBy(() -> client.lookupId("readings-value", V1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40401);
                    assertThat(e.url()).startsWith("mock://" + scopes.get(0));
                })
                .hasMessageContaining("readings-value");
    }

    @Test
    void lookupIdOfASchemaNotUnderTheSubjectIsA404SchemaNotFoundAndRegistersNothing() {
        SchemaRegistryClient client = client();
        client.register("readings-value", V1);
        client.register("others-value", OTHER);

        assertThatThrownBy(() -> client.lookupId("readings-value", OTHER))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                });
        assertThat(client.latest("readings-value").schema()).isEqualTo(V1);
    }

    @Test
    void anUnknownIdIsA404NamingTheMockUrl() {
        SchemaRegistryClient client = client();

        assertThatThrownBy(() -> client.schemaById(99))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                    assertThat(e.url()).isEqualTo("mock://" + scopes.get(0) + "/schemas/ids/99");
                });
    }

    @Test
    void latestOfAnUnknownSubjectIsA404() {
        SchemaRegistryClient client = client();

        assertThatThrownBy(() -> client.latest("nothing-value"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401));
    }

    @Test
    void theDefaultGlobalLevelIsBackwardAsOnConfluent() {
        assertThat(client().compatibility()).isEqualTo("BACKWARD");
    }

    @Test
    void backwardAcceptsANewFieldWithADefault() {
        SchemaRegistryClient client = client();
        int v1 = client.register("readings-value", V1);

        assertThat(client.register("readings-value", V2_WITH_DEFAULT)).isNotEqualTo(v1);
    }

    @Test
    void backwardRefusesANewFieldWithoutADefaultWith409NamingSubjectAndReason() {
        SchemaRegistryClient client = client();
        client.register("readings-value", V1);

        assertThatThrownBy(() -> client.register("readings-value", V2_WITHOUT_DEFAULT))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class, e -> {
                    assertThat(e.subject()).isEqualTo("readings-value");
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                })
                .hasMessageContaining("readings-value")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("unit")
                .hasMessageContaining("BACKWARD");
        assertThat(client.latest("readings-value").version()).isEqualTo(1);
    }

    @Test
    void forwardAcceptsANewFieldWithoutADefault() {
        SchemaRegistryClient client = client();
        client.setCompatibility("readings-value", "FORWARD");
        client.register("readings-value", V1);

        client.register("readings-value", V2_WITHOUT_DEFAULT);

        assertThat(client.latest("readings-value").schema()).isEqualTo(V2_WITHOUT_DEFAULT);
    }

    @Test
    void forwardRefusesRemovingAFieldWithoutADefault() {
        SchemaRegistryClient client = client();
        client.setCompatibility("readings-value", "FORWARD");
        client.register("readings-value", V2_WITHOUT_DEFAULT);

        assertThatThrownBy(() -> client.register("readings-value", V1))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("cannot read data written with the new schema");
    }

    @Test
    void fullRefusesWhatOnlyForwardAccepts() {
        SchemaRegistryClient client = client();
        client.setCompatibility("readings-value", "FULL");
        client.register("readings-value", V1);

        assertThatThrownBy(() -> client.register("readings-value", V2_WITHOUT_DEFAULT))
                .isInstanceOf(IncompatibleSchemaException.class);
        assertThat(client.register("readings-value", V2_WITH_DEFAULT)).isPositive();
    }

    /** v3 reads v2 (a is missing there, and has a default) but not v1 (a was a string there). */
    static final Schema TRANSITIVE_V1 = SchemaBuilder.record("T").fields().requiredString("a").endRecord();
    static final Schema TRANSITIVE_V2 = SchemaBuilder.record("T").fields().endRecord();
    static final Schema TRANSITIVE_V3 = SchemaBuilder.record("T").fields()
            .name("a").type().intType().intDefault(0).endRecord();

    @Test
    void backwardChecksOnlyTheLatestVersion() {
        SchemaRegistryClient client = client();
        client.register("t-value", TRANSITIVE_V1);
        client.register("t-value", TRANSITIVE_V2);

        client.register("t-value", TRANSITIVE_V3);

        assertThat(client.latest("t-value").version()).isEqualTo(3);
    }

    @Test
    void backwardTransitiveChecksEveryVersion() {
        SchemaRegistryClient client = client();
        client.setCompatibility("BACKWARD_TRANSITIVE");
        client.register("t-value", TRANSITIVE_V1);
        client.register("t-value", TRANSITIVE_V2);

        assertThatThrownBy(() -> client.register("t-value", TRANSITIVE_V3))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("version 1")
                .hasMessageContaining("TYPE_MISMATCH");
    }

    @Test
    void noneAcceptsAnything() {
        SchemaRegistryClient client = client();
        client.setCompatibility("none");
        client.register("readings-value", V1);

        client.register("readings-value", OTHER);

        assertThat(client.latest("readings-value").schema()).isEqualTo(OTHER);
    }

    @Test
    void aSubjectLevelOverridesTheGlobalOneAndOthersFallBackToGlobal() {
        SchemaRegistryClient client = client();
        client.setCompatibility("FULL");

        assertThat(client.setCompatibility("readings-value", "none")).isEqualTo("NONE");

        assertThat(client.compatibility("readings-value")).isEqualTo("NONE");
        assertThat(client.compatibility("others-value")).isEqualTo("FULL");
        assertThat(client.compatibility()).isEqualTo("FULL");
    }

    @Test
    void anUnknownLevelIsRefusedBeforeReachingTheRegistry() {
        SchemaRegistryClient client = client();

        assertThatThrownBy(() -> client.setCompatibility("SIDEWAYS")).isInstanceOf(IllegalArgumentException.class);
        assertThat(client.compatibility()).isEqualTo("BACKWARD");
    }

    @Test
    void testCompatibilityAnswersWithoutRegistering() {
        SchemaRegistryClient client = client();
        client.register("readings-value", V1);

        assertThat(client.testCompatibility("readings-value", V2_WITH_DEFAULT)).isTrue();
        assertThat(client.testCompatibility("readings-value", V2_WITHOUT_DEFAULT)).isFalse();
        assertThat(client.latest("readings-value").version()).isEqualTo(1);
    }

    @Test
    void subjectsListsEveryRegisteredSubject() {
        SchemaRegistryClient client = client();
        client.register("readings-value", V1);
        client.register("others-value", OTHER);

        assertThat(client.subjects()).containsExactlyInAnyOrder("readings-value", "others-value");
    }

    @Test
    void droppingAScopeStartsTheNextClientFromAnEmptyRegistry() {
        String scope = "mock-registries-test-" + UUID.randomUUID();
        scopes.add(scope);
        int id = client(scope).register("readings-value", V1);

        MockRegistries.drop(scope);

        SchemaRegistryClient fresh = client(scope);
        assertThat(fresh.subjects()).isEmpty();
        assertThatThrownBy(() -> fresh.schemaById(id)).isInstanceOf(SchemaRegistryException.class);
    }

    @Test
    void droppingAScopeAlsoForgetsItsSharedClient() {
        String scope = "mock-registries-test-" + UUID.randomUUID();
        scopes.add(scope);
        Map<String, String> config = Map.of(RegistryClientConfig.URL, "mock://" + scope);
        SchemaRegistryClient before = SchemaRegistryClient.shared(config);
        before.register("readings-value", V1);

        MockRegistries.drop(scope);

        SchemaRegistryClient after = SchemaRegistryClient.shared(config);
        assertThat(after).isNotSameAs(before);
        assertThat(after.subjects()).isEmpty();
    }

    @Test
    void aMockUrlNamesItselfAsTheClientsUrl() {
        SchemaRegistryClient client = client();

        assertThat(client.urls()).containsExactly("mock://" + scopes.get(0));
    }

    @Test
    void aMockUrlBesideAnotherUrlIsAConfigError() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(
                Map.of(RegistryClientConfig.URL, "mock://a,http://127.0.0.1:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mock://");
    }
}
