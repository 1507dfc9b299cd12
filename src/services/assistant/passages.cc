#include "services/assistant/passages.h"

#include <algorithm>
#include <cctype>

namespace openlabs::assistant {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (start < text.size()) {
        lines.push_back(text.substr(start));
      }
      break;
    }
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// The length of `text` cut to at most `max_bytes` without splitting a UTF-8 sequence.
size_t Utf8Cut(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text.size();
  }
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return cut;
}

// A fence opener or closer: three or more backticks or tildes after at most three spaces.
std::string_view FenceMarker(std::string_view line) {
  size_t indent = 0;
  while (indent < line.size() && indent < 4 && line[indent] == ' ') {
    ++indent;
  }
  if (indent > 3 || indent >= line.size()) {
    return {};
  }
  const char marker = line[indent];
  if (marker != '`' && marker != '~') {
    return {};
  }
  size_t end = indent;
  while (end < line.size() && line[end] == marker) {
    ++end;
  }
  return end - indent >= 3 ? line.substr(indent, end - indent) : std::string_view();
}

// The level (1 to 6) of an ATX heading line, or 0. Sets `text` to the heading's content.
int HeadingLevel(std::string_view line, std::string_view& text) {
  size_t indent = 0;
  while (indent < line.size() && indent < 4 && line[indent] == ' ') {
    ++indent;
  }
  if (indent > 3) {
    return 0;
  }
  size_t level = 0;
  while (indent + level < line.size() && line[indent + level] == '#') {
    ++level;
  }
  if (level == 0 || level > 6) {
    return 0;
  }
  const size_t after = indent + level;
  if (after < line.size() && line[after] != ' ' && line[after] != '\t') {
    return 0;
  }
  std::string_view content = Trim(line.substr(after));
  // A closing sequence of '#' preceded by a space is not part of the heading.
  size_t closing = content.size();
  while (closing > 0 && content[closing - 1] == '#') {
    --closing;
  }
  if (closing == 0) {
    content = {};
  } else if (closing < content.size() && (content[closing - 1] == ' ')) {
    content = Trim(content.substr(0, closing));
  }
  text = content;
  return static_cast<int>(level);
}

// A Pandoc fenced div line (":::" or more colons): sets `name` to its class, empty for a closer.
bool FencedDivLine(std::string_view line, std::string& name) {
  line = Trim(line);
  size_t colons = 0;
  while (colons < line.size() && line[colons] == ':') {
    ++colons;
  }
  if (colons < 3) {
    return false;
  }
  std::string_view rest = Trim(line.substr(colons));
  while (!rest.empty() && (rest.front() == '{' || rest.front() == '.')) {
    rest.remove_prefix(1);
  }
  size_t word = 0;
  while (word < rest.size() &&
         (std::isalnum(static_cast<unsigned char>(rest[word])) || rest[word] == '-')) {
    ++word;
  }
  name = Lower(rest.substr(0, word));
  return true;
}

// A block of a section: a paragraph, list, table or whole fenced code block.
struct Block {
  std::string text;
  bool solution = false;
};

// Collects the blocks of sections and packs them into passages.
class PassageBuilder {
 public:
  PassageBuilder(const SplitOptions& options, std::vector<Passage>& out)
      : options_(options), out_(out) {}

  void Add(Block block) {
    if (Trim(block.text).empty()) {
      return;
    }
    if (!current_.text.empty() &&
        (block.solution != current_.solution ||
         current_.text.size() + block.text.size() + 2 > options_.target_bytes)) {
      Flush();
    }
    std::string_view rest = block.text;
    while (rest.size() > options_.max_bytes) {
      const size_t cut = CutPoint(rest);
      Append(rest.substr(0, cut), block.solution);
      Flush();
      rest = Trim(rest.substr(cut));
    }
    Append(rest, block.solution);
  }

  // Ends the current passage; the next one starts at `location`.
  void StartSection(Passage location) {
    Flush();
    location.text.clear();
    current_ = std::move(location);
  }

