package io.civicpulse.ingest.gtfsrt;

import java.time.Instant;
import java.time.LocalDate;

import io.civicpulse.ingest.city.ServiceDays;
import io.civicpulse.ingest.gtfs.ScheduleIndex;

/**
 * Places realtime predictions on the static schedule, with the rules Sofia's feed needs and that hold for
 * well-behaved feeds too:
 * <ul>
 * <li>an empty {@code start_date} is derived from the feed time in the city's zone, the service day changing at
 * its configured start (04:00: a trip at 00:30 belongs to the previous day). Of that day and its neighbours, the
 * one on which the trip runs with its schedule closest to the prediction wins, so a 04:05 trip predicted at 03:55
 * is not placed a day early;</li>
 * <li>a stop is matched by {@code stop_sequence} only when the schedule has that sequence at that stop; otherwise
 * (Sofia always sends 0) on (trip, stop), and for a stop the trip visits twice (loop routes), on the visit whose
 * scheduled time is closest to the predicted time;</li>
 * <li>a frequency-based trip's template is shifted to the run given by {@code start_time}.</li>
 * </ul>
 */
final class TripMatcher {

    /** A stop time update placed on the schedule: which visit, and its scheduled instants. */
    record StopMatch(int position, String stopId, Instant scheduledArrival, Instant scheduledDeparture) {
    }

    private final ScheduleIndex schedule;
    private final ServiceDays days;

    TripMatcher(ScheduleIndex schedule, ServiceDays days) {
        this.schedule = schedule;
        this.days = days;
    }

    /**
     * The service date of a trip whose feed leaves {@code start_date} empty.
     *
     * @param trip     the trip's schedule index, or -1 when unknown
     * @param observed the first predicted time of the update, else the feed time
     */
    LocalDate deriveServiceDate(int trip, Instant feedTime, Instant observed) {
        LocalDate byClock = days.serviceDate(feedTime);
        if (schedule == null || trip < 0 || schedule.stopTimeCount(trip) == 0) {
            return byClock;
        }
        LocalDate best = byClock;
        long bestDistance = Long.MAX_VALUE;
        // The clock's day is tried first so that it wins ties.
        for (LocalDate candidate : new LocalDate[] {byClock, byClock.minusDays(1), byClock.plusDays(1)}) {
            if (!schedule.runsOn(trip, candidate)) {
                continue;
            }
            long distance = distanceToTrip(trip, candidate, observed);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** Seconds from the instant to the trip's scheduled span on the date (0 inside it). */
    private long distanceToTrip(int trip, LocalDate date, Instant observed) {
        int last = schedule.stopTimeCount(trip) - 1;
        long first = days.at(date, schedule.departure(trip, 0)).getEpochSecond();
        long end = days.at(date, schedule.arrival(trip, last)).getEpochSecond();
        long t = observed.getEpochSecond();
        return t < first ? first - t : t > end ? t - end : 0;
    }

    /**
     * Places one stop time update.
     *
     * @param stopSequence  the update's stop_sequence, or -1 when absent
     * @param stopId        the update's stop_id, or null when absent
     * @param predicted     the predicted arrival, else departure; null when the update has only delays
     * @param fromPosition  the position after the previous matched update: where a time-less update is looked for
     * @param shiftSeconds  shift of a frequency-based trip's template to its run (0 otherwise)
     * @return null when the stop is not part of the trip
     */
    StopMatch match(int trip, LocalDate serviceDate, int stopSequence, String stopId, Instant predicted,
                    int fromPosition, int shiftSeconds) {
        int position = -1;
        if (stopSequence >= 0) {
            int bySequence = schedule.positionOfSequence(trip, stopSequence);
            if (bySequence >= 0 && (stopId == null || stopId.equals(schedule.stopId(trip, bySequence)))) {
                position = bySequence;
            }
        }
        if (position < 0 && stopId != null) {
            position = closestVisit(trip, serviceDate, stopId, predicted, fromPosition, shiftSeconds);
        }
        if (position < 0) {
            return null;
        }
        return new StopMatch(position, schedule.stopId(trip, position),
                days.at(serviceDate, schedule.arrival(trip, position) + shiftSeconds),
                days.at(serviceDate, schedule.departure(trip, position) + shiftSeconds));
    }

    private int closestVisit(int trip, LocalDate serviceDate, String stopId, Instant predicted, int fromPosition,
                             int shiftSeconds) {
        int[] visits = schedule.visits(trip, stopId);
        if (visits.length <= 1) {
            return visits.length == 0 ? -1 : visits[0];
        }
        if (predicted == null) {
            for (int visit : visits) {
                if (visit >= fromPosition) {
                    return visit;
                }
            }
            return visits[visits.length - 1];
        }
        int best = visits[0];
        long bestDistance = Long.MAX_VALUE;
        for (int visit : visits) {
            long scheduled = days.at(serviceDate, schedule.arrival(trip, visit) + shiftSeconds).getEpochSecond();
            long distance = Math.abs(scheduled - predicted.getEpochSecond());
            if (distance < bestDistance) {
                best = visit;
                bestDistance = distance;
            }
        }
        return best;
    }
}
