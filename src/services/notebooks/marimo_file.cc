#include "services/notebooks/marimo_file.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "services/notebooks/cell_analysis.h"
#include "services/notebooks/python_tokens.h"

namespace openlabs::notebooks {
namespace {

constexpr std::string_view kIndent = "    ";
// marimo's writer breaks a signature or return tuple over several lines from this width on.
constexpr size_t kMaxLineLength = 80;

// One logical line of the file: its tokens and its place.
struct LogicalLine {
  size_t first_token = 0;
  size_t end_token = 0;  // one past the last token before NEWLINE
  int depth = 0;         // indentation level
  int first_line = 0;    // 1-based
  int last_line = 0;
};

bool IsOp(const Token& token, std::string_view op) {
  return token.kind == TokenKind::kOp && token.text == op;
}

bool IsWord(const Token& token, std::string_view word) {
  return token.kind == TokenKind::kName && token.text == word;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }

    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\f") == std::string_view::npos;
}

std::string_view Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n\f");
  if (begin == std::string_view::npos) {
    return {};
  }

  const size_t end = text.find_last_not_of(" \t\r\n\f");
  return text.substr(begin, end - begin + 1);
}

// Removes the indentation of the first non-blank line from every line that has it, empties
// whitespace-only lines, and drops blank lines at both ends. Lines indented less (possible in
// hand-edited files, inside multi-line strings) are kept as they are, as marimo keeps them.
std::string Dedent(const std::vector<std::string_view>& lines) {
  size_t first = 0;
  size_t last = lines.size();
  while (first < last && IsBlank(lines[first])) {
    ++first;
  }

  while (last > first && IsBlank(lines[last - 1])) {
    --last;
  }

  if (first == last) {
    return "";
  }

  const std::string_view indent = lines[first].substr(0, lines[first].find_first_not_of(" \t\f"));
  std::string out;
  for (size_t i = first; i < last; ++i) {
    if (i > first) {
      out += '\n';
    }

    if (IsBlank(lines[i])) {
      continue;
    }
    out += lines[i].starts_with(indent) ? lines[i].substr(indent.size()) : lines[i];
  }
  return out;
}

std::string IndentText(std::string_view code) {
  const std::vector<std::string_view> lines = SplitLines(code);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += '\n';
    }

    if (!IsBlank(lines[i])) {
      out += kIndent;
      out += lines[i];
    }
  }
  return out;
}

class FileParser {
 public:
  explicit FileParser(std::string_view source) : source_(source), lines_(SplitLines(source)) {}

  Result<ParsedNotebook> Run() {
    Result<std::vector<Token>> tokens = TokenizePython(source_);
    if (!tokens) {
      return Fail(
          Error::InvalidArgument("The file is not valid Python: " + tokens.error().message + "."));
    }
    tokens_ = std::move(*tokens);
    BuildLogicalLines();

    size_t index = 0;
    while (index < logical_.size()) {
      const size_t group_end = StatementEnd(index);
      if (Status handled = TopLevel(index, group_end); !handled) {
        return Fail(handled.error());
      }
      index = group_end;
    }

    if (!found_app_) {
      return Fail(Error::InvalidArgument(
          "The file is not a marimo notebook: it has no `app = marimo.App(...)` line."));
    }
    // marimo always writes the setup cell first.
    std::stable_partition(result_.notebook.cells.begin(), result_.notebook.cells.end(),
                          [](const MarimoCell& cell) { return cell.kind == kSetupKind; });
    // A cell whose code is not valid on its own (an f-string field that is not an expression,
    // for one) would make the exported file invalid, so it is read as marimo's unparsable cell.
    for (MarimoCell& cell : result_.notebook.cells) {
      if ((cell.kind == kCellKind || cell.kind == kFunctionKind || cell.kind == kClassKind) &&
          !AnalyzeCell(cell.code).well_formed) {
        Warn(0, "the code of cell " + cell.name + " is not valid Python; it is kept unparsable");
        cell.kind = std::string(kUnparsableKind);
      }
    }
    return std::move(result_);
  }

