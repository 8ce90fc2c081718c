package io.civicpulse.deploy.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.civicpulse.schemas.topics.Topic;

/**
 * Makes the cluster match the topic declarations: creates what is missing with its partitions, cleanup policy
 * and retention; grows partition counts that are too small; reports, but never rewrites, a cleanup policy that
 * differs on an existing topic (changing compaction under running consumers is an operator's decision).
 * Running it twice changes nothing the second time.
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    public enum Action { CREATED, UNCHANGED, PARTITIONS_INCREASED, CONFIG_DIFFERS }

    public record Outcome(String topic, Action action, String detail) {
    }

    private final Admin admin;

    public TopicProvisioner(Admin admin) {
        this.admin = admin;
    }

    /**
     * @param replicationFactor the replication of new topics; capped at the number of brokers so a one-node
     *                          cluster works with the same call as a production one
     */
    public List<Outcome> provision(Collection<Topic<?, ?>> topics, int replicationFactor) throws InterruptedException {
        return provision(topics, replicationFactor, 0);
    }

    /**
     * As {@link #provision(Collection, int)}, and sets {@code min.insync.replicas} on every topic it creates (and
     * reports an existing topic whose value differs).
     *
     * @param minInsyncReplicas 0 leaves the broker's default; else capped at the replication actually used, so that
     *                          a one-broker cluster still accepts {@code acks=all} writes
     */
    public List<Outcome> provision(Collection<Topic<?, ?>> topics, int replicationFactor, int minInsyncReplicas)
            throws InterruptedException {
        try {
            int brokers = admin.describeCluster().nodes().get().size();
            short replication = (short) Math.max(1, Math.min(replicationFactor, brokers));
            Set<String> existing = admin.listTopics().names().get();

            List<NewTopic> toCreate = topics.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), replication)
                            .configs(desiredConfigs(t, replication, minInsyncReplicas)))
                    .toList();
            List<Outcome> outcomes = new ArrayList<>();
            if (!toCreate.isEmpty()) {
                admin.createTopics(toCreate).all().get();
                toCreate.forEach(t -> outcomes.add(new Outcome(t.name(), Action.CREATED,
                        t.numPartitions() + " partitions, " + t.configs())));
            }

            List<Topic<?, ?>> present = topics.stream().filter(t -> existing.contains(t.name())).toList();
            if (!present.isEmpty()) {
                outcomes.addAll(reconcile(present, replication, minInsyncReplicas));
            }
            outcomes.stream().filter(o -> o.action() != Action.UNCHANGED)
                    .forEach(o -> log.info("topic {}: {} ({})", o.topic(), o.action(), o.detail()));
            return outcomes;
        } catch (ExecutionException e) {
            throw new IllegalStateException("provisioning topics failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** The topic's declared configuration, with {@code min.insync.replicas} when one is asked for. */
    static Map<String, String> desiredConfigs(Topic<?, ?> topic, short replication, int minInsyncReplicas) {
        Map<String, String> configs = new LinkedHashMap<>(topic.configs());
        if (minInsyncReplicas > 0) {
            configs.put("min.insync.replicas", String.valueOf(Math.min(minInsyncReplicas, replication)));
        }
        return configs;
    }

    private List<Outcome> reconcile(List<Topic<?, ?>> present, short replication, int minInsyncReplicas)
            throws InterruptedException, ExecutionException {
        Map<String, TopicDescription> descriptions = admin.describeTopics(present.stream().map(Topic::name).toList())
                .allTopicNames().get();
        Map<ConfigResource, Config> configs = admin.describeConfigs(present.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList()).all().get();

        List<Outcome> outcomes = new ArrayList<>();
        for (Topic<?, ?> topic : present) {
            int actual = descriptions.get(topic.name()).partitions().size();
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
            String differing = desiredConfigs(topic, replication, minInsyncReplicas).entrySet().stream()
                    .filter(e -> !e.getValue().equals(valueOf(config, e.getKey())))
                    .map(e -> e.getKey() + " is " + valueOf(config, e.getKey()) + ", declared " + e.getValue())
                    .collect(Collectors.joining("; "));
            if (actual < topic.partitions()) {
                admin.createPartitions(Map.of(topic.name(), NewPartitions.increaseTo(topic.partitions()))).all().get();
                outcomes.add(new Outcome(topic.name(), Action.PARTITIONS_INCREASED,
                        actual + " -> " + topic.partitions()));
            } else if (!differing.isEmpty()) {
                outcomes.add(new Outcome(topic.name(), Action.CONFIG_DIFFERS, differing));
            } else {
                outcomes.add(new Outcome(topic.name(), Action.UNCHANGED, actual + " partitions"));
            }
        }
        return outcomes;
    }

    private static String valueOf(Config config, String key) {
        ConfigEntry entry = config == null ? null : config.get(key);
        return entry == null ? null : entry.value();
    }
}
