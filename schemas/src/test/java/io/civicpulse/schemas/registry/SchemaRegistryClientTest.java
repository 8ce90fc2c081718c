package io.civicpulse.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.civicpulse.schemas.registry.ScriptedRegistry.Reply;
import io.civicpulse.schemas.registry.ScriptedRegistry.Request;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SchemaRegistryClientTest {

    static final Schema READING = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
            .requiredString("sensor")
            .requiredDouble("value")
            .endRecord();
    static final String REGISTER = "/subjects/readings-value/versions";
    static final ObjectMapper JSON = new ObjectMapper();

    final List<Duration> backoffs = new CopyOnWriteArrayList<>();
    ScriptedRegistry registry;

    @BeforeEach
    void startRegistry() {
        registry = ScriptedRegistry.start();
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    /** Short timeouts, 3 retries from 100 ms, and backoff recorded instead of slept through. */
    RegistryClientConfig.Builder config(String urls) {
        return RegistryClientConfig.builder(urls)
                .connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(5))
                .retries(3, Duration.ofMillis(100), Duration.ofSeconds(1))
                .sleeper(backoffs::add);
    }

    SchemaRegistryClient client() {
        return new SchemaRegistryClient(config(registry.url()).build());
    }

    static String schemaAnswer(Schema schema, String... extraFields) {
        ObjectNode node = JSON.createObjectNode().put("schema", schema.toString());
        for (int i = 0; i < extraFields.length; i += 2) {
            node.set(extraFields[i], parseJson(extraFields[i + 1]));
        }
        return node.toString();
    }

    static JsonNode parseJson(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A URL on which nothing listens: the port was free a moment ago and is closed again. */
    static String deadUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    void registerPostsTheSchemaWithTheRegistryContentTypeAndNoSchemaType() {
        registry.on("POST", REGISTER, Reply.ok("{\"id\":42}"));

        assertThat(client().register("readings-value", READING)).isEqualTo(42);

        Request request = registry.requests().get(0);
        assertThat(request.header("Content-Type")).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(request.header("Accept")).contains("application/vnd.schemaregistry.v1+json", "application/json");
        JsonNode body = parseJson(request.body());
        assertThat(body.get("schema").asText()).isEqualTo(READING.toString());
        assertThat(body.has("schemaType")).isFalse();
    }

    @Test
    void lookupIdAsksTheSubjectWithoutRegistering() {
        registry.on("POST", "/subjects/readings-value",
                Reply.ok(schemaAnswer(READING, "subject", "\"readings-value\"", "id", "7", "version", "1")));

        assertThat(client().lookupId("readings-value", READING)).isEqualTo(7);
        assertThat(registry.count("POST", REGISTER)).isZero();
    }

    @Test
    void retriesWithExponentialBackoffOn503ThenSucceeds() {
        registry.on("POST", REGISTER, Reply.json(503, "{\"error_code\":50301,\"message\":\"overloaded\"}"),
                Reply.json(503, "{\"error_code\":50301,\"message\":\"overloaded\"}"), Reply.ok("{\"id\":5}"));

        assertThat(client().register("readings-value", READING)).isEqualTo(5);
        assertThat(registry.count("POST", REGISTER)).isEqualTo(3);
        assertThat(backoffs).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void retriesOn429TooManyRequests() {
        registry.on("GET", "/schemas/ids/3", Reply.json(429, ""), Reply.ok(schemaAnswer(READING)));

        assertThat(client().schemaById(3)).isEqualTo(READING);
        assertThat(registry.count("GET", "/schemas/ids/3")).isEqualTo(2);
    }

    @Test
    void backoffIsCappedAndTheLastServerErrorIsReportedWhenRetriesRunOut() {
        registry.on("GET", "/schemas/ids/3", Reply.json(503, "{\"error_code\":50301,\"message\":\"overloaded\"}"));
        SchemaRegistryClient client = new SchemaRegistryClient(config(registry.url())
                .retries(4, Duration.ofMillis(100), Duration.ofMillis(250)).build());

        assertThatThrownBy(() -> client.schemaById(3))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.errorCode()).isEqualTo(50301);
                    assertThat(e.registryMessage()).isEqualTo("overloaded");
                    assertThat(e).hasMessageContaining(registry.url() + "/schemas/ids/3")
                            .hasMessageContaining("5 attempt(s)");
                });
        assertThat(registry.count("GET", "/schemas/ids/3")).isEqualTo(5);
        assertThat(backoffs).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(250),
                Duration.ofMillis(250));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 409, 422})
    void clientErrorsAreNotRetried(int status) {
        registry.on("POST", REGISTER, Reply.json(status, "{\"error_code\":" + status + ",\"message\":\"no\"}"));

        assertThatThrownBy(() -> client().register("readings-value", READING))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(status));
        assertThat(registry.count("POST", REGISTER)).isEqualTo(1);
        assertThat(backoffs).isEmpty();
    }

    @Test
    void notFoundCarriesTheRegistryErrorCodeMessageAndUrl() {
        registry.on("GET", "/schemas/ids/9", Reply.json(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}"));

        assertThatThrownBy(() -> client().schemaById(9))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                    assertThat(e.registryMessage()).isEqualTo("Schema not found");
                    assertThat(e.url()).isEqualTo(registry.url() + "/schemas/ids/9");
                })
                .hasMessageContaining("GET " + registry.url() + "/schemas/ids/9")
                .hasMessageContaining("40403")
                .hasMessageContaining("Schema not found");
    }

    @Test
    void conflictOnRegisterIsAnIncompatibleSchemaExceptionNamingSubjectAndReason() {
        // The shape of Apicurio's ccompat answer.
        registry.on("POST", REGISTER, Reply.json(409, "{\"error_code\":409,\"message\":\"io.apicurio.registry.rules."
                + "RuleViolationException: Incompatible artifact: test.civicpulse.Reading [AVRO]\"}"));

        assertThatThrownBy(() -> client().register("readings-value", READING))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class, e -> {
                    assertThat(e.subject()).isEqualTo("readings-value");
                    assertThat(e.status()).isEqualTo(409);
                })
                .hasMessageContaining("readings-value")
                .hasMessageContaining("RuleViolationException: Incompatible artifact")
                .hasMessageContaining(registry.url() + REGISTER);
    }

    @Test
    void errorPageThatIsNotJsonIsQuotedInTheMessage() {
        registry.on("GET", "/schemas/ids/9", Reply.json(404, "<html><body>Not Found</body></html>"));

        assertThatThrownBy(() -> client().schemaById(9))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.NO_STATUS))
                .hasMessageContaining("HTTP 404")
                .hasMessageContaining("<html><body>Not Found</body></html>");
    }

    @Test
    void sendsBasicAuthFromUserInfo() {
        registry.on("GET", "/subjects", Reply.ok("[]"));
        SchemaRegistryClient client = new SchemaRegistryClient(config(registry.url()).userInfo("alice:s3cret").build());

        client.subjects();

        String authorization = registry.requests().get(0).header("Authorization");
        assertThat(authorization).startsWith("Basic ");
        assertThat(new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8))
                .isEqualTo("alice:s3cret");
    }

    @Test
    void takesBasicAuthFromTheUrlAndKeepsThePasswordOutOfErrors() {
        registry.on("GET", "/schemas/ids/9", Reply.json(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}"));
        String withCredentials = registry.url().replace("http://", "http://alice:s3cret@");
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of(
                RegistryClientConfig.URL, withCredentials,
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "URL"));

        assertThatThrownBy(() -> client.schemaById(9))
                .hasMessageContaining(registry.url() + "/schemas/ids/9")
                .hasMessageNotContaining("s3cret");
        String authorization = registry.requests().get(0).header("Authorization");
        assertThat(new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8))
                .isEqualTo("alice:s3cret");
        assertThat(client.urls()).containsExactly(registry.url());
    }

    @Test
    void requestTimeoutFailsNamingTheUrl() {
        registry.on("GET", "/schemas/ids/3", Reply.hang());
        SchemaRegistryClient client = new SchemaRegistryClient(config(registry.url())
                .requestTimeout(Duration.ofMillis(200))
                .retries(0, Duration.ZERO, Duration.ZERO)
                .build());

        assertThatThrownBy(() -> client.schemaById(3))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.status()).isEqualTo(SchemaRegistryException.NO_STATUS))
                .hasMessageContaining(registry.url() + "/schemas/ids/3")
                .hasMessageContaining("timed out");
    }

    @Test
    void timedOutRequestIsRetried() {
        registry.on("GET", "/schemas/ids/3", Reply.hang(), Reply.ok(schemaAnswer(READING)));
        SchemaRegistryClient client = new SchemaRegistryClient(config(registry.url())
                .requestTimeout(Duration.ofMillis(200))
                .build());

        assertThat(client.schemaById(3)).isEqualTo(READING);
        assertThat(backoffs).containsExactly(Duration.ofMillis(100));
    }

    @Test
    void fallsBackToTheNextUrlWhenTheFirstRefusesConnections() throws IOException {
        registry.on("POST", REGISTER, Reply.ok("{\"id\":11}"));
        SchemaRegistryClient client = new SchemaRegistryClient(config(deadUrl() + ", " + registry.url()).build());

        assertThat(client.register("readings-value", READING)).isEqualTo(11);
        // The second URL answered within the first round: no backoff was needed.
        assertThat(backoffs).isEmpty();
    }

    @Test
    void keepsUsingTheUrlThatAnsweredLast() {
        try (ScriptedRegistry failing = ScriptedRegistry.start()) {
            failing.on("GET", "/subjects", Reply.json(503, ""));
            registry.on("GET", "/subjects", Reply.ok("[\"readings-value\"]"));
            SchemaRegistryClient client = new SchemaRegistryClient(config(failing.url() + "," + registry.url()).build());

            client.subjects();
            client.subjects();

            assertThat(failing.count("GET", "/subjects")).isEqualTo(1);
            assertThat(registry.count("GET", "/subjects")).isEqualTo(2);
        }
    }

    @Test
    void unreachableRegistryNamesEveryUrlTriedAndTheCause() throws IOException {
        String first = deadUrl();
        String second = deadUrl();
        SchemaRegistryClient client = new SchemaRegistryClient(config(first + "," + second)
                .retries(1, Duration.ofMillis(100), Duration.ofSeconds(1)).build());

        assertThatThrownBy(() -> client.schemaById(3))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.status()).isEqualTo(SchemaRegistryException.NO_STATUS))
                .hasMessageContaining("unreachable")
                .hasMessageContaining(first + "/schemas/ids/3")
                .hasMessageContaining(second + "/schemas/ids/3")
                .hasMessageContaining("ConnectException");
        assertThat(backoffs).containsExactly(Duration.ofMillis(100));
    }

    @Test
    void registeredIdIsServedFromCacheAfterTheRegistryStops() {
        registry.on("POST", REGISTER, Reply.ok("{\"id\":42}"));
        SchemaRegistryClient client = client();
        client.register("readings-value", READING);

        registry.stop();

        assertThat(client.register("readings-value", READING)).isEqualTo(42);
        assertThat(client.lookupId("readings-value", READING)).isEqualTo(42);
        assertThat(client.schemaById(42)).isEqualTo(READING);
    }

    @Test
    void fetchedSchemaIsServedFromCacheAfterTheRegistryStops() {
        registry.on("GET", "/schemas/ids/3", Reply.ok(schemaAnswer(READING)));
        SchemaRegistryClient client = client();
        client.schemaById(3);

        registry.stop();

        assertThat(client.schemaById(3)).isEqualTo(READING);
    }

    @Test
    void separatelyParsedCopiesOfASchemaShareACacheEntry() {
        registry.on("POST", REGISTER, Reply.ok("{\"id\":42}"));
        SchemaRegistryClient client = client();
        Schema reordered = new Schema.Parser().parse("""
                { "name": "Reading", "type": "record", "namespace": "test.civicpulse",
                  "doc": "docs are not part of the comparison",
                  "fields": [ {"type": "string", "name": "sensor"}, {"name": "value", "type": "double"} ] }""");

        client.register("readings-value", READING);
        assertThat(client.register("readings-value", reordered)).isEqualTo(42);

        assertThat(reordered).isNotSameAs(READING);
        assertThat(registry.count("POST", REGISTER)).isEqualTo(1);
    }

    @Test
    void schemasDifferingOnlyInADefaultAreDifferentCacheEntries() {
        registry.on("POST", REGISTER, Reply.ok("{\"id\":42}"), Reply.ok("{\"id\":43}"));
        SchemaRegistryClient client = client();
        Schema withDefault = SchemaBuilder.record("Reading").namespace("test.civicpulse").fields()
                .requiredString("sensor")
                .name("value").type().doubleType().doubleDefault(0.0)
                .endRecord();

        assertThat(client.register("readings-value", READING)).isEqualTo(42);
        assertThat(client.register("readings-value", withDefault)).isEqualTo(43);
    }

    @Test
    void cacheEvictsTheLeastRecentlyUsedEntryBeyondItsCapacity() {
        for (int id = 1; id <= 3; id++) {
            registry.on("GET", "/schemas/ids/" + id, Reply.ok(schemaAnswer(READING)));
        }
        SchemaRegistryClient client = new SchemaRegistryClient(config(registry.url()).cacheCapacity(2).build());

        client.schemaById(1);
        client.schemaById(2);
        client.schemaById(1);
        client.schemaById(3);
        client.schemaById(1);
        client.schemaById(2);

        assertThat(registry.count("GET", "/schemas/ids/1")).isEqualTo(1);
        assertThat(registry.count("GET", "/schemas/ids/2")).isEqualTo(2);
    }

    @Test
    void schemaByIdReadsAnApicurioAnswerWithoutSchemaType() {
        registry.on("GET", "/schemas/ids/1000023", Reply.ok(schemaAnswer(READING, "references", "[]")));

        assertThat(client().schemaById(1000023)).isEqualTo(READING);
    }

    @Test
    void schemaByIdRefusesANonAvroSchema() {
        registry.on("GET", "/schemas/ids/4", Reply.ok("{\"schema\":\"syntax = \\\"proto3\\\";\",\"schemaType\":\"PROTOBUF\"}"));

        assertThatThrownBy(() -> client().schemaById(4))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("PROTOBUF")
                .hasMessageContaining(registry.url() + "/schemas/ids/4");
    }

    @Test
    void latestReturnsIdVersionAndSchema() {
        registry.on("GET", "/subjects/readings-value/versions/latest",
                Reply.ok(schemaAnswer(READING, "subject", "\"readings-value\"", "id", "21", "version", "3")));

        RegisteredSchema latest = client().latest("readings-value");

        assertThat(latest).isEqualTo(new RegisteredSchema("readings-value", 21, 3, READING));
    }

    @Test
    void testCompatibilityReturnsTheRegistryVerdict() {
        registry.on("POST", "/compatibility/subjects/readings-value/versions/latest",
                Reply.ok("{\"is_compatible\":false}"));

        assertThat(client().testCompatibility("readings-value", READING)).isFalse();
        assertThat(parseJson(registry.requests().get(0).body()).get("schema").asText()).isEqualTo(READING.toString());
    }

    @Test
    void readsTheGlobalCompatibilityLevel() {
        registry.on("GET", "/config", Reply.ok("{\"compatibilityLevel\":\"NONE\"}"));

        assertThat(client().compatibility()).isEqualTo("NONE");
    }

    @Test
    void readsASubjectsCompatibilityFallingBackToTheGlobalLevel() {
        registry.on("GET", "/config/readings-value?defaultToGlobal=true",
                Reply.ok("{\"compatibilityLevel\":\"BACKWARD\"}"));

        assertThat(client().compatibility("readings-value")).isEqualTo("BACKWARD");
    }

    @Test
    void setsTheGlobalCompatibilityLevel() {
        registry.on("PUT", "/config", Reply.ok("{\"compatibility\":\"FULL_TRANSITIVE\"}"));

        assertThat(client().setCompatibility("full_transitive")).isEqualTo("FULL_TRANSITIVE");
        assertThat(parseJson(registry.requests().get(0).body()))
                .isEqualTo(parseJson("{\"compatibility\":\"FULL_TRANSITIVE\"}"));
    }

    @Test
    void setsASubjectsCompatibilityLevel() {
        registry.on("PUT", "/config/readings-value", Reply.ok("{\"compatibility\":\"FORWARD\"}"));

        assertThat(client().setCompatibility("readings-value", "FORWARD")).isEqualTo("FORWARD");
    }

    @Test
    void refusesAnUnknownCompatibilityLevelWithoutCallingTheRegistry() {
        assertThatThrownBy(() -> client().setCompatibility("SOMETIMES"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SOMETIMES");
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void listsSubjects() {
        registry.on("GET", "/subjects", Reply.ok("[\"readings-key\",\"readings-value\"]"));

        assertThat(client().subjects()).containsExactly("readings-key", "readings-value");
    }

    @Test
    void encodesTheSubjectAsOnePathSegment() {
        registry.on("POST", "/subjects/odd%20subject%2Fname/versions", Reply.ok("{\"id\":1}"));

        assertThat(client().register("odd subject/name", READING)).isEqualTo(1);
    }

    @Test
    void keepsTheBasePathOfTheUrl() {
        registry.on("GET", "/apis/ccompat/v7/schemas/ids/1", Reply.ok(schemaAnswer(READING)));
        SchemaRegistryClient client = new SchemaRegistryClient(config(registry.url() + "/apis/ccompat/v7/").build());

        assertThat(client.schemaById(1)).isEqualTo(READING);
    }

    @Test
    void successBodyThatIsNotJsonFailsNamingTheUrl() {
        registry.on("POST", REGISTER, Reply.ok("<html>login</html>"));

        assertThatThrownBy(() -> client().register("readings-value", READING))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining(registry.url() + REGISTER)
                .hasMessageContaining("not JSON");
    }

    @Test
    void anAnswerLargerThanTheCapIsRefusedUnread() {
        String padding = "x".repeat(HttpRegistry.MAX_RESPONSE_BYTES);
        registry.on("GET", "/schemas/ids/3", Reply.ok("{\"schema\":\"\\\"string\\\"\",\"padding\":\"" + padding
                + "\"}"));

        assertThatThrownBy(() -> client().schemaById(3)).isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("more than " + HttpRegistry.MAX_RESPONSE_BYTES + " bytes");
    }
}