  void Flush() {
    if (Trim(current_.text).empty() || out_.size() >= options_.max_passages) {
      current_.text.clear();
      return;
    }
    Passage passage = current_;
    passage.text = std::string(Trim(current_.text));
    out_.push_back(std::move(passage));
    current_.text.clear();
    current_.solution = section_solution_;
  }

  void SetSectionSolution(bool solution) {
    section_solution_ = solution;
    current_.solution = solution;
  }

 private:
  void Append(std::string_view text, bool solution) {
    if (current_.text.empty()) {
      current_.solution = solution;
    } else {
      current_.text += "\n\n";
    }
    current_.text += text;
  }

  // Returns where to cut a block longer than max_bytes: the last line break before
  // target_bytes, else the last space before max_bytes, else a UTF-8 boundary at max_bytes.
  size_t CutPoint(std::string_view text) const {
    const size_t newline = text.rfind('\n', options_.target_bytes);
    if (newline != std::string_view::npos && newline > options_.target_bytes / 4) {
      return newline;
    }
    const size_t space = text.rfind(' ', options_.max_bytes);
    if (space != std::string_view::npos && space > options_.target_bytes / 2) {
      return space;
    }
    return Utf8Cut(text, options_.max_bytes);
  }

  const SplitOptions& options_;
  std::vector<Passage>& out_;
  Passage current_;
  bool section_solution_ = false;
};

// Carpentries lessons head their answers "Solution", "Solution 2"…; a heading that only
// mentions the word ("A first very bad idea solution: …") is not one.
bool IsSolutionHeading(std::string_view text) { return Lower(text).starts_with("solution"); }

std::string_view SkipFrontMatter(std::string_view markdown) {
  if (markdown.substr(0, 4) != "---\n" && markdown.substr(0, 5) != "---\r\n") {
    return markdown;
  }
  size_t position = markdown.find('\n') + 1;
  while (position < markdown.size()) {
    const size_t end = markdown.find('\n', position);
    const std::string_view line =
        Trim(markdown.substr(position, end == std::string_view::npos ? end : end - position));
    if (line == "---" || line == "...") {
      return end == std::string_view::npos ? std::string_view() : markdown.substr(end + 1);
    }
    if (end == std::string_view::npos) {
      break;
    }
    position = end + 1;
  }
  return markdown;  // no closing line: not front matter
}

}  // namespace

std::string Slugger::Slug(std::string_view heading_text) {
  std::string slug;
  for (const char c : heading_text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80 || std::isalnum(byte) || c == '-' || c == '_') {
      slug += static_cast<char>(std::tolower(byte));
    } else if (c == ' ') {
      slug += '-';
    }
  }
  const std::string base = slug;
  int& count = seen_[base];
  if (count > 0) {
    slug = base + "-" + std::to_string(count);
    while (seen_.contains(slug)) {
      ++count;
      slug = base + "-" + std::to_string(count);
    }
    seen_[slug] = 1;
  }
  ++count;
  return slug;
}

std::string HeadingText(std::string_view markdown) {
  std::string text;
  for (size_t i = 0; i < markdown.size(); ++i) {
    const char c = markdown[i];
    if (c == '`' || c == '*' || c == '\\') {
      continue;
    }
    if (c == '_' && (i == 0 || i + 1 == markdown.size() || markdown[i - 1] == ' ' ||
                     markdown[i + 1] == ' ')) {
      continue;  // emphasis markers, not underscores inside words
    }
    if (c == '!' && i + 1 < markdown.size() && markdown[i + 1] == '[') {
      continue;
    }
    if (c == '[') {
      continue;
    }
    if (c == ']' && i + 1 < markdown.size() && markdown[i + 1] == '(') {
      const size_t close = markdown.find(')', i);
      if (close != std::string_view::npos) {
        i = close;
      }
      continue;
    }
    if (c == '<') {
      const size_t close = markdown.find('>', i);
      if (close != std::string_view::npos) {
        i = close;  // inline HTML tags render no text
        continue;
      }
    }
    text += c;
  }
  return std::string(Trim(text));
}

