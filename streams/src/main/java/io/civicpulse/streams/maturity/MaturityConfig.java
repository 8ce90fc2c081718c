package io.civicpulse.streams.maturity;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import io.civicpulse.schemas.indicators.IndicatorDirection;
import io.civicpulse.streams.catalogue.IndicatorCatalogue;
import io.civicpulse.streams.catalogue.IndicatorDefinition;
import io.civicpulse.streams.windows.WindowSpec;

/**
 * How the indicators become a maturity index: which indicators are scored, in which dimension, with which weight,
 * floor (scores 0) and target (scores 100), and which windows are scored. One versioned file, with a shipped default
 * ({@code maturity-default.properties} beside this class); {@code civicpulse.maturity.config} names another.
 *
 * <p>The file also states each scored indicator's unit and direction. They are checked against the engine's
 * catalogue, so a file written for another meaning of an indicator is refused at start-up instead of scoring, say,
 * seconds against a target in hours. Every problem is reported with its line.
 *
 * <pre>
 * version = 2026.12-1
 * windows = PT24H, P1D-calendar, PT1H
 * dimension.public-services.name = Digital public services
 * dimension.public-services.weight = 1
 * indicator.gov.e-payment-share.dimension = public-services
 * indicator.gov.e-payment-share.name = Electronic payments
 * indicator.gov.e-payment-share.unit = %
 * indicator.gov.e-payment-share.direction = higher
 * indicator.gov.e-payment-share.weight = 1
 * indicator.gov.e-payment-share.floor = 20
 * indicator.gov.e-payment-share.target = 90
 * </pre>
 *
 * @param windows the scored windows, the first being the headline one (what a city's "current level" means)
 * @param names   a human-readable name for every indicator the file names, scored or not
 */