 private:
  void BuildLogicalLines() {
    int depth = 0;
    size_t index = 0;
    while (tokens_[index].kind != TokenKind::kEnd) {
      const Token& token = tokens_[index];
      if (token.kind == TokenKind::kIndent) {
        ++depth;
        ++index;
        continue;
      }
      if (token.kind == TokenKind::kDedent) {
        --depth;
        ++index;
        continue;
      }
      LogicalLine line;
      line.first_token = index;
      line.depth = depth;
      line.first_line = token.line;
      while (tokens_[index].kind != TokenKind::kNewline && tokens_[index].kind != TokenKind::kEnd) {
        line.last_line = std::max(line.last_line, tokens_[index].end_line);
        ++index;
      }
      line.end_token = index;
      logical_.push_back(line);
      if (tokens_[index].kind == TokenKind::kNewline) {
        ++index;
      }
    }
  }

  // The index after the top-level statement that starts at logical line `index`: decorators,
  // the statement itself and its indented body.
  size_t StatementEnd(size_t index) const {
    size_t end = index + 1;
    while (end < logical_.size() &&
           (logical_[end].depth > 0 || IsOp(tokens_[logical_[end - 1].first_token], "@"))) {
      ++end;
    }
    return end;
  }

  const Token& FirstToken(size_t line) const { return tokens_[logical_[line].first_token]; }

  Status TopLevel(size_t index, size_t end) {
    const LogicalLine& line = logical_[index];
    const Token& head = FirstToken(index);
    if (IsOp(head, "@")) {
      return Decorated(index, end);
    }

    if (IsWord(head, "import") && line.end_token - line.first_token == 2 &&
        IsWord(tokens_[line.first_token + 1], "marimo")) {
      std::vector<std::string_view> above(lines_.begin(), lines_.begin() + (line.first_line - 1));
      std::string header;
      for (std::string_view text : above) {
        header += text;
        header += '\n';
      }
      result_.notebook.header = std::string(Trim(header).empty() ? "" : header);
      while (result_.notebook.header.ends_with('\n') || result_.notebook.header.ends_with(' ')) {
        result_.notebook.header.pop_back();
      }
      return {};
    }

    if (Matches(line, {"__generated_with", "="}) && line.end_token - line.first_token == 3 &&
        tokens_[line.first_token + 2].kind == TokenKind::kString) {
      Result<std::string> version = DecodeStringLiteral(tokens_[line.first_token + 2].text);
      if (version) {
        result_.notebook.generated_with = *version;
      }
      return {};
    }

    if (Matches(line, {"app", "=", "marimo", ".", "App", "("}) ||
        Matches(line, {"app", "=", "App", "("})) {
      const size_t open = IsWord(tokens_[line.first_token + 2], "App") ? line.first_token + 3
                                                                       : line.first_token + 5;
      const size_t close = MatchClose(open);
      if (close != line.end_token - 1) {
        return Fail(Error::InvalidArgument("line " + std::to_string(line.first_line) +
                                           ": `app = marimo.App(...)` must be a statement of "
                                           "its own"));
      }
      result_.notebook.app_arguments = std::string(Trim(TextBetween(open, close)));
      found_app_ = true;
      return {};
    }

    if (Matches(line, {"with", "app", ".", "setup"})) {
      return Setup(index, end);
    }

    if (Matches(line, {"app", ".", "_unparsable_cell", "("})) {
      return Unparsable(index);
    }

    if (Matches(line, {"if", "__name__", "=="})) {
      return {};
    }
    Warn(line.first_line, "a statement outside any cell was left out");
    return {};
  }

  bool Matches(const LogicalLine& line, std::initializer_list<std::string_view> words) const {
    size_t index = line.first_token;
    for (std::string_view word : words) {
      if (index >= line.end_token || tokens_[index].text != word) {
        return false;
      }
      ++index;
    }
    return true;
  }

