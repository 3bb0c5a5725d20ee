// Geohash (Niemeyer's public-domain scheme): a point as a base-32 string whose
// every character halves the cell in turn along longitude and latitude, so a
// prefix names a larger cell containing it. Used to coarsen device locations for
// statistics (C2.2, inventory field device.location_geohash): at precision 6 a
// cell is about 1.2 km x 0.6 km at the equator, narrower towards the poles.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace yz::collect {

// The cell size the device service keeps (about 1 km, the inventory's promise).
inline constexpr int kLocationGeohashPrecision = 6;

// True for a latitude in [-90, 90] and a longitude in [-180, 180] (no NaN).
bool ValidCoordinates(double lat, double lon);

// The geohash of (lat, lon) with `precision` characters (1..12), or nullopt for
// coordinates outside ValidCoordinates or a precision out of range. A point on a
// cell border belongs to the cell to its north and east, as in the reference
// implementation.
std::optional<std::string> GeohashEncode(double lat, double lon, int precision);

// The bounds of a cell; nullopt if `hash` is empty, longer than 12 characters or
// holds a character outside the geohash alphabet (0-9, b-z without i, l, o).
struct GeohashCell {
  double lat_min, lat_max, lon_min, lon_max;
};
std::optional<GeohashCell> GeohashDecode(std::string_view hash);

}  // namespace yz::collect