public record MaturityConfig(String version, String source, List<String> windows, List<Dimension> dimensions,
                             Map<String, String> names, Map<String, ScoredIndicator> scoredById) {

    /** The setting that names a configuration file instead of the shipped default. */
    public static final String SETTING = "civicpulse.maturity.config";
    private static final String DEFAULT_RESOURCE = "maturity-default.properties";

    /** A dimension of the self-assessment and the indicators scored in it, in file order. */
    public record Dimension(String id, String name, double weight, List<ScoredIndicator> indicators) {
        public Dimension {
            indicators = List.copyOf(indicators);
        }
    }

    /** An indicator's place in the index. For a lower-is-better indicator the floor lies above the target. */
    public record ScoredIndicator(String indicatorId, String dimensionId, double weight, double floor,
                                  double target) {

        /** 0-100: the value placed linearly between floor (0) and target (100), clamped. */
        public double score(double value) {
            double share = (value - floor) / (target - floor);
            return Math.max(0, Math.min(1, share)) * 100;
        }
    }

    public MaturityConfig {
        Objects.requireNonNull(version, "version");
        windows = List.copyOf(windows);
        dimensions = List.copyOf(dimensions);
        names = Map.copyOf(names);
        scoredById = Map.copyOf(scoredById);
    }

    /**
     * A configuration of these dimensions; the index by indicator id is derived from them (every published value
     * looks its indicator up).
     */
    public MaturityConfig(String version, String source, List<String> windows, List<Dimension> dimensions,
                          Map<String, String> names) {
        this(version, source, windows, dimensions, names, dimensions.stream()
                .flatMap(dimension -> dimension.indicators().stream())
                .collect(java.util.stream.Collectors.toMap(ScoredIndicator::indicatorId, indicator -> indicator)));
    }

    /** The shipped default configuration. */
    public static MaturityConfig defaults() {
        try (InputStream in = MaturityConfig.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the classpath");
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8), DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The configuration a setting names, or the default when {@link #SETTING} is not set. */
    public static MaturityConfig from(Map<String, ?> settings) {
        Object path = settings.get(SETTING);
        if (path == null || path.toString().isBlank()) {
            return defaults();
        }
        return load(Path.of(path.toString().trim()));
    }

    public static MaturityConfig load(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(reader, file.toString());
        } catch (IOException e) {
            throw new MaturityConfigException(file.toString(), 0, "cannot be read: " + e.getMessage());
        }
    }

    /** The headline window: what "the city's current level" is computed over. */
    public String scoredWindow() {
        return windows.get(0);
    }

    /** The scoring of an indicator, when the configuration scores it. */
    public Optional<ScoredIndicator> scored(String indicatorId) {
        return Optional.ofNullable(scoredById.get(indicatorId));
    }

    /** The name a person reads for an indicator: the file's, or its id when the file names none. */
    public String nameOf(String indicatorId) {
        return names.getOrDefault(indicatorId, indicatorId);
    }

    /**
     * The longest settle time of the scored indicators: the finals of a period are all out once the city's clock has
     * passed the period's end by this much more than by the grace period.
     */
    public Duration longestSettle() {
        Duration longest = Duration.ZERO;
        for (Dimension dimension : dimensions) {
            for (ScoredIndicator indicator : dimension.indicators()) {
                Duration settle = IndicatorCatalogue.require(indicator.indicatorId()).settle();
                if (settle.compareTo(longest) > 0) {
                    longest = settle;
                }
            }
        }
        return longest;
    }

    /** Checks that the engine publishes every scored window; the engine refuses to start otherwise. */
    public void requireWindowsAmong(List<WindowSpec> engineWindows) {
        List<String> labels = engineWindows.stream().map(WindowSpec::label).toList();
        for (String window : windows) {
            if (!labels.contains(window)) {
                throw new MaturityConfigException(source, 0, "window " + window
                        + " is scored but the engine does not compute it (civicpulse.windows = " + labels + ")");
            }
        }
    }

    private static final Pattern DIMENSION_ID = Pattern.compile("[a-z0-9][a-z0-9-]*");

    /**
     * Parses a configuration: {@code key = value} lines, {@code #} or {@code !} comments, blank lines; no
     * continuation lines or escapes, so that every value is on the line the error names.
     *
     * @throws MaturityConfigException at the first line that cannot be used
     */
    public static MaturityConfig parse(Reader reader, String source) {
        Parser parser = new Parser(source);
        try {
            BufferedReader lines = new BufferedReader(reader);
            String line;
            int number = 0;
            while ((line = lines.readLine()) != null) {
                parser.line(++number, line);
            }
        } catch (IOException e) {
            throw new MaturityConfigException(source, 0, "cannot be read: " + e.getMessage());
        }
        return parser.build();
    }

    /** The state of one parse: what each line declared, and the line that declared it. */
    private static final class Parser {
        private final String source;
        private final Map<String, Integer> seen = new LinkedHashMap<>();
        private String version;
        private int windowsLine;
        private final List<String> windows = new ArrayList<>();
        private final Map<String, DimensionDraft> dimensions = new LinkedHashMap<>();
        private final Map<String, IndicatorDraft> indicators = new LinkedHashMap<>();

        Parser(String source) {
            this.source = source;
        }

        void line(int number, String raw) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                return;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw error(number, "expected key = value, got: " + abbreviate(line));
            }
            String key = line.substring(0, equals).strip();
            String value = line.substring(equals + 1).strip();
            Integer earlier = seen.putIfAbsent(key, number);
            if (earlier != null) {
                throw error(number, key + " is set twice (first on line " + earlier + ")");
            }
            if (value.isEmpty()) {
                throw error(number, key + " has no value");
            }
            if (key.equals("version")) {
                version = value;
            } else if (key.equals("windows")) {
                windowsLine = number;
                for (String window : value.split(",")) {
                    String label = window.strip();
                    if (!label.equals(WindowSpec.CALENDAR_DAY_LABEL)) {
                        try {
                            Duration.parse(label);
                        } catch (RuntimeException e) {
                            throw error(number, "not a window (PT15M, PT1H, PT24H or P1D-calendar): " + label);
                        }
                    }
                    if (windows.contains(label)) {
                        throw error(number, "window " + label + " is listed twice");
                    }
                    windows.add(label);
                }
            } else if (key.startsWith("dimension.")) {
                dimension(number, key, value);
            } else if (key.startsWith("indicator.")) {
                indicator(number, key, value);
            } else {
                throw error(number, "unknown key " + key + " (expected version, windows, dimension.<id>.<name|weight>"
                        + " or indicator.<id>.<dimension|name|unit|direction|weight|floor|target>)");
            }
        }

        private void dimension(int number, String key, String value) {
            int lastDot = key.lastIndexOf('.');
            String id = key.substring("dimension.".length(), Math.max("dimension.".length(), lastDot));
            String attribute = key.substring(lastDot + 1);
            if (!DIMENSION_ID.matcher(id).matches()) {
                throw error(number, "dimension id must be lower-case letters, digits and '-': " + abbreviate(id));
            }
            DimensionDraft draft = dimensions.computeIfAbsent(id, d -> new DimensionDraft(d, number));
            switch (attribute) {
                case "name" -> draft.name = value;
                case "weight" -> draft.weight = positive(number, key, value);
                default -> throw error(number, "unknown dimension attribute " + attribute + " (name or weight)");
            }
        }

        private void indicator(int number, String key, String value) {
            int lastDot = key.lastIndexOf('.');
            String id = key.substring("indicator.".length(), Math.max("indicator.".length(), lastDot));
            String attribute = key.substring(lastDot + 1);
            IndicatorDefinition definition = IndicatorCatalogue.find(id).orElseThrow(() -> error(number,
                    "no indicator " + abbreviate(id) + " in catalogue " + IndicatorCatalogue.VERSION));
            IndicatorDraft draft = indicators.computeIfAbsent(id, i -> new IndicatorDraft(definition, number));
            switch (attribute) {
                case "dimension" -> {
                    draft.dimension = value;
                    draft.dimensionLine = number;
                }
                case "name" -> draft.name = value;
                case "unit" -> {
                    if (!value.equals(definition.unit())) {
                        throw error(number, id + " is measured in " + definition.unit() + " by catalogue "
                                + IndicatorCatalogue.VERSION + ", not " + value);
                    }
                    draft.unitChecked = true;
                }
                case "direction" -> {
                    IndicatorDirection direction = direction(number, value);
                    if (direction != definition.direction()) {
                        throw error(number, id + " is " + definition.direction() + " in catalogue "
                                + IndicatorCatalogue.VERSION + ", not " + direction);
                    }
                    draft.directionChecked = true;
                }
                case "weight" -> draft.weight = positive(number, key, value);
                case "floor" -> {
                    draft.floor = number(number, key, value);
                    draft.floorLine = number;
                }
                case "target" -> {
                    draft.target = number(number, key, value);
                    draft.targetLine = number;
                }
                default -> throw error(number, "unknown indicator attribute " + attribute
                        + " (dimension, name, unit, direction, weight, floor or target)");
            }
        }

        MaturityConfig build() {
            if (version == null) {
                throw error(0, "no version: every configuration says which version it is (version = ...)");
            }
            if (windows.isEmpty()) {
                throw error(windowsLine, "no windows to score (windows = PT24H, ...)");
            }
            Map<String, List<ScoredIndicator>> byDimension = new LinkedHashMap<>();
            dimensions.keySet().forEach(id -> byDimension.put(id, new ArrayList<>()));
            Map<String, String> names = new LinkedHashMap<>();
            for (IndicatorDraft draft : indicators.values()) {
                String id = draft.definition.id();
                if (draft.name != null) {
                    names.put(id, draft.name);
                }
                if (draft.dimension == null) {
                    if (draft.weight != null || draft.floor != null || draft.target != null) {
                        throw error(draft.firstLine, id + " has a weight, floor or target but no dimension");
                    }
                    continue;
                }
                List<ScoredIndicator> scored = byDimension.get(draft.dimension);
                if (scored == null) {
                    throw error(draft.dimensionLine, "no dimension " + draft.dimension + " (declare"
                            + " dimension." + draft.dimension + ".name and .weight)");
                }
                if (draft.floor == null || draft.target == null) {
                    throw error(draft.firstLine, id + " is scored but has no " + (draft.floor == null ? "floor"
                            : "target"));
                }
                if (!draft.unitChecked || !draft.directionChecked) {
                    throw error(draft.firstLine, id + " is scored: state its unit (" + draft.definition.unit()
                            + ") and direction, so that the file is checked against the catalogue");
                }
                boolean higherIsBetter = draft.definition.direction() == IndicatorDirection.HIGHER_IS_BETTER;
                if (higherIsBetter ? draft.target <= draft.floor : draft.target >= draft.floor) {
                    throw error(draft.targetLine, id + " is " + (higherIsBetter ? "higher" : "lower")
                            + "-is-better, so its target must lie " + (higherIsBetter ? "above" : "below")
                            + " its floor (floor " + draft.floor + " on line " + draft.floorLine + ", target "
                            + draft.target + ")");
                }
                scored.add(new ScoredIndicator(id, draft.dimension, draft.weight == null ? 1 : draft.weight,
                        draft.floor, draft.target));
            }
            List<Dimension> built = new ArrayList<>();
            for (DimensionDraft draft : dimensions.values()) {
                if (draft.name == null || draft.weight == null) {
                    throw error(draft.firstLine, "dimension " + draft.id + " needs a name and a weight");
                }
                if (byDimension.get(draft.id).isEmpty()) {
                    throw error(draft.firstLine, "dimension " + draft.id + " has no indicator");
                }
                built.add(new Dimension(draft.id, draft.name, draft.weight, byDimension.get(draft.id)));
            }
            if (built.isEmpty()) {
                throw error(0, "no dimension: nothing would be scored");
            }
            return new MaturityConfig(version, source, windows, built, names);
        }

        private IndicatorDirection direction(int number, String value) {
            return switch (value.toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "higher", "higher-is-better" -> IndicatorDirection.HIGHER_IS_BETTER;
                case "lower", "lower-is-better" -> IndicatorDirection.LOWER_IS_BETTER;
                default -> throw error(number, "direction must be higher or lower, got " + abbreviate(value));
            };
        }

        private double number(int number, String key, String value) {
            try {
                double parsed = Double.parseDouble(value);
                if (Double.isFinite(parsed)) {
                    return parsed;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(number, key + " is not a number: " + abbreviate(value));
        }

        private double positive(int number, String key, String value) {
            double parsed = number(number, key, value);
            if (parsed <= 0) {
                throw error(number, key + " must be positive, got " + value);
            }
            return parsed;
        }

        private MaturityConfigException error(int number, String reason) {
            return new MaturityConfigException(source, number, reason);
        }

        private static String abbreviate(String text) {
            return text.length() <= 80 ? text : text.substring(0, 80) + "...";
        }
    }

    private static final class DimensionDraft {
        final String id;
        final int firstLine;
        String name;
        Double weight;

        DimensionDraft(String id, int firstLine) {
            this.id = id;
            this.firstLine = firstLine;
        }
    }

    private static final class IndicatorDraft {
        final IndicatorDefinition definition;
        final int firstLine;
        String dimension;
        int dimensionLine;
        String name;
        boolean unitChecked;
        boolean directionChecked;
        Double weight;
        Double floor;
        int floorLine;
        Double target;
        int targetLine;

        IndicatorDraft(IndicatorDefinition definition, int firstLine) {
            this.definition = definition;
            this.firstLine = firstLine;
        }
    }
}
