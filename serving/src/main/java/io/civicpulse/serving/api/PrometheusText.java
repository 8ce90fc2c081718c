package io.civicpulse.serving.api;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import io.civicpulse.streams.aggregation.EngineMetrics;

/**
 * Kafka Streams' metrics and the engine's own in the Prometheus text format (version 0.0.4), for {@code /metrics}.
 * A metric {@code <name>} of group {@code <group>} becomes {@code kafka_<group>_<name>} with its tags as labels; the
 * engine's group becomes {@code civicpulse_<name>}. Values that are not numbers (a few Kafka metrics are strings)
 * and NaN are left out.
 */
final class PrometheusText {

    private static final String ENGINE_PREFIX = "civicpulse_";

    private PrometheusText() {
    }

    static String render(Map<MetricName, ? extends Metric> metrics, Map<String, Double> extra) {
        Map<String, StringBuilder> families = new TreeMap<>();
        Map<String, String> help = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            MetricName name = entry.getKey();
            Object value;
            try {
                value = entry.getValue().metricValue();
            } catch (RuntimeException e) {
                continue; // a gauge of a closed client
            }
            if (!(value instanceof Number number) || Double.isNaN(number.doubleValue())) {
                continue;
            }
            String family = EngineMetrics.GROUP.equals(name.group()) ? ENGINE_PREFIX + sanitize(name.name())
                    : "kafka_" + sanitize(name.group()) + "_" + sanitize(name.name());
            help.putIfAbsent(family, name.description());
            StringBuilder lines = families.computeIfAbsent(family, f -> new StringBuilder());
            lines.append(family).append(labels(name.tags())).append(' ').append(format(number.doubleValue()))
                    .append('\n');
        }
        extra.forEach((family, value) -> families.computeIfAbsent(family, f -> new StringBuilder())
                .append(family).append(' ').append(format(value)).append('\n'));
        StringBuilder text = new StringBuilder();
        families.forEach((family, lines) -> {
            String description = help.getOrDefault(family, "");
            if (!description.isEmpty()) {
                text.append("# HELP ").append(family).append(' ')
                        .append(description.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
            }
            text.append("# TYPE ").append(family).append(family.endsWith("_total") ? " counter" : " gauge")
                    .append('\n').append(lines);
        });
        return text.toString();
    }

    private static String labels(Map<String, String> tags) {
        if (tags.isEmpty()) {
            return "";
        }
        StringBuilder labels = new StringBuilder("{");
        new TreeMap<>(tags).forEach((key, value) -> {
            if (labels.length() > 1) {
                labels.append(',');
            }
            labels.append(sanitize(key)).append("=\"")
                    .append(value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        });
        return labels.append('}').toString();
    }

    static String sanitize(String name) {
        String cleaned = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return Character.isDigit(cleaned.charAt(0)) ? "_" + cleaned : cleaned;
    }

    private static String format(double value) {
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }
}
