package io.civicpulse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.civicpulse.deploy.cli.CivicPulseCommand;
import io.civicpulse.ingest.city.CityConfig;
import io.civicpulse.schemas.topics.Topic;
import io.civicpulse.schemas.topics.Topics;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The container image, the compose file and the Kubernetes manifests are not run by any build here (no Docker, no
 * cluster), so nothing else would notice when they drift from the code: a topic added to Topics.java but not to
 * the KafkaTopics, an option renamed in a *Command class that a Deployment still passes, a probe on a port the role
 * does not serve. This test reads every YAML file under deploy/k8s and deploy/compose and checks them against the
 * code itself (Topics.ALL, picocli's model of the CLI).
 */
class DeploymentManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final Path COMPOSE = Path.of("compose", "compose.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final CommandSpec CLI = new CommandLine(new CivicPulseCommand()).getCommandSpec();
    /** What the Dockerfile and Jib put in the image; manifests name it with or without a registry and tag. */
    private static final Pattern CIVICPULSE_IMAGE = Pattern.compile("(.*/)?civicpulse(:[^/]*)?");

    // ---- topics ----

    @Test
    void everyDeclaredTopicHasAKafkaTopicWithItsPartitionsCleanupAndRetention() throws IOException {
        Map<String, JsonNode> manifests = kafkaTopics();
        for (Topic<?, ?> topic : Topics.ALL) {
            JsonNode spec = manifests.get(topic.name());
            assertThat(spec).as("KafkaTopic for %s", topic.name()).isNotNull();
            assertThat(spec.path("partitions").asInt()).as("%s partitions", topic.name()).isEqualTo(topic.partitions());
            // Three replicas and min.insync.replicas 2: a node may be down without refusing acks=all writes.
            assertThat(spec.path("replicas").asInt()).as("%s replicas", topic.name()).isEqualTo(3);
            assertThat(spec.path("config").path("min.insync.replicas").asText()).as("%s min ISR", topic.name())
                    .isEqualTo("2");
            topic.configs().forEach((key, value) -> assertThat(spec.path("config").path(key).asText())
                    .as("%s %s", topic.name(), key).isEqualTo(value));
        }
    }

    @Test
    void noKafkaTopicThatTheCodeDoesNotDeclare() throws IOException {
        Set<String> declared = Topics.ALL.stream().map(Topic::name).collect(Collectors.toSet());
        assertThat(kafkaTopics().keySet()).allSatisfy(name -> assertThat(declared).as("declared topics").contains(name));
    }

    @Test
    void everyAclTopicIsDeclaredAndTheEngineOwnsItsApplicationIdPrefix() throws IOException {
        Set<String> declared = Topics.ALL.stream().map(Topic::name).collect(Collectors.toSet());
        List<JsonNode> users = k8sDocuments().stream().filter(d -> d.path("kind").asText().equals("KafkaUser")).toList();
        assertThat(users).extracting(u -> u.path("metadata").path("name").asText())
                .contains("civicpulse-ingest", "civicpulse-intake", "civicpulse-streams");
        for (JsonNode user : users) {
            for (JsonNode acl : user.path("spec").path("authorization").path("acls")) {
                JsonNode resource = acl.path("resource");
                if (resource.path("type").asText().equals("topic") && resource.path("patternType").asText().equals("literal")) {
                    assertThat(declared).as("topic of an ACL of %s", user.path("metadata").path("name").asText())
                            .contains(resource.path("name").asText());
                }
            }
        }
        // Kafka Streams names its group, transactional ids and internal topics after the application id.
        String applicationId = optionValue(k8sContainers("streams").get(0).path("args"), "--application-id");
        JsonNode streamsAcls = users.stream().filter(u -> u.path("metadata").path("name").asText()
                .equals("civicpulse-streams")).findFirst().orElseThrow().path("spec").path("authorization").path("acls");
        Set<String> prefixes = new TreeSet<>();
        streamsAcls.forEach(acl -> {
            if (acl.path("resource").path("patternType").asText().equals("prefix")) {
                prefixes.add(acl.path("resource").path("type").asText() + " " + acl.path("resource").path("name").asText());
            }
        });
        assertThat(prefixes).containsExactlyInAnyOrder("topic " + applicationId + "-", "group " + applicationId,
                "transactionalId " + applicationId);
    }

    // ---- the CLI as containers run it ----

    @Test
    void everyKubernetesContainerOfTheImageRunsARealSubcommandWithRealOptions() throws IOException {
        List<JsonNode> containers = k8sContainers(null);
        assertThat(containers).as("containers of the civicpulse image").hasSizeGreaterThanOrEqualTo(5);
        containers.forEach(c -> assertRealCommandLine(c.path("name").asText(), strings(c.path("args"))));
    }

    @Test
    void everyComposeServiceOfTheImageRunsARealSubcommandWithRealOptions() throws IOException {
        Map<String, JsonNode> services = civicpulseServices();
        assertThat(services).containsKeys("provision", "simulate", "ingest", "intake", "streams-1", "streams-2");
        services.forEach((name, service) -> assertRealCommandLine(name, strings(service.path("command"))));
    }

    @Test
    void kubernetesProbesAskTheEndpointsEachRoleServes() throws IOException {
        for (JsonNode container : k8sContainers(null)) {
            List<String> args = strings(container.path("args"));
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                JsonNode get = container.path(probe).path("httpGet");
                if (get.isMissingNode()) {
                    continue;
                }
                int port = port(container, get.path("port"));
                String path = get.path("path").asText();
                String what = container.path("name").asText() + " " + probe;
                switch (args.get(0)) {
                    case "streams" -> {
                        assertThat(port).as(what).isEqualTo(Integer.parseInt(optionOr(args, "--http-port", "8070")));
                        assertThat(path).as(what).isIn("/health/live", "/health/ready");
                    }
                    case "intake" -> {
                        assertThat(port).as(what).isEqualTo(Integer.parseInt(optionOr(args, "--port", "8088")));
                        assertThat(path).as(what).isEqualTo("/healthz");
                    }
                    case "simulate" -> assertThat(port).as(what).isEqualTo(Integer.parseInt(optionOr(args, "--port", "8090")));
                    default -> throw new AssertionError(what + ": " + args.get(0) + " serves no HTTP to probe");
                }
            }
        }
        // The roles that serve HTTP must be probed: a wedged engine would otherwise keep its partitions.
        assertThat(k8sContainers("streams").get(0).path("readinessProbe").path("httpGet").path("path").asText())
                .isEqualTo("/health/ready");
        assertThat(k8sContainers("intake").get(0).path("readinessProbe").isMissingNode()).isFalse();
    }

    @Test
    void composeHealthChecksAskTheEndpointsEachRoleServes() throws IOException {
        Pattern request = Pattern.compile("/dev/tcp/127\\.0\\.0\\.1/(\\d+) .*GET (\\S+) HTTP");
        Map<String, String> expected = Map.of("streams", "/health/ready", "intake", "/healthz");
        Map<String, String> defaultPort = Map.of("streams", "8070", "intake", "8088");
        Map<String, String> portOption = Map.of("streams", "--http-port", "intake", "--port");
        civicpulseServices().forEach((name, service) -> {
            List<String> command = strings(service.path("command"));
            String role = command.get(0);
            if (!expected.containsKey(role)) {
                return;
            }
            String test = String.join(" ", strings(service.path("healthcheck").path("test")));
            Matcher m = request.matcher(test);
            assertThat(m.find()).as("%s health check %s", name, test).isTrue();
            assertThat(m.group(1)).as(name).isEqualTo(optionOr(command, portOption.get(role), defaultPort.get(role)));
            assertThat(m.group(2)).as(name).isEqualTo(expected.get(role));
        });
    }

    @Test
    void composeEnginesShareTheApplicationIdAndAdvertiseDistinctHosts() throws IOException {
        List<JsonNode> engines = civicpulseServices().values().stream()
                .filter(s -> strings(s.path("command")).get(0).equals("streams")).toList();
        assertThat(engines).hasSize(2);
        assertThat(engines.stream().map(s -> optionValue(s.path("command"), "--application-id")).distinct()).hasSize(1);
        assertThat(engines.stream().map(s -> s.path("environment").path("CIVICPULSE_HTTP_ADVERTISED_HOST").asText())
                .distinct().filter(h -> !h.isEmpty())).hasSize(2);
    }

    @Test
    void composeCityFileLoadsAndPointsAtTheSimulateService() throws Exception {
        JsonNode ingest = civicpulseServices().get("ingest");
        String file = optionValue(ingest.path("command"), "--city-config");
        String mount = strings(ingest.path("volumes")).stream().filter(v -> v.split(":")[1].equals(file)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounts " + file));
        Path local = COMPOSE.getParent().resolve(mount.split(":")[0]);
        CityConfig city = CityConfig.load(local);
        assertThat(city.realtimeFeeds()).isNotEmpty();
        city.realtimeFeeds().forEach(f -> assertThat(URI.create(f.url().toString()).getHost()).isEqualTo("simulate"));
        assertThat(compose().path("services").has("simulate")).isTrue();
    }

    @Test
    void kubernetesCityFilesLoad() throws Exception {
        for (Path file : List.of(K8S.resolve("base/city.properties"), K8S.resolve("overlays/production/city.properties"))) {
            assertThat(CityConfig.load(file).realtimeFeeds()).as(file.toString()).isNotEmpty();
        }
    }

    @Test
    void everyFileAKustomizationNamesExists() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path kustomization : files.filter(p -> p.getFileName().toString().equals("kustomization.yaml")).toList()) {
                JsonNode k = YAML.readTree(kustomization.toFile());
                List<String> named = new ArrayList<>(strings(k.path("resources")));
                k.path("configMapGenerator").forEach(g -> named.addAll(strings(g.path("files"))));
                for (String name : named) {
                    assertThat(kustomization.getParent().resolve(name)).as(kustomization + " names " + name).exists();
                }
            }
        }
    }

    // ---- the image ----

    @Test
    void theDockerfileEntrypointRunsTheShadedJarItCopies() throws IOException {
        String dockerfile = Files.readString(Path.of("container", "Dockerfile"));
        Matcher copy = Pattern.compile("(?m)^COPY civicpulse\\.jar (\\S+)$").matcher(dockerfile);
        assertThat(copy.find()).as("COPY of the jar").isTrue();
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(dockerfile);
        assertThat(entrypoint.find()).as("exec-form ENTRYPOINT").isTrue();
        List<String> words = strings(YAML.readTree(entrypoint.group(1)));
        assertThat(words.get(0)).isEqualTo("java");
        assertThat(words.get(words.indexOf("-jar") + 1)).isEqualTo(copy.group(1));
        assertThat(words).anyMatch(w -> w.startsWith("-XX:MaxRAMPercentage="));
        // The jar's own default state directory is ~/.civicpulse: home must be the volume on a read-only root.
        assertThat(words).contains("-Duser.home=/var/lib/civicpulse");
        assertThat(dockerfile).contains("VOLUME /var/lib/civicpulse").containsPattern("(?m)^USER \\$\\{UID}:0$");
    }

    @Test
    void theJibImageRunsTheSameMainClassAsTheShadedJar() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).contains("<mainClass>" + CivicPulseCommand.class.getName() + "</mainClass>")
                .contains("<jvmFlag>-Duser.home=/var/lib/civicpulse</jvmFlag>")
                .contains("<user>10001:0</user>");
        // Bound inside a profile only: the CI build (mvn -B verify) must never pull the base image.
        assertThat(pom.indexOf("jib-maven-plugin")).isGreaterThan(pom.indexOf("<id>image</id>"));
    }

    // ---- helpers ----

    private static void assertRealCommandLine(String where, List<String> args) {
        assertThat(args).as(where + " arguments").isNotEmpty();
        CommandSpec sub = CLI.subcommands().containsKey(args.get(0)) ? CLI.subcommands().get(args.get(0)).getCommandSpec() : null;
        assertThat(sub).as("%s: subcommand %s of %s", where, args.get(0), CLI.subcommands().keySet()).isNotNull();
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-")) {
                continue;
            }
            String name = arg.split("=", 2)[0];
            CommandLine.Model.OptionSpec option = sub.findOption(name);
            assertThat(option).as("%s: option %s of `civicpulse %s`", where, name, args.get(0)).isNotNull();
            if (option.arity().min() > 0 && !arg.contains("=")) {
                assertThat(i + 1).as("%s: %s needs a value", where, name).isLessThan(args.size());
                i++;
            }
        }
        // Required options (ingest's --city-config) must be given.
        sub.requiredArgs().stream().filter(a -> a instanceof CommandLine.Model.OptionSpec)
                .map(a -> ((CommandLine.Model.OptionSpec) a).longestName())
                .forEach(required -> assertThat(args).as(where + " passes required " + required).contains(required));
    }

    private static int port(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError(container.path("name").asText() + ": no port named " + port.asText());
    }

    private static String optionValue(JsonNode command, String option) {
        String value = optionOr(strings(command), option, null);
        assertThat(value).as("value of " + option).isNotNull();
        return value;
    }

    private static String optionOr(List<String> args, String option, String fallback) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(option) && i + 1 < args.size()) {
                return args.get(i + 1);
            }
            if (args.get(i).startsWith(option + "=")) {
                return args.get(i).substring(option.length() + 1);
            }
        }
        return fallback;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static Map<String, JsonNode> kafkaTopics() throws IOException {
        Map<String, JsonNode> topics = new HashMap<>();
        for (JsonNode doc : k8sDocuments()) {
            if (doc.path("kind").asText().equals("KafkaTopic")) {
                String name = doc.path("spec").path("topicName").asText(doc.path("metadata").path("name").asText());
                assertThat(topics.put(name, doc.path("spec"))).as("one KafkaTopic for " + name).isNull();
            }
        }
        return topics;
    }

    /** Containers of the civicpulse image in every workload under deploy/k8s; of one role when role is given. */
    private static List<JsonNode> k8sContainers(String role) throws IOException {
        List<JsonNode> containers = new ArrayList<>();
        for (JsonNode doc : k8sDocuments()) {
            for (JsonNode c : doc.path("spec").path("template").path("spec").path("containers")) {
                if (CIVICPULSE_IMAGE.matcher(c.path("image").asText()).matches()
                        && (role == null || strings(c.path("args")).get(0).equals(role))) {
                    containers.add(c);
                }
            }
        }
        return containers;
    }

    private static List<JsonNode> k8sDocuments() throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = docs.next();
                        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                            documents.add(doc);
                        }
                    }
                }
            }
        }
        assertThat(documents).as("manifests under " + K8S.toAbsolutePath()).isNotEmpty();
        return documents;
    }

    private static JsonNode compose() throws IOException {
        return YAML.readTree(COMPOSE.toFile());
    }

    private static Map<String, JsonNode> civicpulseServices() throws IOException {
        Map<String, JsonNode> services = new HashMap<>();
        compose().path("services").fields().forEachRemaining(e -> {
            String image = e.getValue().path("image").asText();
            if (image.contains("civicpulse")) {
                services.put(e.getKey(), e.getValue());
            }
        });
        return services;
    }
}
