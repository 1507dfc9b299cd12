#include "services/grading/grader_spec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <system_error>

#include "services/grading/jvm_options.h"

namespace openlabs::grading {
namespace {

constexpr size_t kMaxTests = 1000;
constexpr uintmax_t kMaxTestFileBytes = 16ull << 20;
constexpr size_t kMaxCommandBytes = 4096;

// Collects violations while reading grader.toml, so that every problem is reported at once.
class SpecReader {
 public:
  explicit SpecReader(const toml::table& root) : root_(root) {}

  std::optional<std::string> Text(const char* key) {
    const toml::node* node = root_.get(key);
    if (node == nullptr) {
      return std::nullopt;
    }
    const std::optional<std::string> value = node->value<std::string>();
    if (!value) {
      Add(key, "must be a string");
      return std::nullopt;
    }
    if (value->empty() || value->size() > kMaxCommandBytes) {
      Add(key, "must have 1 to 4096 characters");
      return std::nullopt;
    }
    return value;
  }

  void Number(const char* key, double min, double max, double& target) {
    const toml::node* node = root_.get(key);
    if (node == nullptr) {
      return;
    }
    const std::optional<double> value = node->value<double>();
    if (!value || *value < min || *value > max) {
      Add(key, "must be a number from " + Format(min) + " to " + Format(max));
      return;
    }
    target = *value;
  }

  void Integer(const char* key, int min, int max, int& target) {
    const toml::node* node = root_.get(key);
    if (node == nullptr) {
      return;
    }
    const std::optional<int64_t> value = node->value<int64_t>();
    if (!value || *value < min || *value > max) {
      Add(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    target = static_cast<int>(*value);
  }

  void Boolean(const char* key, bool& target) {
    const toml::node* node = root_.get(key);
    if (node == nullptr) {
      return;
    }
    const std::optional<bool> value = node->value<bool>();
    if (!value) {
      Add(key, "must be true or false");
      return;
    }
    target = *value;
  }

  std::vector<std::string> TextList(const char* key) {
    std::vector<std::string> items;
    const toml::node* node = root_.get(key);
    if (node == nullptr) {
      return items;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      Add(key, "must be an array of strings");
      return items;
    }
    for (const toml::node& item : *array) {
      const std::optional<std::string> text = item.value<std::string>();
      if (!text || text->empty()) {
        Add(key, "must be an array of non-empty strings");
        return {};
      }
      items.push_back(*text);
    }
    return items;
  }

  void Add(std::string field, std::string message) {
    violations_.push_back({std::move(field), std::move(message)});
  }

  std::vector<FieldViolation>& violations() { return violations_; }

 private:
  static std::string Format(double value) {
    std::string text = std::to_string(value);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') {
      text.pop_back();
    }
    return text;
  }

  const toml::table& root_;
  std::vector<FieldViolation> violations_;
};

const char* const kKnownKeys[] = {"language",
                                  "build",
                                  "run",
                                  "command",
                                  "checker",
                                  "compare",
                                  "check_exit_code",
                                  "time_limit_s",
                                  "memory_mb",
                                  "build_time_limit_s",
                                  "build_memory_mb",
                                  "command_time_limit_s",
                                  "hidden",
                                  "points"};

// Rejects memory limits under kMinJavaMemoryMb, with which the JVM does not start.
void CheckJavaMemory(SpecReader& reader, const GraderSpec& spec) {
  const std::string minimum = std::to_string(kMinJavaMemoryMb);
  if (spec.memory_mb < kMinJavaMemoryMb) {
    reader.Add("memory_mb", "must be at least " + minimum +
                                " for a Java grader, because the JVM does not start with less");
  }
  if (spec.build_memory_mb < kMinJavaMemoryMb) {
    reader.Add("build_memory_mb", "must be at least " + minimum +
                                      " for a Java grader, because javac does not start with less");
  }
}

void ReadSettings(SpecReader& reader, const toml::table& root, GraderSpec& spec, double& points) {
  for (const auto& [key, value] : root) {
    const std::string_view name = key.str();
    if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), name) == std::end(kKnownKeys)) {
      reader.Add(std::string(name), "is not a grader.toml key");
    }
  }
  if (std::optional<std::string> language = reader.Text("language")) {
    if (*language != "python3" && *language != "c" && *language != "java") {
      reader.Add("language", "must be \"python3\", \"c\" or \"java\"");
    }
    spec.language = *language;
  }
  spec.build = reader.Text("build");
  spec.run = reader.Text("run");
  spec.command = reader.Text("command");
  spec.checker = reader.Text("checker");
  if (std::optional<std::string> compare = reader.Text("compare")) {
    if (*compare == "exact") {
      spec.compare = CompareMode::kExact;
    } else if (*compare == "whitespace") {
      spec.compare = CompareMode::kWhitespace;
    } else if (*compare == "tokens") {
      spec.compare = CompareMode::kTokens;
    } else {
      reader.Add("compare", "must be \"exact\", \"whitespace\" or \"tokens\"");
    }
  }
  reader.Boolean("check_exit_code", spec.check_exit_code);
  reader.Number("time_limit_s", 0.1, 120, spec.time_limit_s);
  reader.Integer("memory_mb", 16, 8192, spec.memory_mb);
  reader.Number("build_time_limit_s", 1, 600, spec.build_time_limit_s);
  reader.Integer("build_memory_mb", 64, 8192, spec.build_memory_mb);
  reader.Number("command_time_limit_s", 1, 3600, spec.command_time_limit_s);
  reader.Number("points", 0, 1000, points);
  spec.hidden_patterns = reader.TextList("hidden");

