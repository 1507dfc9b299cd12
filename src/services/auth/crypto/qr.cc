#include "services/auth/crypto/qr.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace openlabs::auth {
namespace {

// The margin of light modules that ISO/IEC 18004 requires around the symbol.
constexpr int kQuietZone = 4;
// The byte capacity of the largest QR code (version 40) at error correction level M.
constexpr size_t kMaxBytes = 2331;

struct QrcodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
using QrcodePtr = std::unique_ptr<QRcode, QrcodeDeleter>;

bool IsDark(const QRcode& code, int x, int y) {
  // Bit 0 of each module byte is the colour, and the other bits describe the module's role.
  return (code.data[y * code.width + x] & 1) != 0;
}

// Draws each horizontal run of dark modules as one rectangle, which keeps the path short.
std::string ModulesPath(const QRcode& code) {
  std::string path;
  for (int y = 0; y < code.width; ++y) {
    int x = 0;
    while (x < code.width) {
      if (!IsDark(code, x, y)) {
        ++x;
        continue;
      }
      const int run_start = x;
      while (x < code.width && IsDark(code, x, y)) {
        ++x;
      }
      const std::string run = std::to_string(x - run_start);
      path += "M" + std::to_string(run_start + kQuietZone) + " " + std::to_string(y + kQuietZone) +
              "h" + run + "v1h-" + run + "z";
    }
  }
  return path;
}

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty()) {
    return Fail(Error::InvalidArgument("The text to encode as a QR code is empty."));
  }
  if (text.size() > kMaxBytes) {
    return Fail(Error::InvalidArgument("The text is too long for a QR code (at most 2331 bytes)."));
  }

  // Version 0 selects the smallest version that fits. Byte mode encodes any bytes, NUL included.
  errno = 0;
  const QrcodePtr code(QRcode_encodeData(static_cast<int>(text.size()),
                                         reinterpret_cast<const unsigned char*>(text.data()), 0,
                                         QR_ECLEVEL_M));
  if (!code) {
    if (errno == ERANGE) {
      return Fail(Error::InvalidArgument("The text is too long for a QR code."));
    }
    return Fail(Error::Internal("QRcode_encodeData failed, errno " + std::to_string(errno)));
  }

  const std::string size = std::to_string(code->width + 2 * kQuietZone);
  std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + size + " " + size +
                    R"(" shape-rendering="crispEdges">)";
  svg += R"(<rect width=")" + size + R"(" height=")" + size + R"(" fill="#fff"/>)";
  svg += R"(<path fill="#000" d=")" + ModulesPath(*code) + R"("/>)";
  svg += "</svg>";
  return svg;
}

}  // namespace openlabs::auth
