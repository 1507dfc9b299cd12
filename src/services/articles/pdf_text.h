#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::articles {

// The text of a PDF, one UTF-8 string per page.
struct PdfText {
  std::vector<std::string> pages;
};

// True when "%PDF-" occurs in the first 1024 bytes, where PDF readers look for the header.
bool HasPdfHeader(std::string_view data);

// Opens `data` with poppler and extracts the text of every page. kValidationFailed (on the
// "file" field) when the data has no PDF header, poppler cannot open it, or it is encrypted
// with a password. Poppler runs in the PDF reader module (pdf_module.h), loaded by the first
// call that finds it. While the module cannot be loaded, it returns kUnavailable with a message
// that names the module. Thread-safe: calls are serialized, because poppler's global state is
// not documented as safe for concurrent use.
//
// The module is loaded from the path in the OPENLABS_PDF_MODULE environment variable when it is
// set. Otherwise the candidates are: beside the executable, ../lib/openlabs/ relative to it (the
// installed layout), and the path where the build wrote it.
Result<PdfText> ExtractPdfText(std::string_view data);

// The client-facing message (as in ExtractPdfText's kUnavailable) of the latest failed attempt
// to load the PDF reader module, by PdfModuleProbe::Wait or ExtractPdfText. Nothing before any
// attempt and after one that loaded the module. Thread-safe.
std::optional<std::string> PdfModuleProblem();

// Checks whether the PDF reader module loads, in a forked child process, so that poppler and
// the libraries it needs are not mapped into this process before the first PDF (dlclose does not
// unmap them). Start forks, so call it while the process has only one thread: the child calls
// dlopen, which is not safe after a fork of a multi-threaded process.
class PdfModuleProbe {
 public:
  static PdfModuleProbe Start();

  PdfModuleProbe(PdfModuleProbe&& other) noexcept;
  PdfModuleProbe& operator=(PdfModuleProbe&&) = delete;
  // Kills and reaps a child that Wait has not collected.
  ~PdfModuleProbe();

  // Waits for the child's report and returns the path of the module that loads, or
  // kUnavailable (the same error as ExtractPdfText) with the paths tried in `internal`. The
  // child is killed after `timeout`. Call it once. The outcome is what PdfModuleProblem returns
  // until the next attempt to load the module.
  Result<std::string> Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  PdfModuleProbe() = default;
  Result<std::string> ReadReport(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::string start_failure_;  // why the child could not be started
};

}  // namespace openlabs::articles