  std::string_view TextBetween(size_t open_token, size_t close_token) const {
    const char* begin = tokens_[open_token].text.data() + tokens_[open_token].text.size();
    const char* end = tokens_[close_token].text.data();
    return std::string_view(begin, static_cast<size_t>(end - begin));
  }

  // Records a warning about `line` (1-based), quoting it; line 0 quotes nothing.
  void Warn(int line, const std::string& what) {
    if (line <= 0) {
      result_.warnings.push_back(what);
      return;
    }
    std::string text(Trim(lines_[static_cast<size_t>(line - 1)]));
    if (text.size() > 60) {
      text = text.substr(0, 57) + "...";
    }
    result_.warnings.push_back("line " + std::to_string(line) + ": " + what + ": " + text);
  }

  // Reads `(name=literal, ...)` between the tokens `open` and its closing parenthesis.
  Result<nlohmann::json> Options(size_t open, size_t close, int line) const {
    nlohmann::json options = nlohmann::json::object();
    size_t index = open + 1;
    while (index < close) {
      if (tokens_[index].kind != TokenKind::kName || index + 1 >= close ||
          !IsOp(tokens_[index + 1], "=")) {
        return Fail(Error::InvalidArgument("line " + std::to_string(line) +
                                           ": cell options must be written name=value"));
      }
      const std::string name(tokens_[index].text);
      size_t value_end = index + 2;
      while (value_end < close && !IsOp(tokens_[value_end], ",")) {
        ++value_end;
      }
      if (value_end == index + 2) {
        return Fail(Error::InvalidArgument("line " + std::to_string(line) + ": the option " + name +
                                           " has no value"));
      }
      const std::string_view value_source = Trim(std::string_view(
          tokens_[index + 2].text.data(), static_cast<size_t>(tokens_[value_end - 1].text.data() +
                                                              tokens_[value_end - 1].text.size() -
                                                              tokens_[index + 2].text.data())));
      Result<nlohmann::json> value = PythonLiteralToJson(value_source);
      if (!value) {
        return Fail(Error::InvalidArgument("line " + std::to_string(line) + ": the option " + name +
                                           " is not a Python literal (True, False, None, a "
                                           "number or a string)"));
      }
      options[name] = *value;
      index = value_end + 1;
    }
    return options;
  }

