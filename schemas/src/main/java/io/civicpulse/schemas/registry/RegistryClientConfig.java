package io.civicpulse.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/**
 * Everything a {@link SchemaRegistryClient} needs to reach the registry, read from the same keys Confluent's client
 * uses so that existing producer/consumer configs carry over. Every key may also be given with the
 * {@value #PREFIX} prefix (e.g. {@code schema.registry.basic.auth.user.info}); the prefixed form wins.
 * Unknown keys are ignored because Kafka hands serdes its whole client config.
 */
public final class RegistryClientConfig {

    /** Prefix under which every client key may also be given; the prefixed form wins. */
    public static final String PREFIX = "schema.registry.";

    /** Comma-separated registry base URLs (a list is accepted too), tried in turn. Required. */
    public static final String URL = "schema.registry.url";
    /** {@code URL} (default: user info from the URL itself) or {@code USER_INFO} (from {@link #BASIC_AUTH_USER_INFO}). */
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    /** {@code user:password} for HTTP basic auth when the credentials source is {@code USER_INFO}. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Extra rounds over all URLs after a transient failure (default 3). */
    public static final String MAX_RETRIES = "max.retries";
    /** Backoff before the first retry round, doubled for each further round (default 1000 ms). */
    public static final String RETRIES_WAIT_MS = "retries.wait.ms";
    /** Upper bound of the backoff between rounds (default 20000 ms). */
    public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";
    /** TCP/TLS connect timeout (default 10000 ms). */
    public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    /** Time allowed for one request's answer (default 30000 ms). */
    public static final String REQUEST_TIMEOUT_MS = "http.read.timeout.ms";
    /** Bound of each client cache: id to schema and (subject, schema) to id (default 1000). */
    public static final String MAX_SCHEMAS_PER_SUBJECT = "max.schemas.per.subject";
    /** Trust store file for HTTPS; without it the JDK default SSLContext ({@code javax.net.ssl.trustStore}) is used. */
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    /** Trust store type, e.g. {@code PKCS12} or {@code JKS} (default: the JDK's default type). */
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";

    /**
     * A {@value #URL} of {@code mock://<scope>} selects the in-memory registry of that scope instead of HTTP, as
     * with Confluent's serde; see {@link MockRegistries}. It must then be the only URL.
     */
    public static final String MOCK_SCHEME = "mock://";

    /** Every key this class reads: what decides whether two configs reach the same registry the same way. */
    private static final List<String> CLIENT_KEYS = List.of(URL, BASIC_AUTH_CREDENTIALS_SOURCE, BASIC_AUTH_USER_INFO,
            MAX_RETRIES, RETRIES_WAIT_MS, RETRIES_MAX_WAIT_MS, CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS,
            MAX_SCHEMAS_PER_SUBJECT, SSL_TRUSTSTORE_LOCATION, SSL_TRUSTSTORE_PASSWORD, SSL_TRUSTSTORE_TYPE);

    public static final String SOURCE_URL = "URL";
    public static final String SOURCE_USER_INFO = "USER_INFO";

    static final int DEFAULT_MAX_RETRIES = 3;
    static final Duration DEFAULT_RETRY_WAIT = Duration.ofSeconds(1);
    static final Duration DEFAULT_RETRY_MAX_WAIT = Duration.ofSeconds(20);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_CACHE_CAPACITY = 1000;

    /** How the client waits between retry rounds; replaced in tests so backoff is observed, not slept through. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** One registry base URL, with credentials moved out of the URL so they never reach a log or a message. */
    record Endpoint(String base, String authorization) {
        URI resolve(String path) {
            return URI.create(base + path);
        }

        @Override
        public String toString() {
            return base;
        }
    }

    private final String mockScope;
    private final List<Endpoint> endpoints;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final Duration retryWait;
    private final Duration retryMaxWait;
    private final int cacheCapacity;
    private final SSLContext sslContext;
    private final Sleeper sleeper;

    private RegistryClientConfig(Builder b) {
        this.mockScope = mockScope(b.urls);
        // A mock scope has no endpoint and no credentials to check: nothing leaves the process.
        this.endpoints = mockScope != null ? List.of() : parseEndpoints(b.urls, b.credentialsSource, b.userInfo);
        this.connectTimeout = positive(CONNECT_TIMEOUT_MS, b.connectTimeout);
        this.requestTimeout = positive(REQUEST_TIMEOUT_MS, b.requestTimeout);
        if (b.maxRetries < 0) {
            throw new ConfigException(MAX_RETRIES, b.maxRetries, "must be 0 or more");
        }
        this.maxRetries = b.maxRetries;
        this.retryWait = notNegative(RETRIES_WAIT_MS, b.retryWait);
        this.retryMaxWait = notNegative(RETRIES_MAX_WAIT_MS, b.retryMaxWait);
        if (b.cacheCapacity < 1) {
            throw new ConfigException(MAX_SCHEMAS_PER_SUBJECT, b.cacheCapacity, "must be at least 1");
        }
        this.cacheCapacity = b.cacheCapacity;
        this.sslContext = b.sslContext;
        this.sleeper = b.sleeper;
    }

