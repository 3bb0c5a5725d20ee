#include "collect/geohash.h"

namespace yz::collect {
namespace {

constexpr std::string_view kAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
constexpr int kMaxPrecision = 12;  // 60 bits: well under a metre, beyond any use here

}  // namespace

bool ValidCoordinates(double lat, double lon) {
  // Comparisons with NaN are false, so NaN fails here too.
  return lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0;
}

std::optional<std::string> GeohashEncode(double lat, double lon, int precision) {
  if (!ValidCoordinates(lat, lon) || precision < 1 || precision > kMaxPrecision) {
    return std::nullopt;
  }
  double lat_lo = -90.0, lat_hi = 90.0, lon_lo = -180.0, lon_hi = 180.0;
  std::string out;
  out.reserve(static_cast<std::size_t>(precision));
  bool even = true;  // even bits split longitude, odd bits latitude
  int bits = 0, ch = 0;
  while (static_cast<int>(out.size()) < precision) {
    double& lo = even ? lon_lo : lat_lo;
    double& hi = even ? lon_hi : lat_hi;
    const double value = even ? lon : lat;
    const double mid = (lo + hi) / 2;
    ch <<= 1;
    if (value >= mid) {
      ch |= 1;
      lo = mid;
    } else {
      hi = mid;
    }
    even = !even;
    if (++bits == 5) {
      out.push_back(kAlphabet[static_cast<std::size_t>(ch)]);
      bits = 0;
      ch = 0;
    }
  }
  return out;
}

std::optional<GeohashCell> GeohashDecode(std::string_view hash) {
  if (hash.empty() || hash.size() > static_cast<std::size_t>(kMaxPrecision)) return std::nullopt;
  GeohashCell cell{-90.0, 90.0, -180.0, 180.0};
  bool even = true;
  for (char c : hash) {
    const auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    for (int bit = 4; bit >= 0; --bit) {
      double& lo = even ? cell.lon_min : cell.lat_min;
      double& hi = even ? cell.lon_max : cell.lat_max;
      const double mid = (lo + hi) / 2;
      if ((v >> bit) & 1) {
        lo = mid;
      } else {
        hi = mid;
      }
      even = !even;
    }
  }
  return cell;
}

}  // namespace yz::collect