  size_t MatchClose(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < tokens_.size(); ++i) {
      if (IsOp(tokens_[i], "(") || IsOp(tokens_[i], "[") || IsOp(tokens_[i], "{")) {
        ++depth;
      } else if ((IsOp(tokens_[i], ")") || IsOp(tokens_[i], "]") || IsOp(tokens_[i], "}")) &&
                 --depth == 0) {
        return i;
      }
    }
    return tokens_.size() - 1;
  }

  Status Decorated(size_t index, size_t end) {
    size_t definition = index;
    while (definition < end && IsOp(FirstToken(definition), "@")) {
      ++definition;
    }

    if (definition >= end) {
      Warn(logical_[index].first_line, "a decorator without a definition was left out");
      return {};
    }

    for (size_t decorator = index; decorator < definition; ++decorator) {
      const LogicalLine& line = logical_[decorator];
      if (!Matches(line, {"@", "app", "."}) || line.end_token - line.first_token < 4) {
        continue;
      }
      const std::string_view attribute = tokens_[line.first_token + 3].text;
      const bool called =
          line.end_token - line.first_token > 4 && IsOp(tokens_[line.first_token + 4], "(");
      const size_t last = called ? MatchClose(line.first_token + 4) : line.first_token + 3;
      if (last != line.end_token - 1) {
        return Fail(Error::InvalidArgument("line " + std::to_string(line.first_line) +
                                           ": a marimo decorator must be @app.NAME or "
                                           "@app.NAME(options) alone on its line"));
      }
      nlohmann::json options = nlohmann::json::object();
      if (called) {
        Result<nlohmann::json> parsed = Options(line.first_token + 4, last, line.first_line);
        if (!parsed) {
          return Fail(parsed.error());
        }
        options = std::move(*parsed);
      }
      if (attribute == "cell") {
        return Cell(definition, end, std::move(options));
      }
      if (attribute == "function" || attribute == "class_definition") {
        return TopLevelDefinition(index, decorator, definition, end, std::move(options),
                                  attribute == "function" ? kFunctionKind : kClassKind);
      }
    }
    Warn(logical_[index].first_line, "a definition that is not a marimo cell was left out");
    return {};
  }

  Error InvalidName(size_t definition) const {
    return Error::InvalidArgument("line " + std::to_string(logical_[definition].first_line) +
                                  ": the cell's `def` or `class` has no valid name (an ASCII "
                                  "Python identifier)");
  }

  // The name after `def` or `class` in logical line `index`, skipping `async`.
  std::string DefinedName(size_t index) const {
    const LogicalLine& line = logical_[index];
    size_t cursor = line.first_token;
    if (IsWord(tokens_[cursor], "async")) {
      ++cursor;
    }
    return cursor + 1 < line.end_token ? std::string(tokens_[cursor + 1].text) : "";
  }

  Status Cell(size_t definition, size_t end, nlohmann::json options) {
    const LogicalLine& header = logical_[definition];
    size_t cursor = header.first_token;
    if (IsWord(tokens_[cursor], "async")) {
      ++cursor;
    }

    if (!IsWord(tokens_[cursor], "def")) {
      Warn(header.first_line, "@app.cell decorates something other than a function");
      return {};
    }

    MarimoCell cell;
    cell.name = DefinedName(definition);
    if (!IsPythonIdentifier(cell.name)) {
      return Fail(InvalidName(definition));
    }
    cell.options = std::move(options);
    const size_t colon = HeaderColon(cursor, header.end_token);
    if (colon + 1 < header.end_token) {
      // A one-line cell such as `def _(): return`.
      const std::string_view rest =
          Trim(std::string_view(tokens_[colon + 1].text.data(),
                                static_cast<size_t>(tokens_[header.end_token - 1].text.data() +
                                                    tokens_[header.end_token - 1].text.size() -
                                                    tokens_[colon + 1].text.data())));
      cell.code = IsWord(tokens_[colon + 1], "return") ? "" : std::string(rest);
      result_.notebook.cells.push_back(std::move(cell));
      return {};
    }
    cell.code = Body(definition, end, true);
    result_.notebook.cells.push_back(std::move(cell));
    return {};
  }

  size_t HeaderColon(size_t begin, size_t end) const {
    int depth = 0;
    for (size_t i = begin; i < end; ++i) {
      if (IsOp(tokens_[i], "(") || IsOp(tokens_[i], "[") || IsOp(tokens_[i], "{")) {
        ++depth;
      } else if (IsOp(tokens_[i], ")") || IsOp(tokens_[i], "]") || IsOp(tokens_[i], "}")) {
        --depth;
      } else if (depth == 0 && IsOp(tokens_[i], ":")) {
        return i;
      }
    }
    return end;
  }

  // The dedented body of the block whose header is logical line `header` and whose lines run
  // up to logical line `end`. With `strip_return`, a final `return` statement is left out.
  std::string Body(size_t header, size_t end, bool strip_return) const {
    const size_t begin_line = static_cast<size_t>(logical_[header].last_line);  // 0-based next
    if (header + 1 >= end) {
      return "";
    }

    const int body_depth = logical_[header + 1].depth;
    size_t last_statement = header + 1;
    for (size_t i = header + 1; i < end; ++i) {
      if (logical_[i].depth == body_depth) {
        last_statement = i;
      }
    }

    std::vector<std::string_view> body;
    const Token& last_head = FirstToken(last_statement);
    if (strip_return && IsWord(last_head, "return")) {
      const size_t return_line = static_cast<size_t>(last_head.line - 1);
      body.assign(lines_.begin() + static_cast<std::ptrdiff_t>(begin_line),
                  lines_.begin() + static_cast<std::ptrdiff_t>(return_line));
      // `x = 1; return (x,)` keeps what precedes the return on its line.
      std::string_view before =
          lines_[return_line].substr(0, static_cast<size_t>(last_head.column));
      before = before.substr(0, before.find_last_not_of(" \t;") + 1);
      if (!IsBlank(before)) {
        body.push_back(before);
      }
      return Dedent(body);
    }

    size_t last_line = static_cast<size_t>(logical_[end - 1].last_line);  // 1-based
    // Indented comment lines after the last statement still belong to the body.
    while (last_line < lines_.size() &&
           (IsBlank(lines_[last_line]) || lines_[last_line].starts_with(' ') ||
            lines_[last_line].starts_with('\t'))) {
      if (end < logical_.size() && static_cast<size_t>(logical_[end].first_line) <= last_line + 1) {
        break;
      }
      ++last_line;
    }
    body.assign(lines_.begin() + static_cast<std::ptrdiff_t>(begin_line),
                lines_.begin() + static_cast<std::ptrdiff_t>(last_line));
    return Dedent(body);
  }

  Status TopLevelDefinition(size_t first_decorator, size_t app_decorator, size_t definition,
                            size_t end, nlohmann::json options, std::string_view kind) {
    MarimoCell cell;
    cell.kind = std::string(kind);
    cell.name = DefinedName(definition);
    if (!IsPythonIdentifier(cell.name)) {
      return Fail(InvalidName(definition));
    }
    cell.options = std::move(options);
    std::vector<std::string_view> lines;
    // Decorators above marimo's stay with the definition.
    for (size_t i = first_decorator; i < app_decorator; ++i) {
      for (int l = logical_[i].first_line; l <= logical_[i].last_line; ++l) {
        lines.push_back(lines_[static_cast<size_t>(l - 1)]);
      }
    }

    const size_t from = static_cast<size_t>(logical_[app_decorator].last_line);
    const size_t to = static_cast<size_t>(logical_[end - 1].last_line);
    lines.insert(lines.end(), lines_.begin() + static_cast<std::ptrdiff_t>(from),
                 lines_.begin() + static_cast<std::ptrdiff_t>(to));
    cell.code = Dedent(lines);
    result_.notebook.cells.push_back(std::move(cell));
    return {};
  }

  Status Setup(size_t index, size_t end) {
    const LogicalLine& line = logical_[index];
    MarimoCell cell;
    cell.kind = std::string(kSetupKind);
    cell.name = "setup";
    if (IsOp(tokens_[line.first_token + 4], "(")) {
      const size_t close = MatchClose(line.first_token + 4);
      Result<nlohmann::json> options = Options(line.first_token + 4, close, line.first_line);
      if (!options) {
        return Fail(options.error());
      }
      cell.options = std::move(*options);
    }

    const size_t colon = HeaderColon(line.first_token, line.end_token);
    if (colon + 1 < line.end_token) {
      cell.code = std::string(
          Trim(std::string_view(tokens_[colon + 1].text.data(),
                                static_cast<size_t>(tokens_[line.end_token - 1].text.data() +
                                                    tokens_[line.end_token - 1].text.size() -
                                                    tokens_[colon + 1].text.data()))));
    } else {
      cell.code = Body(index, end, false);
    }
    // marimo adds `pass` to a setup block that has only comments.
    if (cell.code == "pass") {
      cell.code.clear();
    } else if (cell.code.ends_with("\npass")) {
      cell.code.resize(cell.code.size() - 5);
    }
    result_.notebook.cells.push_back(std::move(cell));
    return {};
  }

  Status Unparsable(size_t index) {
    const LogicalLine& line = logical_[index];
    const size_t open = line.first_token + 3;
    const size_t close = MatchClose(open);
    size_t cursor = open + 1;
    std::string code;
    while (cursor < close && tokens_[cursor].kind == TokenKind::kString) {
      Result<std::string> part = DecodeStringLiteral(tokens_[cursor].text);
      if (!part) {
        return Fail(Error::InvalidArgument("line " + std::to_string(line.first_line) +
                                           ": the code of an unparsable cell is not a string"));
      }
      code += *part;
      ++cursor;
    }

    if (cursor < close && IsOp(tokens_[cursor], ",")) {
      ++cursor;
    }

    MarimoCell cell;
    cell.kind = std::string(kUnparsableKind);
    if (cursor < close) {
      // Options() expects the token before the first option.
      Result<nlohmann::json> options = Options(cursor - 1, close, line.first_line);
      if (!options) {
        return Fail(options.error());
      }
      cell.options = std::move(*options);
    }

    if (cell.options.contains("name") && cell.options["name"].is_string()) {
      cell.name = cell.options["name"].get<std::string>();
    }
    cell.options.erase("name");
    cell.code = Dedent(SplitLines(code));
    result_.notebook.cells.push_back(std::move(cell));
    return {};
  }

  std::string_view source_;
  std::vector<std::string_view> lines_;
  std::vector<Token> tokens_;
  std::vector<LogicalLine> logical_;
  ParsedNotebook result_;
  bool found_app_ = false;
};

