#include "services/auth/crypto/qr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

namespace openlabs::auth {
namespace {

constexpr int kQuietZone = 4;

// The SVG read back into a grid of dark modules, quiet zone included.
struct ModuleGrid {
  int size = 0;
  std::vector<std::vector<bool>> dark;
};

int ViewBoxSize(const std::string& svg) {
  std::smatch match;
  const std::regex view_box(R"re(viewBox="0 0 (\d+) (\d+)")re");
  if (!std::regex_search(svg, match, view_box) || match[1] != match[2]) {
    return 0;
  }
  return std::stoi(match[1]);
}

// Reads back the "M{x} {y}h{n}v1h-{n}z" runs that QrSvg writes.
ModuleGrid ReadGrid(const std::string& svg) {
  ModuleGrid grid;
  grid.size = ViewBoxSize(svg);
  grid.dark.assign(grid.size, std::vector<bool>(grid.size, false));
  const std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), run); it != std::sregex_iterator();
       ++it) {
    const int x = std::stoi((*it)[1]);
    const int y = std::stoi((*it)[2]);
    const int length = std::stoi((*it)[3]);
    for (int i = 0; i < length && y < grid.size && x + i < grid.size; ++i) {
      grid.dark[y][x + i] = true;
    }
  }
  return grid;
}

// A finder pattern: a dark 7x7 ring, a light 5x5 ring, a dark 3x3 centre.
bool HasFinderPattern(const ModuleGrid& grid, int left, int top) {
  for (int dy = 0; dy < 7; ++dy) {
    for (int dx = 0; dx < 7; ++dx) {
      const int ring = std::max(std::abs(dx - 3), std::abs(dy - 3));
      const bool expected_dark = ring != 2;
      if (grid.dark[top + dy][left + dx] != expected_dark) {
        return false;
      }
    }
  }
  return true;
}

bool QuietZoneIsLight(const ModuleGrid& grid) {
  for (int y = 0; y < grid.size; ++y) {
    for (int x = 0; x < grid.size; ++x) {
      const bool in_zone = x < kQuietZone || y < kQuietZone || x >= grid.size - kQuietZone ||
                           y >= grid.size - kQuietZone;
      if (in_zone && grid.dark[y][x]) {
        return false;
      }
    }
  }
  return true;
}

const char kUri[] =
    "otpauth://totp/Open%20Labs:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    "&issuer=Open%20Labs&algorithm=SHA1&digits=6&period=30";

TEST(QrSvgTest, IsStandaloneSvgWithOnePath) {
  const Result<std::string> svg = QrSvg(kUri);

  ASSERT_TRUE(svg.has_value());
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")) << *svg;
  EXPECT_TRUE(svg->ends_with("</svg>"));
  EXPECT_NE(svg->find("shape-rendering=\"crispEdges\""), std::string::npos);
  EXPECT_NE(svg->find("fill=\"#fff\""), std::string::npos);
  EXPECT_NE(svg->find("<path fill=\"#000\" d=\"M"), std::string::npos);
  EXPECT_EQ(svg->find("<path"), svg->rfind("<path"));
}

TEST(QrSvgTest, ViewBoxIsSymbolPlusQuietZone) {
  const Result<std::string> svg = QrSvg(kUri);
  ASSERT_TRUE(svg.has_value());

  const int symbol_size = ViewBoxSize(*svg) - 2 * kQuietZone;

  // Version n has 17 + 4n modules a side.
  EXPECT_GE(symbol_size, 21);
  EXPECT_EQ((symbol_size - 17) % 4, 0) << symbol_size;
}

TEST(QrSvgTest, DrawsFinderPatternsInsideQuietZone) {
  const Result<std::string> svg = QrSvg(kUri);
  ASSERT_TRUE(svg.has_value());
  const ModuleGrid grid = ReadGrid(*svg);
  ASSERT_GT(grid.size, 0);
  const int far = grid.size - kQuietZone - 7;

  EXPECT_TRUE(QuietZoneIsLight(grid));
  EXPECT_TRUE(HasFinderPattern(grid, kQuietZone, kQuietZone));
  EXPECT_TRUE(HasFinderPattern(grid, far, kQuietZone));
  EXPECT_TRUE(HasFinderPattern(grid, kQuietZone, far));
  EXPECT_FALSE(HasFinderPattern(grid, far, far));
}

TEST(QrSvgTest, GrowsWithInput) {
  const Result<std::string> short_svg = QrSvg("a");
  const Result<std::string> long_svg = QrSvg(std::string(500, 'a'));
  ASSERT_TRUE(short_svg.has_value());
  ASSERT_TRUE(long_svg.has_value());

  EXPECT_EQ(ViewBoxSize(*short_svg), 21 + 2 * kQuietZone);
  EXPECT_GT(ViewBoxSize(*long_svg), ViewBoxSize(*short_svg));
}

TEST(QrSvgTest, EncodesLargestInput) {
  const Result<std::string> svg = QrSvg(std::string(2331, 'a'));

  ASSERT_TRUE(svg.has_value());
  EXPECT_EQ(ViewBoxSize(*svg), 177 + 2 * kQuietZone);
}

TEST(QrSvgTest, RejectsEmptyInput) {
  const Result<std::string> svg = QrSvg("");

  ASSERT_FALSE(svg.has_value());
  EXPECT_EQ(svg.error().code, ErrorCode::kInvalidArgument);
}

TEST(QrSvgTest, RejectsTooLongInput) {
  const Result<std::string> svg = QrSvg(std::string(2332, 'a'));

  ASSERT_FALSE(svg.has_value());
  EXPECT_EQ(svg.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace openlabs::auth
