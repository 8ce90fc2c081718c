package io.civicpulse.ingest.simulator.services;

import java.util.List;

/**
 * One service of a simulated city's catalogue.
 *
 * @param online       can be requested online end to end today (the indicator gov.online-service-availability)
 * @param digitalFrom  the simulated day (0-based) from which an offline service goes online: the digital
 *                     projects whose success the city wants to see in its indicators; -1 for never
 * @param feeMinor     the fee in minor units, 0 for free services (no payment)
 * @param open311      reported through Open311 as a service request (potholes, graffiti) rather than a session
 * @param slaHours     the expected time to close an Open311 request
 */
public record SimulatedService(String id, String name, String category, boolean online, int digitalFrom, long feeMinor,
                        boolean open311, int slaHours, double weight) {

    static List<SimulatedService> sofiaCatalogue() {
        return List.of(
                new SimulatedService("address-registration", "Address registration", "civil-registry", true, -1, 500, false, 0, 1.5),
                new SimulatedService("birth-certificate", "Birth certificate copy", "civil-registry", true, -1, 500, false, 0, 1.2),
                new SimulatedService("marriage-certificate", "Marriage certificate copy", "civil-registry", false, 20, 500, false, 0, 0.4),
                new SimulatedService("local-tax-payment", "Local taxes and fees", "taxes", true, -1, 0, false, 0, 3.0),
                new SimulatedService("vehicle-tax", "Vehicle tax", "taxes", true, -1, 0, false, 0, 1.5),
                new SimulatedService("waste-fee", "Household waste fee", "taxes", true, -1, 0, false, 0, 1.0),
                new SimulatedService("parking-permit", "Residential parking permit", "mobility", true, -1, 2000, false, 0, 1.3),
                new SimulatedService("blue-zone-subscription", "Blue zone subscription", "mobility", true, -1, 6000, false, 0, 0.8),
                new SimulatedService("building-permit", "Building permit", "urban-planning", false, 45, 15000, false, 0, 0.3),
                new SimulatedService("sketch-of-property", "Sketch of a property", "urban-planning", true, -1, 3000, false, 0, 0.5),
                new SimulatedService("kindergarten-enrolment", "Kindergarten enrolment", "education", true, -1, 0, false, 0, 0.7),
                new SimulatedService("social-assistance", "Social assistance application", "social", false, -1, 0, false, 0, 0.4),
                new SimulatedService("street-trade-permit", "Street trade permit", "business", false, 30, 8000, false, 0, 0.2),
                new SimulatedService("event-permit", "Public event permit", "culture", false, -1, 4000, false, 0, 0.1),
                new SimulatedService("pothole", "Pothole or damaged road", "streets", true, -1, 0, true, 72, 1.0),
                new SimulatedService("street-light", "Street light out", "streets", true, -1, 0, true, 48, 0.7),
                new SimulatedService("graffiti", "Graffiti removal", "cleaning", true, -1, 0, true, 120, 0.5),
                new SimulatedService("illegal-dumping", "Illegal dumping", "cleaning", true, -1, 0, true, 96, 0.8),
                new SimulatedService("overflowing-bins", "Overflowing waste bins", "cleaning", true, -1, 0, true, 24, 1.2),
                new SimulatedService("fallen-tree", "Fallen tree or branch", "green", true, -1, 0, true, 12, 0.3),
                new SimulatedService("abandoned-vehicle", "Abandoned vehicle", "mobility", true, -1, 0, true, 240, 0.3));
    }

    boolean onlineOn(int day) {
        return online || (digitalFrom >= 0 && day >= digitalFrom);
    }
}