// Formats `prefix(elements)suffix`, one element per line when the single line is too long, as
// marimo's writer does for signatures.
std::string FormatTuple(std::string_view prefix, const std::vector<std::string>& elements,
                        std::string_view suffix) {
  std::string joined;
  for (const std::string& element : elements) {
    joined += (joined.empty() ? "" : ", ") + element;
  }

  std::string line = std::string(prefix) + "(" + joined + ")" + std::string(suffix);
  if (line.size() < kMaxLineLength || elements.empty()) {
    return line;
  }

  std::string lines = std::string(prefix) + "(\n";
  for (const std::string& element : elements) {
    lines += std::string(kIndent) + element + ",\n";
  }
  return lines + ")" + std::string(suffix);
}

std::string ReturnLine(const std::vector<std::string>& defs) {
  if (defs.empty()) {
    return std::string(kIndent) + "return";
  }

  if (defs.size() == 1) {
    const std::string line = std::string(kIndent) + "return (" + defs[0] + ",)";
    if (line.size() < kMaxLineLength) {
      return line;
    }
  } else {
    std::string line = std::string(kIndent) + "return ";
    for (size_t i = 0; i < defs.size(); ++i) {
      line += (i == 0 ? "" : ", ") + defs[i];
    }

    if (line.size() < kMaxLineLength) {
      return line;
    }
  }

  std::string lines = std::string(kIndent) + "return (\n";
  for (const std::string& name : defs) {
    lines += std::string(kIndent) + std::string(kIndent) + name + ",\n";
  }
  return lines + std::string(kIndent) + ")";
}

