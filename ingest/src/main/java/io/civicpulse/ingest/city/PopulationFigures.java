package io.civicpulse.ingest.city;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.civicpulse.schemas.reference.AreaPopulation;

/**
 * The resident population of a city and of its districts, as the city file states it: the denominators of the
 * per-100k indicators. Configuration, not code, and not guessed: an area without a figure simply gets no per-capita
 * value.
 *
 * <pre>
 * population.city=1286383                    # the whole city
 * population.district.sredets=31000          # one line per district, ids as in the district:&lt;id&gt; scopes
 * population.as-of=2021-09-07                # the date the figures refer to (required with any figure)
 * population.source=NSI, 2021 census         # optional, shown to whoever reads the values
 * </pre>
 *
 * @param byArea residents by area: {@code city} or {@code district:<id>}
 */
public record PopulationFigures(LocalDate asOf, String source, Map<String, Long> byArea) {

    public static final PopulationFigures NONE = new PopulationFigures(null, null, Map.of());

    private static final String PREFIX = "population.";
    private static final String DISTRICT_PREFIX = PREFIX + "district.";

    public PopulationFigures {
        byArea = Map.copyOf(new TreeMap<>(byArea));
        if (!byArea.isEmpty()) {
            Objects.requireNonNull(asOf, "population.as-of");
        }
        byArea.forEach((area, residents) -> {
            if (residents <= 0) {
                throw new IllegalArgumentException("population of " + area + " must be positive; got " + residents);
            }
        });
    }

    public boolean isEmpty() {
        return byArea.isEmpty();
    }

    /** The figures as the compacted population topic holds them, keyed {@code city/area}. */
    public Map<String, AreaPopulation> records(String city) {
        Map<String, AreaPopulation> records = new TreeMap<>();
        byArea.forEach((area, residents) -> records.put(city + "/" + area, AreaPopulation.newBuilder().setCity(city)
                .setArea(area).setPopulation(residents).setAsOf(asOf).setSource(source).build()));
        return records;
    }

    /** Reads the {@code population.*} keys of a city file (trimmed); none at all is {@link #NONE}. */
    static PopulationFigures fromProperties(Map<String, String> p) {
        Map<String, Long> byArea = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, String> entry : p.entrySet()) {
            String key = entry.getKey();
            if (!key.startsWith(PREFIX) || key.equals(PREFIX + "as-of") || key.equals(PREFIX + "source")) {
                continue;
            }
            String area;
            if (key.equals(PREFIX + "city")) {
                area = "city";
            } else if (key.startsWith(DISTRICT_PREFIX) && key.length() > DISTRICT_PREFIX.length()) {
                String district = key.substring(DISTRICT_PREFIX.length());
                if (!district.matches("[a-z0-9][a-z0-9_-]*")) {
                    throw new IllegalArgumentException(key + ": a district id is lower-case letters, digits, '-' and"
                            + " '_', as in the district:<id> scopes");
                }
                area = "district:" + district;
            } else {
                unknown.add(key);
                continue;
            }
            byArea.put(area, residents(key, entry.getValue()));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown population keys " + unknown + "; expected population.city,"
                    + " population.district.<id>, population.as-of, population.source");
        }
        String asOfText = p.get(PREFIX + "as-of");
        if (byArea.isEmpty()) {
            if (asOfText != null) {
                throw new IllegalArgumentException("population.as-of is set but no population.city or"
                        + " population.district.<id> figure is");
            }
            return NONE;
        }
        if (asOfText == null || asOfText.isEmpty()) {
            throw new IllegalArgumentException("population figures need population.as-of, the date they refer to"
                    + " (YYYY-MM-DD)");
        }
        LocalDate asOf;
        try {
            asOf = LocalDate.parse(asOfText);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("population.as-of must be a date YYYY-MM-DD; got '" + asOfText + "'", e);
        }
        String source = p.get(PREFIX + "source");
        return new PopulationFigures(asOf, source == null || source.isEmpty() ? null : source, byArea);
    }

    private static long residents(String key, String value) {
        try {
            long residents = Long.parseLong(value.replace("_", ""));
            if (residents <= 0) {
                throw new IllegalArgumentException(key + " must be a positive number of residents; got " + value);
            }
            return residents;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number of residents; got '" + value + "'", e);
        }
    }
}
