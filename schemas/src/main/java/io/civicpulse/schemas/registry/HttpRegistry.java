package io.civicpulse.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.civicpulse.schemas.http.BoundedRead;
import io.civicpulse.schemas.registry.RegistryClientConfig.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry behind one or more {@code http(s)://} URLs, reached with the JDK's own HTTP client through the
 * Confluent Schema Registry REST API. It guarantees retries with exponential backoff over all URLs for transient
 * failures only (no connection, timeout, 5xx, 429), and errors that say which URL answered what.
 */
final class HttpRegistry implements RegistryBackend {

    private static final Logger LOG = LoggerFactory.getLogger(HttpRegistry.class);

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9,"
            + " application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Far above any schema or subject list; a registry (or whatever answers in its place) sending more is refused. */
    static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

    /** A 2xx answer and where it came from, for messages about its content. */
    private record Answer(String request, JsonNode body) {
    }

    private final RegistryClientConfig config;
    private final HttpClient http;
    // Index of the URL that answered last: a URL that is down for good then costs one failed connect per
    // retry round rather than one per request.
    private final AtomicInteger preferredEndpoint = new AtomicInteger();

    HttpRegistry(RegistryClientConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(config.connectTimeout())
                // HTTP/1.1 only: the h2c upgrade the JDK would otherwise attempt on http:// URLs trips up some
                // proxies in front of registries, and buys nothing for a handful of small JSON requests.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (config.sslContext() != null) {
            builder.sslContext(config.sslContext());
        }
        this.http = builder.build();
    }

    @Override
    public int register(String subject, Schema schema) {
        Answer answer;
        try {
            answer = execute("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        } catch (SchemaRegistryException e) {
            if (e.status() == 409) {
                throw new IncompatibleSchemaException(subject, "POST " + e.url(), e.status(), e.errorCode(),
                        e.registryMessage(), e.url());
            }
            throw e;
        }
        return intField(answer, "id");
    }

    @Override
    public int lookupId(String subject, Schema schema) {
        return intField(execute("POST", "/subjects/" + encode(subject), schemaBody(schema)), "id");
    }

    @Override
    public Schema schemaById(int id) {
        return parseSchema(execute("GET", "/schemas/ids/" + id, null), "schema id " + id);
    }

    @Override
    public RegisteredSchema latest(String subject) {
        Answer answer = execute("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        Schema schema = parseSchema(answer, "subject '" + subject + "' latest version");
        return new RegisteredSchema(subject, intField(answer, "id"), intField(answer, "version"), schema);
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        Answer answer = execute("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                schemaBody(schema));
        JsonNode value = answer.body().get("is_compatible");
        if (value == null || !value.isBoolean()) {
            throw unexpected(answer, "no boolean 'is_compatible'");
        }
        return value.booleanValue();
    }

    @Override
    public String compatibility() {
        return level(execute("GET", "/config", null));
    }

    @Override
    public String compatibility(String subject) {
        return level(execute("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null));
    }

    @Override
    public String setCompatibility(String level) {
        return level(execute("PUT", "/config", levelBody(level)));
    }

    @Override
    public String setCompatibility(String subject, String level) {
        return level(execute("PUT", "/config/" + encode(subject), levelBody(level)));
    }

    @Override
    public List<String> subjects() {
        Answer answer = execute("GET", "/subjects", null);
        if (!answer.body().isArray()) {
            throw unexpected(answer, "expected a JSON array of subjects");
        }
        List<String> subjects = new ArrayList<>();
        answer.body().forEach(node -> subjects.add(node.asText()));
        return List.copyOf(subjects);
    }

    /**
     * Sends one request, trying every URL in turn, and repeats the round with exponential backoff while failures
     * are transient (no connection, timeout, 5xx, 429). Any other non-2xx answer is the registry's verdict and is
     * thrown at once: retrying a 404 or 409 cannot change it.
     */
    private Answer execute(String method, String path, String body) {
        List<Endpoint> endpoints = config.endpoints();
        int first = preferredEndpoint.get();
        Map<String, String> failures = new LinkedHashMap<>();
        int lastStatus = SchemaRegistryException.NO_STATUS;
        int lastErrorCode = SchemaRegistryException.NO_STATUS;
        String lastRegistryMessage = null;
        Throwable lastCause = null;
        for (int round = 0; ; round++) {
            for (int i = 0; i < endpoints.size(); i++) {
                int index = (first + i) % endpoints.size();
                Endpoint endpoint = endpoints.get(index);
                URI uri = endpoint.resolve(path);
                String request = method + " " + uri;
                int status;
                String answer;
                try {
                    HttpResponse<InputStream> response = http.send(request(endpoint, uri, method, body),
                            HttpResponse.BodyHandlers.ofInputStream());
                    status = response.statusCode();
                    answer = readCapped(response.body(), config.requestTimeout());
                } catch (ResponseTooLarge e) {
                    // Not transient: the same request gets the same oversized answer.
                    throw new SchemaRegistryException(request + " answered more than " + MAX_RESPONSE_BYTES
                            + " bytes; refused unread", SchemaRegistryException.NO_STATUS,
                            SchemaRegistryException.NO_STATUS, null, uri.toString(), e);
                } catch (HttpTimeoutException e) {
                    failures.put(uri.toString(), "timed out: " + describe(e));
                    lastStatus = SchemaRegistryException.NO_STATUS;
                    lastCause = e;
                    continue;
                } catch (IOException e) {
                    failures.put(uri.toString(), describe(e));
                    lastStatus = SchemaRegistryException.NO_STATUS;
                    lastCause = e;
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SchemaRegistryException(request + " was interrupted", SchemaRegistryException.NO_STATUS,
                            SchemaRegistryException.NO_STATUS, null, uri.toString(), e);
                }
                if (status >= 200 && status < 300) {
                    preferredEndpoint.set(index);
                    return new Answer(request, parseJson(answer, request, uri, status));
                }
                JsonNode error = parseErrorBody(answer);
                int errorCode = error.path("error_code").asInt(SchemaRegistryException.NO_STATUS);
                String registryMessage = error.hasNonNull("message") ? error.get("message").asText()
                        : abbreviate(answer);
                if (status == 429 || status >= 500) {
                    failures.put(uri.toString(), "HTTP " + status
                            + (registryMessage == null ? "" : ": " + registryMessage));
                    lastStatus = status;
                    lastErrorCode = errorCode;
                    lastRegistryMessage = registryMessage;
                    lastCause = null;
                    continue;
                }
                throw new SchemaRegistryException(request + " answered HTTP " + status
                        + (errorCode == SchemaRegistryException.NO_STATUS ? "" : " (error_code " + errorCode + ")")
                        + (registryMessage == null ? "" : ": " + registryMessage),
                        status, errorCode, registryMessage, uri.toString(), null);
            }
            if (round >= config.maxRetries()) {
                String tried = failures.entrySet().stream()
                        .map(f -> f.getKey() + " (" + f.getValue() + ")")
                        .collect(Collectors.joining(", "));
                boolean answered = lastStatus != SchemaRegistryException.NO_STATUS;
                throw new SchemaRegistryException("schema registry " + (answered ? "failed" : "unreachable")
                        + ": " + method + " " + path + " gave up after " + (round + 1) + " attempt(s) at each URL;"
                        + " tried " + tried,
                        lastStatus, answered ? lastErrorCode : SchemaRegistryException.NO_STATUS,
                        answered ? lastRegistryMessage : null, String.join(", ", failures.keySet()), lastCause);
            }
            Duration wait = config.backoff(round);
            LOG.warn("Schema registry request {} {} failed ({}); retrying in {} ms", method, path, failures,
                    wait.toMillis());
            try {
                config.sleeper().sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(method + " " + path + " was interrupted while waiting to retry;"
                        + " tried " + String.join(", ", failures.keySet()), lastStatus, lastErrorCode,
                        lastRegistryMessage, String.join(", ", failures.keySet()), e);
            }
        }
    }

    private HttpRequest request(Endpoint endpoint, URI uri, String method, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(config.requestTimeout())
                .header("Accept", ACCEPT);
        if (endpoint.authorization() != null) {
            builder.header("Authorization", endpoint.authorization());
        }
        if (body == null) {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            builder.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static final class ResponseTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        ResponseTooLarge() {
            super("response larger than " + MAX_RESPONSE_BYTES + " bytes");
        }
    }

    /**
     * The body as text, read up to {@link #MAX_RESPONSE_BYTES} within {@code deadline}: a registry (or a proxy in
     * its place) sending without end must cost neither the heap nor the producer's thread.
     */
    private static String readCapped(InputStream in, Duration deadline) throws IOException {
        try {
            return new String(BoundedRead.read(in, MAX_RESPONSE_BYTES, deadline), StandardCharsets.UTF_8);
        } catch (BoundedRead.TooLarge e) {
            throw new ResponseTooLarge();
        } catch (BoundedRead.TooSlow e) {
            throw new HttpTimeoutException("response body not complete within " + deadline.toMillis() + " ms");
        }
    }

    private static JsonNode parseJson(String body, String request, URI uri, int status) {
        try {
            return JSON.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException(request + " answered HTTP " + status + " with a body that is not JSON: "
                    + abbreviate(body), status, SchemaRegistryException.NO_STATUS, null, uri.toString(), e);
        }
    }

    /** Error bodies are JSON from a registry but may be HTML from a proxy in front of it. */
    private static JsonNode parseErrorBody(String body) {
        try {
            JsonNode node = JSON.readTree(body == null || body.isBlank() ? "{}" : body);
            return node.isObject() ? node : JSON.createObjectNode();
        } catch (JsonProcessingException e) {
            return JSON.createObjectNode();
        }
    }

    private static Schema parseSchema(Answer answer, String what) {
        JsonNode type = answer.body().get("schemaType");
        // Confluent omits schemaType for AVRO, and Apicurio may omit it altogether.
        if (type != null && !type.isNull() && !"AVRO".equalsIgnoreCase(type.asText())) {
            throw unexpected(answer, what + " is a " + type.asText() + " schema, not AVRO");
        }
        JsonNode references = answer.body().get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw unexpected(answer, what + " uses schema references " + references
                    + ", which this client does not resolve");
        }
        JsonNode text = answer.body().get("schema");
        if (text == null || !text.isTextual()) {
            throw unexpected(answer, "no 'schema' string");
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw unexpected(answer, what + " is not a valid Avro schema: " + e.getMessage());
        }
    }

    private static int intField(Answer answer, String field) {
        JsonNode value = answer.body().get(field);
        if (value == null || !value.canConvertToInt()) {
            throw unexpected(answer, "no integer '" + field + "'");
        }
        return value.intValue();
    }

    private static String level(Answer answer) {
        // Confluent answers GET with compatibilityLevel and PUT with compatibility; accept either for both.
        JsonNode level = answer.body().hasNonNull("compatibilityLevel") ? answer.body().get("compatibilityLevel")
                : answer.body().get("compatibility");
        if (level == null || !level.isTextual()) {
            throw unexpected(answer, "no 'compatibilityLevel'");
        }
        return level.asText();
    }

    private static SchemaRegistryException unexpected(Answer answer, String problem) {
        String url = answer.request().substring(answer.request().indexOf(' ') + 1);
        return new SchemaRegistryException(answer.request() + " answered with an unexpected body (" + problem + "): "
                + abbreviate(answer.body().toString()), 200, SchemaRegistryException.NO_STATUS, null, url, null);
    }

    private static String schemaBody(Schema schema) {
        // schemaType is left out: AVRO is the default everywhere, and older registries reject the field.
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        return body.toString();
    }

    private static String levelBody(String level) {
        return JSON.createObjectNode().put("compatibility", level).toString();
    }

    private static String encode(String pathSegment) {
        // URLEncoder encodes for forms; a path segment wants %20, not '+'.
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The exception and its root cause, skipping the JDK's layers of same-named wrappers. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (root != e && (root.getClass() != e.getClass() || root.getMessage() != null)) {
            text += " caused by " + root.getClass().getSimpleName()
                    + (root.getMessage() == null ? "" : ": " + root.getMessage());
        }
        return text;
    }

    private static String abbreviate(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
    }
}