std::string DecoratorLine(std::string_view decorator, const nlohmann::json& options) {
  if (options.empty()) {
    return "@app." + std::string(decorator);
  }

  std::vector<std::string> items;
  for (const auto& [key, value] : options.items()) {
    items.push_back(key + "=" + JsonToPythonLiteral(value));
  }
  return FormatTuple("@app." + std::string(decorator), items, "");
}

// A Python string literal for `text`: raw triple-quoted when possible, else escaped.
std::string StringLiteral(std::string_view text, bool multiline) {
  const std::string_view quote = text.find("\"\"\"") == std::string_view::npos ? "\"\"\"" : "'''";
  const bool raw_possible = text.find(quote) == std::string_view::npos && !text.ends_with('\\') &&
                            text.find('\r') == std::string_view::npos;
  if (raw_possible) {
    return multiline
               ? "r" + std::string(quote) + "\n" + std::string(text) + "\n" + std::string(quote)
               : "r" + std::string(quote) + std::string(text) + std::string(quote);
  }

  std::string escaped = "\"\"\"";
  if (multiline) {
    escaped += '\n';
  }

  for (char c : text) {
    if (c == '\\' || c == '"') {
      escaped += '\\';
    }

    if (c == '\r') {
      escaped += "\\r";
      continue;
    }
    escaped += c;
  }

  if (multiline) {
    escaped += '\n';
  }
  return escaped + "\"\"\"";
}

