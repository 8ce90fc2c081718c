package io.civicpulse.ingest.simulator;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.civicpulse.ingest.simulator.TransitNetwork.Route;

/**
 * The service alerts of a simulated city: a few a day per twelve routes, each announced up to an hour before its
 * active period, served until the period ends and then cleared from the feed. Deterministic per seed and date.
 */
public final class AlertPlan {

    /**
     * @param announceAt epoch second from which the alert is in the feed
     * @param start      epoch second at which its active period starts
     * @param end        epoch second at which its active period ends and it leaves the feed
     * @param stopId     the one stop it concerns, or null for the whole route
     */
    public record PlannedAlert(String id, String routeId, String stopId, String cause, String effect, long announceAt,
                               long start, long end, String headerLocal, String headerEnglish,
                               String descriptionLocal) {

        public boolean servedAt(long epochSecond) {
            return announceAt <= epochSecond && epochSecond < end;
        }

        public boolean activeAt(long epochSecond) {
            return start <= epochSecond && epochSecond < end;
        }
    }

    private static final String[] CAUSES = {"CONSTRUCTION", "ACCIDENT", "TECHNICAL_PROBLEM", "STRIKE", "WEATHER",
        "MAINTENANCE", "POLICE_ACTIVITY"};
    private static final String[] EFFECTS = {"DETOUR", "REDUCED_SERVICE", "SIGNIFICANT_DELAYS", "STOP_MOVED",
        "NO_SERVICE"};

    private final TransitNetwork network;
    private final List<Route> alertable;

    AlertPlan(TransitNetwork network) {
        this.network = network;
        this.alertable = network.routes().stream().filter(Route::realtime).toList();
    }

    /** Alerts whose day (in the city's zone) is {@code date}. */
    public List<PlannedAlert> plannedFor(LocalDate date) {
        SplittableRandom r = new SplittableRandom(TripRun.mix(network.seed(), date.toEpochDay(), -17));
        int count = Math.max(2, network.routes().size() / 12);
        long midnight = date.atStartOfDay(network.city().zone()).toEpochSecond();
        boolean bg = network.city().language().equals("bg");
        List<PlannedAlert> alerts = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            Route route = alertable.get(r.nextInt(alertable.size()));
            String stopId = null;
            if (r.nextDouble() < 0.4) {
                TransitNetwork.Pattern p = network.patterns().stream()
                        .filter(pp -> pp.routeIndex() == route.index()).findFirst().orElseThrow();
                stopId = network.stops().get(p.stopAt(r.nextInt(p.size()))).id();
            }
            String cause = CAUSES[r.nextInt(CAUSES.length)];
            String effect = EFFECTS[r.nextInt(EFFECTS.length)];
            long start = midnight + 5 * 3600 + r.nextInt(16 * 3600);
            long end = start + 20 * 60 + r.nextInt(4 * 3600);
            long announce = start - r.nextInt(3600);
            String what = (stopId == null ? "" : " (" + stopId + ")");
            String local = bg ? "Линия " + route.shortName() + ": " + bgEffect(effect) + what
                    : "Línea " + route.shortName() + ": " + esEffect(effect) + what;
            String english = "Route " + route.shortName() + ": " + effect.toLowerCase(java.util.Locale.ROOT)
                    .replace('_', ' ') + what;
            alerts.add(new PlannedAlert(Long.toString(date.toEpochDay() * 100 + k), route.id(), stopId, cause, effect,
                    announce, start, end, local, english, local + " (" + cause.toLowerCase(java.util.Locale.ROOT)
                    .replace('_', ' ') + ")"));
        }
        return alerts;
    }

    /** Alerts in the feed at an instant: announced, and their period not yet over. */
    public List<PlannedAlert> servedAt(Instant t) {
        long s = t.getEpochSecond();
        LocalDate today = LocalDate.ofInstant(t, network.city().zone());
        List<PlannedAlert> served = new ArrayList<>();
        for (LocalDate d = today.minusDays(1); !d.isAfter(today.plusDays(1)); d = d.plusDays(1)) {
            for (PlannedAlert a : plannedFor(d)) {
                if (a.servedAt(s)) {
                    served.add(a);
                }
            }
        }
        return served;
    }

    private static String bgEffect(String effect) {
        return switch (effect) {
            case "DETOUR" -> "обходен маршрут";
            case "REDUCED_SERVICE" -> "намален брой курсове";
            case "SIGNIFICANT_DELAYS" -> "значителни закъснения";
            case "STOP_MOVED" -> "преместена спирка";
            default -> "временно спиране на движението";
        };
    }

    private static String esEffect(String effect) {
        return switch (effect) {
            case "DETOUR" -> "desvío";
            case "REDUCED_SERVICE" -> "servicio reducido";
            case "SIGNIFICANT_DELAYS" -> "retrasos importantes";
            case "STOP_MOVED" -> "parada trasladada";
            default -> "servicio suspendido";
        };
    }
}
