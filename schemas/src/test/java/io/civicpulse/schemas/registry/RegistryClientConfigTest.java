package io.civicpulse.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RegistryClientConfigTest {

    @Test
    void readsCommaSeparatedUrlsInOrderWithoutTrailingSlashes() {
        RegistryClientConfig config = RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, " http://a:8081/ , https://b:8443/apis/ccompat/v7/"));

        assertThat(config.urls()).containsExactly("http://a:8081", "https://b:8443/apis/ccompat/v7");
    }

    @Test
    void acceptsAListOfUrls() {
        RegistryClientConfig config = RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, List.of("http://a:8081", "http://b:8081")));

        assertThat(config.urls()).containsExactly("http://a:8081", "http://b:8081");
    }

    @Test
    void requiresTheUrl() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of("bootstrap.servers", "kafka:9092")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void refusesAUrlThatIsNotHttp() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of(RegistryClientConfig.URL, "registry:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http:// or https://");
    }

    @Test
    void prefixedFormOfAKeyWinsOverThePlainOne() {
        RegistryClientConfig config = RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                "max.retries", "7",
                "schema.registry.max.retries", "2"));

        assertThat(config.maxRetries()).isEqualTo(2);
    }

    @Test
    void readsPrefixedBasicAuthUserInfo() {
        RegistryClientConfig config = RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                "schema.registry.basic.auth.credentials.source", "USER_INFO",
                "schema.registry.basic.auth.user.info", "alice:s3cret"));

        assertThat(config.endpoints().get(0).authorization()).isEqualTo("Basic YWxpY2U6czNjcmV0");
    }

    @Test
    void userInfoWithoutASourceIsUsed() {
        RegistryClientConfig config = RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                RegistryClientConfig.BASIC_AUTH_USER_INFO, "alice:s3cret"));

        assertThat(config.endpoints().get(0).authorization()).isEqualTo("Basic YWxpY2U6czNjcmV0");
    }

    @Test
    void userInfoSourceNeedsUserAndPassword() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RegistryClientConfig.BASIC_AUTH_USER_INFO);
    }

    @Test
    void refusesAnUnsupportedCredentialsSource() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "SASL_INHERIT")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SASL_INHERIT");
    }

    @Test
    void readsTimeoutsRetriesAndCacheSizeFromStringsOrNumbers() {
        RegistryClientConfig config = RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                RegistryClientConfig.CONNECT_TIMEOUT_MS, "1500",
                RegistryClientConfig.REQUEST_TIMEOUT_MS, 2500,
                RegistryClientConfig.MAX_RETRIES, "1",
                RegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT, 50));

        assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.maxRetries()).isEqualTo(1);
        assertThat(config.cacheCapacity()).isEqualTo(50);
    }

    @Test
    void refusesANonNumericTimeout() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                RegistryClientConfig.REQUEST_TIMEOUT_MS, "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RegistryClientConfig.REQUEST_TIMEOUT_MS);
    }

    @Test
    void backoffDoublesFromTheInitialWaitUpToTheMaximum() {
        RegistryClientConfig config = RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "http://a:8081",
                RegistryClientConfig.RETRIES_WAIT_MS, 1000,
                RegistryClientConfig.RETRIES_MAX_WAIT_MS, 5000));

        assertThat(List.of(config.backoff(0), config.backoff(1), config.backoff(2), config.backoff(3),
                config.backoff(40))).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void refusesATrustStoreThatCannotBeRead() {
        assertThatThrownBy(() -> RegistryClientConfig.fromConfigs(Map.of(
                RegistryClientConfig.URL, "https://a:8443",
                RegistryClientConfig.SSL_TRUSTSTORE_LOCATION, "/nonexistent/trust.p12")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RegistryClientConfig.SSL_TRUSTSTORE_LOCATION)
                .hasMessageContaining("/nonexistent/trust.p12");
    }
}