std::string UnparsableBlock(const MarimoCell& cell) {
  std::string block = "app._unparsable_cell(\n" + std::string(kIndent) +
                      StringLiteral(cell.code, true) + ",\n" + std::string(kIndent) +
                      "name=" + JsonToPythonLiteral(cell.name);
  for (const auto& [key, value] : cell.options.items()) {
    block += ", " + key + "=" + JsonToPythonLiteral(value);
  }
  return block + "\n)";
}

struct Analysis {
  std::vector<CellNames> cells;
  std::set<std::string> top_level;  // names of the setup cell and of @app.function/class cells
  std::set<std::string> all_defs;
  std::set<std::string> used;  // every cell's refs
};

Analysis AnalyzeNotebook(const MarimoNotebook& notebook) {
  Analysis analysis;
  for (const MarimoCell& cell : notebook.cells) {
    CellNames names = AnalyzeCell(cell.code);
    if (cell.kind == kSetupKind || cell.kind == kFunctionKind || cell.kind == kClassKind) {
      analysis.top_level.insert(names.defs.begin(), names.defs.end());
    }
    analysis.all_defs.insert(names.defs.begin(), names.defs.end());
    analysis.used.insert(names.refs.begin(), names.refs.end());
    analysis.cells.push_back(std::move(names));
  }
  return analysis;
}

std::string CellBlock(const MarimoCell& cell, const CellNames& names, const Analysis& analysis) {
  if (cell.kind == kUnparsableKind || !names.well_formed) {
    return UnparsableBlock(cell);
  }

  if (cell.kind == kFunctionKind || cell.kind == kClassKind) {
    return DecoratorLine(cell.kind == kFunctionKind ? "function" : "class_definition",
                         cell.options) +
           "\n" + cell.code;
  }
  // Builtins are parameters only when a cell of the notebook redefines them. Module dunders
  // such as __file__ are always defined.
  std::vector<std::string> parameters;
  for (const std::string& ref : names.refs) {
    const bool dunder = ref.starts_with("__") && ref.ends_with("__");
    const bool builtin = dunder || (IsPythonBuiltin(ref) && !analysis.all_defs.contains(ref));
    if (!builtin && !analysis.top_level.contains(ref) && IsPythonIdentifier(ref)) {
      parameters.push_back(ref);
    }
  }

  std::vector<std::string> returned;
  for (const std::string& def : names.defs) {
    if (analysis.used.contains(def)) {
      returned.push_back(def);
    }
  }

  std::string block = DecoratorLine("cell", cell.options) + "\n";
  block +=
      FormatTuple(std::string(names.is_async ? "async def " : "def ") + cell.name, parameters, ":");
  block += "\n";
  if (!Trim(cell.code).empty()) {
    block += IndentText(cell.code) + "\n";
  }
  return block + ReturnLine(returned);
}

std::string SetupBlock(const MarimoCell& cell) {
  std::string code = cell.code;
  bool only_comments = true;
  for (std::string_view line : SplitLines(code)) {
    if (!IsBlank(line) && !Trim(line).starts_with('#')) {
      only_comments = false;
    }
  }

  if (only_comments) {
    code += code.empty() ? "pass" : "\npass";
  }

  const bool hide = cell.options.value("hide_code", false);
  return std::string(hide ? "with app.setup(hide_code=True):\n" : "with app.setup:\n") +
         IndentText(code);
}

}  // namespace

Result<ParsedNotebook> ParseMarimoFile(std::string_view source) {
  if (source.starts_with("\xEF\xBB\xBF")) {
    source.remove_prefix(3);
  }
  return FileParser(source).Run();
}