    /** A builder for code that wires the client by hand (tests, tools); {@code urls} may be comma-separated. */
    public static Builder builder(String urls) {
        return new Builder(urls);
    }

    /** Reads a Kafka-style config map; throws {@link ConfigException} naming the key for a missing or bad value. */
    public static RegistryClientConfig fromConfigs(Map<String, ?> configs) {
        Object urls = value(configs, URL);
        if (urls == null || urls.toString().isBlank()) {
            throw new ConfigException(URL + " is required: the base URL(s) of the schema registry");
        }
        Builder b = new Builder(urlList(urls));
        Object source = value(configs, BASIC_AUTH_CREDENTIALS_SOURCE);
        Object userInfo = value(configs, BASIC_AUTH_USER_INFO);
        // Confluent's default source is URL; but a config that sets user info and no source clearly means to use
        // it, and silently sending no credentials would only surface later as a puzzling 401.
        b.credentialsSource = source != null ? source.toString().trim().toUpperCase(Locale.ROOT)
                : userInfo != null ? SOURCE_USER_INFO : SOURCE_URL;
        b.userInfo = userInfo == null ? null : userInfo.toString();
        b.maxRetries = intValue(configs, MAX_RETRIES, DEFAULT_MAX_RETRIES);
        b.retryWait = Duration.ofMillis(intValue(configs, RETRIES_WAIT_MS, (int) DEFAULT_RETRY_WAIT.toMillis()));
        b.retryMaxWait = Duration.ofMillis(
                intValue(configs, RETRIES_MAX_WAIT_MS, (int) DEFAULT_RETRY_MAX_WAIT.toMillis()));
        b.connectTimeout = Duration.ofMillis(
                intValue(configs, CONNECT_TIMEOUT_MS, (int) DEFAULT_CONNECT_TIMEOUT.toMillis()));
        b.requestTimeout = Duration.ofMillis(
                intValue(configs, REQUEST_TIMEOUT_MS, (int) DEFAULT_REQUEST_TIMEOUT.toMillis()));
        b.cacheCapacity = intValue(configs, MAX_SCHEMAS_PER_SUBJECT, DEFAULT_CACHE_CAPACITY);
        Object truststore = configs.get(SSL_TRUSTSTORE_LOCATION);
        if (truststore != null && !truststore.toString().isBlank()) {
            Object password = configs.get(SSL_TRUSTSTORE_PASSWORD);
            Object type = configs.get(SSL_TRUSTSTORE_TYPE);
            b.sslContext = trustStoreContext(Path.of(truststore.toString()),
                    password == null ? null : password.toString(),
                    type == null || type.toString().isBlank() ? KeyStore.getDefaultType() : type.toString());
        }
        return b.build();
    }

    /**
     * The registry-relevant entries of a Kafka-style config map, resolved as {@link #fromConfigs(Map)} resolves them
     * (the prefixed form wins, a URL list is normalized): equal maps configure equal clients. Holds credentials, so
     * it is for keying in memory only, never for printing.
     */
    public static Map<String, String> identity(Map<String, ?> configs) {
        Map<String, String> identity = new TreeMap<>();
        for (String key : CLIENT_KEYS) {
            Object v = key.startsWith(PREFIX) ? configs.get(key) : value(configs, key);
            if (v != null) {
                identity.put(key, v.toString().trim());
            }
        }
        Object urls = value(configs, URL);
        if (urls != null) {
            List<String> list = urlList(urls);
            String scope = list.size() == 1 ? mockScope(list) : null;
            identity.put(URL, scope != null ? MOCK_SCHEME + scope : String.join(",", list));
        }
        return identity;
    }

    /** The base URLs in the order they are tried, without credentials; {@code mock://<scope>} for a mock scope. */
    public List<String> urls() {
        return mockScope != null ? List.of(MOCK_SCHEME + mockScope) : endpoints.stream().map(Endpoint::base).toList();
    }

