// The pure rules behind device locations and update checks (C2.2): geohash cells
// and app version ordering.
#include "collect/geohash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "collect/app_version.h"

namespace yz::collect {
namespace {

// C2.2: the reference values of the geohash scheme.
TEST(GeohashTest, EncodesKnownPoints) {
  EXPECT_EQ(GeohashEncode(42.6, -5.6, 5), "ezs42");
  EXPECT_EQ(GeohashEncode(57.64911, 10.40744, 11), "u4pruydqqvj");
  EXPECT_EQ(GeohashEncode(0, 0, 1), "s");
  EXPECT_EQ(GeohashEncode(-90, -180, 4), "0000");
  EXPECT_EQ(GeohashEncode(90, 180, 4), "zzzz");
}

// C2.2: the statistics cell is 6 characters, a prefix of the finer cells.
TEST(GeohashTest, PrecisionSixIsAPrefixOfFinerCells) {
  auto six = GeohashEncode(39.904211, 116.407395, kLocationGeohashPrecision);
  auto twelve = GeohashEncode(39.904211, 116.407395, 12);
  ASSERT_TRUE(six && twelve);
  EXPECT_EQ(six->size(), 6u);
  EXPECT_EQ(twelve->substr(0, 6), *six);
  EXPECT_EQ(six->substr(0, 4), "wx4g");  // central Beijing
}

// C2.2: a precision-6 cell is about 1.2 km by 0.6 km at the equator, and holds its point.
TEST(GeohashTest, PrecisionSixCellIsAboutOneKilometre) {
  auto hash = GeohashEncode(0.01, 0.01, kLocationGeohashPrecision);
  ASSERT_TRUE(hash);
  auto cell = GeohashDecode(*hash);
  ASSERT_TRUE(cell);
  constexpr double kKmPerDegree = 111.32;
  EXPECT_NEAR((cell->lon_max - cell->lon_min) * kKmPerDegree, 1.22, 0.01);
  EXPECT_NEAR((cell->lat_max - cell->lat_min) * kKmPerDegree, 0.61, 0.01);
  EXPECT_LE(cell->lat_min, 0.01);
  EXPECT_GT(cell->lat_max, 0.01);
  EXPECT_LE(cell->lon_min, 0.01);
  EXPECT_GT(cell->lon_max, 0.01);
}

TEST(GeohashTest, DecodeContainsTheEncodedPoint) {
  auto cell = GeohashDecode("ezs42");
  ASSERT_TRUE(cell);
  EXPECT_LE(cell->lat_min, 42.6);
  EXPECT_GT(cell->lat_max, 42.6);
  EXPECT_LE(cell->lon_min, -5.6);
  EXPECT_GT(cell->lon_max, -5.6);
  EXPECT_FALSE(GeohashDecode(""));
  EXPECT_FALSE(GeohashDecode("ezs4a"));  // 'a' is not in the alphabet
  EXPECT_FALSE(GeohashDecode("0123456789bcd"));
}

// C2.2: out-of-range coordinates are refused, never clamped.
TEST(GeohashTest, RefusesInvalidCoordinatesAndPrecisions) {
  EXPECT_FALSE(GeohashEncode(90.0001, 0, 6));
  EXPECT_FALSE(GeohashEncode(-90.0001, 0, 6));
  EXPECT_FALSE(GeohashEncode(0, 180.0001, 6));
  EXPECT_FALSE(GeohashEncode(0, -180.0001, 6));
  EXPECT_FALSE(GeohashEncode(std::nan(""), 0, 6));
  EXPECT_FALSE(GeohashEncode(0, std::numeric_limits<double>::infinity(), 6));
  EXPECT_FALSE(GeohashEncode(0, 0, 0));
  EXPECT_FALSE(GeohashEncode(0, 0, 13));
  EXPECT_FALSE(ValidCoordinates(std::nan(""), 0));
  EXPECT_TRUE(ValidCoordinates(-90, 180));
}

AppVersion V(std::string_view text) {
  auto v = AppVersion::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : *AppVersion::Parse("0");
}

// C2.2: versions compare numerically per component, not as text.
TEST(AppVersionTest, ComparesNumericallyPerComponent) {
  EXPECT_GT(V("1.10.0"), V("1.9.3"));
  EXPECT_LT(V("1.9.3"), V("1.10.0"));
  EXPECT_GT(V("2"), V("1.99.99"));
  EXPECT_GT(V("1.0.1"), V("1.0"));
  EXPECT_EQ(V("1.2"), V("1.2.0"));
  EXPECT_EQ(V("1.2.0.0"), V("1.2"));
  EXPECT_EQ(V("01.02"), V("1.2"));
  EXPECT_LT(V("0.9"), V("0.10"));
  EXPECT_EQ(V("999999999.0"), V("999999999"));
}

TEST(AppVersionTest, CoarsensToMajorMinor) {
  EXPECT_EQ(V("1.10.3").MajorMinor(), "1.10");
  EXPECT_EQ(V("2").MajorMinor(), "2.0");
  EXPECT_EQ(V("01.002.3").ToString(), "1.2.3");
}

// C2.2: a malformed version is refused (the API answers 400).
TEST(AppVersionTest, RefusesMalformedVersions) {
  for (const char* bad : {"", ".", "1.", ".1", "1..2", "v1.2", "1.2-beta", "1.2 ", " 1.2", "1,2",
                          "1.2.3.4.5.6.7.8.9", "1234567890", "1.-2", "１.2"}) {
    auto v = AppVersion::Parse(bad);
    EXPECT_FALSE(v.ok()) << '"' << bad << '"';
    if (!v.ok()) {
      EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
    }
  }
  EXPECT_TRUE(AppVersion::Parse("1.2.3.4.5.6.7.8").ok());
  EXPECT_TRUE(AppVersion::Parse("123456789").ok());
}

TEST(AppVersionTest, ReleaseNamesAreLowerCaseTokens) {
  EXPECT_TRUE(WellFormedReleaseName("android"));
  EXPECT_TRUE(WellFormedReleaseName("harmony_os-next"));
  EXPECT_FALSE(WellFormedReleaseName(""));
  EXPECT_FALSE(WellFormedReleaseName("Android"));
  EXPECT_FALSE(WellFormedReleaseName("ios beta"));
  EXPECT_FALSE(WellFormedReleaseName(std::string(33, 'a')));
}

}  // namespace
}  // namespace yz::collect