std::vector<Passage> SplitMarkdown(std::string_view markdown, const SplitOptions& options) {
  std::vector<Passage> passages;
  PassageBuilder builder(options, passages);
  Slugger slugger;
  std::vector<std::pair<int, std::string>> heading_stack;
  std::vector<std::string> div_stack;
  Block block;
  std::string_view fence;
  bool section_solution = false;

  const auto in_solution_div = [&] {
    return std::find(div_stack.begin(), div_stack.end(), "solution") != div_stack.end();
  };
  const auto end_block = [&] {
    builder.Add(std::move(block));
    block = Block{};
  };

  for (const std::string_view line : Lines(SkipFrontMatter(markdown))) {
    if (!fence.empty()) {
      block.text += line;
      block.text += '\n';
      const std::string_view marker = FenceMarker(line);
      if (!marker.empty() && marker[0] == fence[0] && marker.size() >= fence.size() &&
          Trim(line).size() == marker.size()) {
        fence = {};
        end_block();
      }
      continue;
    }
    if (const std::string_view marker = FenceMarker(line); !marker.empty()) {
      end_block();
      fence = marker;
      block.solution = section_solution || in_solution_div();
      block.text += line;
      block.text += '\n';
      continue;
    }

    std::string_view heading_markdown;
    if (const int level = HeadingLevel(line, heading_markdown); level > 0) {
      end_block();
      const std::string text = HeadingText(heading_markdown);
      while (!heading_stack.empty() && heading_stack.back().first >= level) {
        heading_stack.pop_back();
      }
      heading_stack.emplace_back(level, text);
      Passage location;
      for (const auto& [unused_level, heading] : heading_stack) {
        location.heading += (location.heading.empty() ? "" : " › ") + heading;
      }
      location.anchor = slugger.Slug(text);
      section_solution = IsSolutionHeading(text) || in_solution_div();
      builder.StartSection(std::move(location));
      builder.SetSectionSolution(section_solution);
      continue;
    }

    std::string div_name;
    if (FencedDivLine(line, div_name)) {
      end_block();
      if (div_name.empty()) {
        if (!div_stack.empty()) {
          div_stack.pop_back();
        }
      } else {
        div_stack.push_back(div_name);
      }
      continue;
    }

    if (Trim(line).empty()) {
      end_block();
      continue;
    }
    if (block.text.empty()) {
      block.solution = section_solution || in_solution_div();
    }
    block.text += line;
    block.text += '\n';
  }
  end_block();
  builder.Flush();
  return passages;
}

std::vector<Passage> SplitPages(const std::vector<std::string>& pages,
                                const SplitOptions& options) {
  std::vector<Passage> passages;
  PassageBuilder builder(options, passages);
  for (size_t index = 0; index < pages.size(); ++index) {
    Passage location;
    location.page = static_cast<int>(index + 1);
    location.heading = "Page " + std::to_string(index + 1);
    builder.StartSection(std::move(location));
    Block block;
    for (const std::string_view line : Lines(pages[index])) {
      if (Trim(line).empty()) {
        builder.Add(std::move(block));
        block = Block{};
        continue;
      }
      block.text += Trim(line);
      block.text += '\n';
    }
    builder.Add(std::move(block));
  }
  builder.Flush();
  return passages;
}

std::vector<Passage> SplitCells(const std::vector<NotebookCell>& cells,
                                const SplitOptions& options) {
  std::vector<Passage> passages;
  PassageBuilder builder(options, passages);
  for (size_t index = 0; index < cells.size(); ++index) {
    Passage location;
    location.cell = static_cast<int>(index + 1);
    location.heading = "Cell " + std::to_string(index + 1);
    builder.StartSection(std::move(location));
    if (cells[index].kind == "code") {
      builder.Add(Block{cells[index].source});
      continue;
    }
    for (Passage& piece : SplitMarkdown(cells[index].source, options)) {
      builder.Add(Block{std::move(piece.text), piece.solution});
    }
  }
  builder.Flush();
  return passages;
}

}  // namespace openlabs::assistant