    /** The in-memory registry scope named by a {@code mock://} URL, or null for a registry over HTTP. */
    public String mockScope() {
        return mockScope;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public int cacheCapacity() {
        return cacheCapacity;
    }

    /** The backoff before retry round {@code round + 1}: the initial wait doubled per round, capped. */
    public Duration backoff(int round) {
        Duration wait = retryWait.multipliedBy(1L << Math.min(round, 30));
        return wait.compareTo(retryMaxWait) > 0 ? retryMaxWait : wait;
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The SSLContext to use, or null for the JDK default. */
    SSLContext sslContext() {
        return sslContext;
    }

    Sleeper sleeper() {
        return sleeper;
    }

    /** Builds an SSLContext that trusts the certificates in one trust store file. */
    public static SSLContext trustStoreContext(Path location, String password, String type) {
        try (InputStream in = Files.newInputStream(location)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password == null ? null : password.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(SSL_TRUSTSTORE_LOCATION, location.toString(),
                    "cannot load " + type + " trust store: " + e);
        }
    }

    private static List<Endpoint> parseEndpoints(List<String> urls, String source, String userInfo) {
        if (!SOURCE_URL.equals(source) && !SOURCE_USER_INFO.equals(source)) {
            throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source,
                    "supported sources are " + SOURCE_URL + " and " + SOURCE_USER_INFO);
        }
        if (SOURCE_USER_INFO.equals(source) && (userInfo == null || !userInfo.contains(":"))) {
            throw new ConfigException(BASIC_AUTH_USER_INFO, userInfo == null ? null : "(hidden)",
                    "must be user:password when " + BASIC_AUTH_CREDENTIALS_SOURCE + "=" + SOURCE_USER_INFO);
        }
        if (urls.isEmpty()) {
            throw new ConfigException(URL + " is required: the base URL(s) of the schema registry");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String raw : urls) {
            URI uri;
            try {
                uri = new URI(raw.trim());
            } catch (URISyntaxException e) {
                throw new ConfigException(URL, raw, "not a URL: " + e.getMessage());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new ConfigException(URL, stripUserInfo(raw),
                        "must be an http:// or https:// URL with a host, or " + MOCK_SCHEME + "<scope>");
            }
            String base = scheme + "://" + (uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                    ? "[" + uri.getHost() + "]" : uri.getHost())
                    + (uri.getPort() == -1 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", ""));
            String credentials = SOURCE_USER_INFO.equals(source) ? userInfo
                    : uri.getRawUserInfo() == null ? null
                    : URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8);
            String authorization = credentials == null ? null
                    : "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
            endpoints.add(new Endpoint(base, authorization));
        }
        return List.copyOf(endpoints);
    }

    private static String mockScope(List<String> urls) {
        String mock = urls.stream().filter(RegistryClientConfig::isMock).findFirst().orElse(null);
        if (mock == null) {
            return null;
        }
        if (urls.size() > 1) {
            throw new ConfigException(URL, String.join(",", urls.stream().map(RegistryClientConfig::stripUserInfo)
                    .toList()), "a " + MOCK_SCHEME + " URL selects an in-memory registry and must be the only URL");
        }
        return mock.substring(MOCK_SCHEME.length());
    }

    private static boolean isMock(String url) {
        return url.regionMatches(true, 0, MOCK_SCHEME, 0, MOCK_SCHEME.length());
    }

    private static String stripUserInfo(String raw) {
        return raw.replaceFirst("//[^/@]*@", "//");
    }

    private static List<String> urlList(Object value) {
        Collection<?> parts = value instanceof Collection<?> c ? c : List.of(value.toString().split(","));
        return parts.stream().map(Object::toString).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** The prefixed form wins, so that registry settings can sit beside same-named Kafka client settings. */
    private static Object value(Map<String, ?> configs, String key) {
        if (!key.startsWith(PREFIX) && configs.get(PREFIX + key) != null) {
            return configs.get(PREFIX + key);
        }
        return configs.get(key);
    }

    private static int intValue(Map<String, ?> configs, String key, int defaultValue) {
        Object v = value(configs, key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, v, "must be an integer");
        }
    }

    private static Duration positive(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException(key, d.toMillis(), "must be positive");
        }
        return d;
    }

    private static Duration notNegative(String key, Duration d) {
        Objects.requireNonNull(d, key);
        if (d.isNegative()) {
            throw new ConfigException(key, d.toMillis(), "must not be negative");
        }
        return d;
    }

    /** Hand wiring of a client, with the same defaults and validation as {@link #fromConfigs(Map)}. */
    public static final class Builder {
        private final List<String> urls;
        private String credentialsSource = SOURCE_URL;
        private String userInfo;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxRetries = DEFAULT_MAX_RETRIES;
        private Duration retryWait = DEFAULT_RETRY_WAIT;
        private Duration retryMaxWait = DEFAULT_RETRY_MAX_WAIT;
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private SSLContext sslContext;
        private Sleeper sleeper = duration -> Thread.sleep(duration.toMillis());

        private Builder(String urls) {
            this(urlList(Objects.requireNonNull(urls, "urls")));
        }

        private Builder(List<String> urls) {
            this.urls = urls;
        }

        /** Sends {@code user:password} as basic auth to every URL (source {@code USER_INFO}). */
        public Builder userInfo(String userInfo) {
            this.credentialsSource = SOURCE_USER_INFO;
            this.userInfo = userInfo;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /** Extra rounds over all URLs, waiting {@code initial}, doubled each round up to {@code max}, in between. */
        public Builder retries(int maxRetries, Duration initial, Duration max) {
            this.maxRetries = maxRetries;
            this.retryWait = initial;
            this.retryMaxWait = max;
            return this;
        }

        public Builder cacheCapacity(int cacheCapacity) {
            this.cacheCapacity = cacheCapacity;
            return this;
        }

        /** TLS settings for https URLs; without this the JDK default SSLContext is used. */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        public RegistryClientConfig build() {
            return new RegistryClientConfig(this);
        }
    }
}
