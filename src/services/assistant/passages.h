#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// Splitting of labs, articles and notebooks into passages: pieces of a few hundred words that
// retrieval ranks and the assistant cites. Each passage keeps its location in the source, so a
// citation can link to the exact lab section, PDF page or notebook cell.
namespace openlabs::assistant {

struct Passage {
  // The chain of headings above the passage, joined with " › ", or "Page N" / "Cell N".
  std::string heading;
  // The HTML id of the lab section's heading as the web app renders it (GitHub's slug rules),
  // or empty before the first heading and for articles and notebooks.
  std::string anchor;
  int page = 0;  // 1-based PDF page, or 0
  int cell = 0;  // 1-based notebook cell, or 0
  std::string text;
  // True inside a section headed "Solution…" or a "::: solution" block: guide mode keeps these
  // passages away from the model and from the reader.
  bool solution = false;
};

struct SplitOptions {
  size_t target_bytes = 900;  // pieces of a long section are packed up to about this size
  size_t max_bytes = 1600;    // a single paragraph longer than this is cut
  size_t max_passages = 2000;
};

// GitHub-style heading ids, as rehype-slug (github-slugger) makes them: lower case, ASCII
// punctuation other than '-' and '_' removed, spaces turned into '-', and "-1", "-2"… appended
// to repeats within one document.
// NOTE: github-slugger also drops non-ASCII punctuation and symbols (such as "…" or emoji);
// this keeps every non-ASCII byte, so such headings get a different id.
class Slugger {
 public:
  std::string Slug(std::string_view heading_text);

 private:
  std::unordered_map<std::string, int> seen_;
};

// The text that a heading's Markdown renders to: inline code, emphasis, links and images reduced
// to their text.
std::string HeadingText(std::string_view markdown);

// Splits a lab's Markdown by its ATX headings ("#" to "######" outside fenced code blocks),
// then packs each section's paragraphs into passages. YAML front matter is skipped.
std::vector<Passage> SplitMarkdown(std::string_view markdown, const SplitOptions& options = {});

// Splits the text of each PDF page into passages of that page. `pages[0]` is page 1.
std::vector<Passage> SplitPages(const std::vector<std::string>& pages,
                                const SplitOptions& options = {});

// One notebook cell's source and kind ("markdown" or "code").
struct NotebookCell {
  std::string kind;
  std::string source;
};

// Splits notebook cells into passages, one or more per non-empty cell. `cells[0]` is cell 1.
std::vector<Passage> SplitCells(const std::vector<NotebookCell>& cells,
                                const SplitOptions& options = {});

}  // namespace openlabs::assistant