  if (spec.language == "java") {
    CheckJavaMemory(reader, spec);
  }
  if (spec.run && spec.command) {
    reader.Add("command", "cannot be combined with run; a grader has either run or command");
  }
  if (!spec.run && !spec.command) {
    reader.Add("run", "is missing; set run (stdin/stdout tests) or command (writes results.json)");
  }
}

// Adds every tests/**/NAME.in with its NAME.out, sorted by name.
void FindTests(const std::filesystem::path& dir, SpecReader& reader, GraderSpec& spec,
               double points) {
  const std::filesystem::path tests_dir = dir / "tests";
  std::error_code error;
  if (!std::filesystem::is_directory(tests_dir, error)) {
    reader.Add("tests", "folder is missing; add tests/NAME.in and tests/NAME.out files");
    return;
  }
  std::filesystem::recursive_directory_iterator it(tests_dir, error), end;
  for (; !error && it != end; it.increment(error)) {
    const std::filesystem::path& path = it->path();
    if (!it->is_regular_file(error) || path.extension() != ".in") {
      continue;
    }
    std::filesystem::path relative = path.lexically_relative(tests_dir);
    relative.replace_extension();
    TestCase test;
    test.name = relative.generic_string();
    test.input = path;
    test.expected = path;
    test.expected.replace_extension(".out");
    test.max_score = points;
    const std::string field = "tests/" + test.name;
    if (!std::filesystem::is_regular_file(test.expected, error)) {
      reader.Add(field + ".out", "is missing; every .in file needs its .out file");
      continue;
    }
    if (std::filesystem::file_size(path, error) > kMaxTestFileBytes ||
        std::filesystem::file_size(test.expected, error) > kMaxTestFileBytes) {
      reader.Add(field, "is larger than 16 MiB");
      continue;
    }
    for (const std::string& pattern : spec.hidden_patterns) {
      test.hidden = test.hidden || MatchesGlob(pattern, test.name);
    }
    spec.tests.push_back(std::move(test));
  }
  if (error) {
    reader.Add("tests", "cannot be listed: " + error.message());
    return;
  }
  std::sort(spec.tests.begin(), spec.tests.end(),
            [](const TestCase& a, const TestCase& b) { return a.name < b.name; });
  if (spec.tests.empty()) {
    reader.Add("tests", "has no NAME.in files");
  }
  if (spec.tests.size() > kMaxTests) {
    reader.Add("tests", "has more than 1000 tests");
  }
}

}  // namespace

bool MatchesGlob(std::string_view pattern, std::string_view name) {
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

const char* CompareModeName(CompareMode mode) {
  switch (mode) {
    case CompareMode::kExact:
      return "exact";
    case CompareMode::kTokens:
      return "tokens";
    case CompareMode::kWhitespace:
      break;
  }
  return "whitespace";
}

Result<GraderSpec> LoadGraderSpec(const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "grader.toml";
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    return Fail(Error::Validation({{"grader.toml", "is missing from the grader folder"}}));
  }
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& parse_error) {
    return Fail(Error::Validation(
        {{"grader.toml", "cannot be parsed: " + std::string(parse_error.description()) + " (line " +
                             std::to_string(parse_error.source().begin.line) + ")"}}));
  }
  GraderSpec spec;
  SpecReader reader(root);
  double points = 1;
  ReadSettings(reader, root, spec, points);
  if (spec.run) {
    FindTests(dir, reader, spec, points);
  }
  if (!reader.violations().empty()) {
    return Fail(Error::Validation(std::move(reader.violations())));
  }
  return spec;
}

}  // namespace openlabs::grading
