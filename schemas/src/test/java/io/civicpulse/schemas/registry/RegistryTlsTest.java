package io.civicpulse.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.civicpulse.schemas.registry.ScriptedRegistry.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS against a registry whose certificate only the configured trust store vouches for. */
class RegistryTlsTest {

    static final String PASSWORD = "changeit";

    @TempDir
    static Path dir;
    static Path trustStore;
    static ScriptedRegistry registry;

    @BeforeAll
    static void startHttpsRegistry() throws Exception {
        Path keyStore = dir.resolve("registry.p12");
        Path certificate = dir.resolve("registry.cer");
        trustStore = dir.resolve("trust.p12");
        // A throwaway self-signed certificate for 127.0.0.1, made with the JDK's keytool so no test dependency
        // is needed to mint one.
        keytool("-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "registry", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "registry", "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass", PASSWORD);
        registry = ScriptedRegistry.startTls(serverContext(keyStore));
        registry.on("GET", "/subjects", Reply.ok("[\"readings-value\"]"));
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void trustsTheRegistryThroughTheConfiguredTrustStore() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of(
                RegistryClientConfig.URL, registry.url(),
                RegistryClientConfig.SSL_TRUSTSTORE_LOCATION, trustStore.toString(),
                RegistryClientConfig.SSL_TRUSTSTORE_PASSWORD, PASSWORD,
                RegistryClientConfig.SSL_TRUSTSTORE_TYPE, "PKCS12"));

        assertThat(client.subjects()).containsExactly("readings-value");
    }

    @Test
    void refusesAnUntrustedCertificateNamingTheUrl() {
        SchemaRegistryClient client = SchemaRegistryClient.fromConfigs(Map.of(
                RegistryClientConfig.URL, registry.url(),
                RegistryClientConfig.MAX_RETRIES, 0));

        assertThatThrownBy(client::subjects)
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining(registry.url() + "/subjects")
                .hasMessageContaining("SSLHandshakeException");
    }

    static SSLContext serverContext(Path keyStore) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
