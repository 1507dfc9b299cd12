#pragma once

#include <string>
#include <string_view>

namespace openlabs::labs {

// The media type of a file, from its first bytes (`head`, up to 512) and its name's extension.
// The content decides: an image, PDF or archive type is returned only when the magic bytes match,
// and a text type only when `head` is UTF-8 without NUL bytes. SVG is recognised by extension
// plus an XML or <svg> start. HTML and scripts are typed as text/plain, so that a browser never
// runs them from the platform's origin. Anything else is application/octet-stream.
std::string DetectContentType(std::string_view head, std::string_view filename);

// True for the types a browser may show in place (images, PDF, text); others are downloaded.
bool IsInlineContentType(std::string_view content_type);

}  // namespace openlabs::labs