std::string ExportMarimoFile(const MarimoNotebook& notebook) {
  const Analysis analysis = AnalyzeNotebook(notebook);
  std::string out;
  if (!Trim(notebook.header).empty()) {
    out += notebook.header;
    out += "\n\n";
  }
  out += "import marimo\n\n";
  const std::string version = notebook.generated_with.empty() ? "0.0.0" : notebook.generated_with;
  out += "__generated_with = " + JsonToPythonLiteral(version) + "\n";
  out += "app = marimo.App(" + notebook.app_arguments + ")\n";
  std::vector<std::string> blocks;
  for (size_t i = 0; i < notebook.cells.size(); ++i) {
    const MarimoCell& cell = notebook.cells[i];
    if (cell.kind == kSetupKind) {
      out += "\n" + SetupBlock(cell) + "\n";
      continue;
    }
    blocks.push_back(CellBlock(cell, analysis.cells[i], analysis));
  }

  for (const std::string& block : blocks) {
    out += "\n\n" + block + "\n";
  }
  out += "\n\nif __name__ == \"__main__\":\n    app.run()\n";
  return out;
}

std::optional<std::string> MarkdownOfCell(std::string_view code) {
  Result<std::vector<Token>> tokens = TokenizePython(code);
  if (!tokens) {
    return std::nullopt;
  }

  const std::vector<Token>& t = *tokens;
  // Expected: mo . md ( STRING ) NEWLINE END
  if (t.size() != 8 || !IsWord(t[0], "mo") || !IsOp(t[1], ".") || !IsWord(t[2], "md") ||
      !IsOp(t[3], "(") || t[4].kind != TokenKind::kString || t[4].formatted || !IsOp(t[5], ")")) {
    return std::nullopt;
  }

  Result<std::string> text = DecodeStringLiteral(t[4].text);
  if (!text) {
    return std::nullopt;
  }
  return Dedent(SplitLines(*text));
}

std::string MarkdownCellCode(std::string_view markdown) {
  return "mo.md(" + StringLiteral(markdown, true) + ")";
}

Result<nlohmann::json> PythonLiteralToJson(std::string_view source) {
  source = Trim(source);
  if (source == "True" || source == "False") {
    return nlohmann::json(source == "True");
  }

  if (source == "None") {
    return nlohmann::json(nullptr);
  }

  Result<std::vector<Token>> tokens = TokenizePython(source);
  if (!tokens) {
    return Fail(tokens.error());
  }

  const std::vector<Token>& t = *tokens;
  if (!t.empty() && t[0].kind == TokenKind::kString) {
    std::string value;
    for (const Token& token : t) {
      if (token.kind == TokenKind::kNewline || token.kind == TokenKind::kEnd) {
        continue;
      }
      Result<std::string> part = token.kind == TokenKind::kString
                                     ? DecodeStringLiteral(token.text)
                                     : Result<std::string>(Fail(Error::InvalidArgument("")));
      if (!part) {
        return Fail(Error::InvalidArgument("not a string literal"));
      }
      value += *part;
    }
    return nlohmann::json(value);
  }

  std::string digits(source);
  digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
  const bool negative = digits.starts_with('-');
  const std::string_view number = std::string_view(digits).substr(negative ? 1 : 0);
  long long integer = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), integer);
  if (error == std::errc() && end == number.data() + number.size()) {
    return nlohmann::json(negative ? -integer : integer);
  }

  double real = 0;
  auto [real_end, real_error] = std::from_chars(number.data(), number.data() + number.size(), real);
  if (real_error == std::errc() && real_end == number.data() + number.size()) {
    return nlohmann::json(negative ? -real : real);
  }
  return Fail(Error::InvalidArgument("not a Python literal"));
}

std::string JsonToPythonLiteral(const nlohmann::json& value) {
  if (value.is_boolean()) {
    return value.get<bool>() ? "True" : "False";
  }

  if (value.is_null()) {
    return "None";
  }

  if (value.is_string()) {
    // JSON string escapes are valid Python escapes, except that Python needs no "\/".
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return value.dump();
}

}  // namespace openlabs::notebooks
