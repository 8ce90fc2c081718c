package io.civicpulse.ingest.city;

/**
 * The rectangle a city's vehicles, stops and stations must lie in to be plausible. A position outside it is a
 * feed error (a 0,0 fix, swapped coordinates, another city's vehicle), not a fact to publish.
 */
public record BoundingBox(double south, double west, double north, double east) {

    /** Accepts every valid WGS84 coordinate: for cities configured without bounds. */
    public static final BoundingBox WORLD = new BoundingBox(-90, -180, 90, 180);

    public BoundingBox {
        if (!(south <= north) || !(west <= east) || south < -90 || north > 90 || west < -180 || east > 180) {
            throw new IllegalArgumentException("bounding box must be south,west,north,east in WGS84 degrees with "
                    + "south <= north and west <= east; got " + south + "," + west + "," + north + "," + east);
        }
    }

    /** Parses {@code south,west,north,east}. */
    public static BoundingBox parse(String text) {
        String[] parts = text.split(",");
        if (parts.length != 4) {
            throw new IllegalArgumentException("bounding box must be 'south,west,north,east'; got '" + text + "'");
        }
        try {
            return new BoundingBox(Double.parseDouble(parts[0].trim()), Double.parseDouble(parts[1].trim()),
                    Double.parseDouble(parts[2].trim()), Double.parseDouble(parts[3].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bounding box must be four numbers 'south,west,north,east'; got '"
                    + text + "'", e);
        }
    }

    public boolean contains(double latitude, double longitude) {
        return latitude >= south && latitude <= north && longitude >= west && longitude <= east;
    }
}
