#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

// QR codes as SVG images, for showing an otpauth:// URI to an authenticator app.
namespace openlabs::auth {

// Encodes `text` as bytes in a QR code of the smallest version that fits, with error correction
// level M, and returns a standalone SVG document: black modules on a white background, a quiet
// zone of 4 modules, a viewBox in module units with no fixed width or height (size it with CSS),
// and shape-rendering="crispEdges". Fails with Error::InvalidArgument when `text` is empty or
// too long for a QR code (more than 2331 bytes at level M), and with an internal error when
// libqrencode fails otherwise. Thread-safe.
Result<std::string> QrSvg(std::string_view text);

}  // namespace openlabs::auth
