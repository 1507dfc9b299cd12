#include "services/notebooks/cell_analysis.h"

#include <algorithm>
#include <array>
#include <vector>

#include "services/notebooks/python_tokens.h"

namespace openlabs::notebooks {
namespace {

enum class ScopeKind { kModule, kFunction, kClass, kLambda, kComprehension };

struct Scope {
  ScopeKind kind;
  int parent;  // -1 for the module
  std::set<std::string> bound;
  std::set<std::string> declared_global;
  std::vector<std::string> loads;
};

bool IsOp(const Token& token, std::string_view op) {
  return token.kind == TokenKind::kOp && token.text == op;
}

bool IsWord(const Token& token, std::string_view word) {
  return token.kind == TokenKind::kName && token.text == word;
}

bool IsOpen(const Token& token) {
  return token.kind == TokenKind::kOp &&
         (token.text == "(" || token.text == "[" || token.text == "{");
}

bool IsClose(const Token& token) {
  return token.kind == TokenKind::kOp &&
         (token.text == ")" || token.text == "]" || token.text == "}");
}

bool IsAugmentedAssignment(const Token& token) {
  static constexpr std::array<std::string_view, 13> kOps = {
      "+=", "-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "|=", "^=", "@="};
  return token.kind == TokenKind::kOp &&
         std::find(kOps.begin(), kOps.end(), token.text) != kOps.end();
}

// A half-open range of token indices.
struct Range {
  size_t begin;
  size_t end;
  bool empty() const { return begin >= end; }
};

class Analyzer {
 public:
  explicit Analyzer(const std::vector<Token>& tokens) : tokens_(tokens) {
    scopes_.push_back({ScopeKind::kModule, -1, {}, {}, {}});
  }

  CellNames Run() {
    ProcessBlock();
    return Resolve();
  }

 private:
  // Walks logical lines, opening a function or class scope for each indented def/class body.
  void ProcessBlock() {
    struct Open {
      int scope;
      int depth;  // indentation depth of the block's body
    };
    std::vector<Open> blocks;
    int depth = 0;
    size_t index = 0;
    while (index < tokens_.size() && tokens_[index].kind != TokenKind::kEnd) {
      const Token& token = tokens_[index];
      if (token.kind == TokenKind::kIndent) {
        ++depth;
        ++index;
        continue;
      }
      if (token.kind == TokenKind::kDedent) {
        --depth;
        while (!blocks.empty() && depth < blocks.back().depth) {
          blocks.pop_back();
        }
        ++index;
        continue;
      }
      if (token.kind == TokenKind::kNewline) {
        ++index;
        continue;
      }
      size_t end = index;
      while (end < tokens_.size() && tokens_[end].kind != TokenKind::kNewline &&
             tokens_[end].kind != TokenKind::kEnd) {
        ++end;
      }
      const int scope = blocks.empty() ? 0 : blocks.back().scope;
      const int body_scope = Statement({index, end}, scope);
      if (body_scope >= 0) {
        blocks.push_back({body_scope, depth + 1});
      }
      index = end;
    }
  }

  // Processes one logical line in `scope`. Returns the scope of an indented def/class body
  // that follows on the next lines, or -1.
  int Statement(Range range, int scope) {
    size_t first = range.begin;
    if (IsOp(tokens_[first], "@")) {
      Expression({first + 1, range.end}, scope);
      return -1;
    }

    if (IsWord(tokens_[first], "async") && first + 1 < range.end) {
      if (scopes_[scope].kind == ScopeKind::kModule) {
        is_async_ = is_async_ || !IsWord(tokens_[first + 1], "def");
      }
      ++first;
    }

    const Token& head = tokens_[first];
    if (IsWord(head, "def") || IsWord(head, "class")) {
      return Definition({first, range.end}, scope);
    }

    if (IsWord(head, "if") || IsWord(head, "elif") || IsWord(head, "while")) {
      const size_t colon = HeaderColon({first + 1, range.end});
      Expression({first + 1, colon}, scope);
      SimpleStatements({colon + 1, range.end}, scope);
      return -1;
    }

    if ((IsWord(head, "match") || IsWord(head, "case")) && first + 1 < range.end &&
        IsOp(tokens_[range.end - 1], ":") && !IsOp(tokens_[first + 1], "=") &&
        !IsOp(tokens_[first + 1], ".") && !IsOp(tokens_[first + 1], ":")) {
      Expression({first + 1, range.end - 1}, scope);
      return -1;
    }

    if (IsWord(head, "else") || IsWord(head, "try") || IsWord(head, "finally")) {
      SimpleStatements({HeaderColon({first + 1, range.end}) + 1, range.end}, scope);
      return -1;
    }

    if (IsWord(head, "for")) {
      const size_t colon = HeaderColon({first + 1, range.end});
      const size_t in = FindAtDepth({first + 1, colon}, "in");
      Targets({first + 1, in}, scope);
      Expression({std::min(in + 1, colon), colon}, scope);
      SimpleStatements({colon + 1, range.end}, scope);
      return -1;
    }

    if (IsWord(head, "with")) {
      const size_t colon = HeaderColon({first + 1, range.end});
      WithItems({first + 1, colon}, scope);
      SimpleStatements({colon + 1, range.end}, scope);
      return -1;
    }

    if (IsWord(head, "except")) {
      const size_t colon = HeaderColon({first + 1, range.end});
      const size_t as = FindAtDepth({first + 1, colon}, "as");
      Expression({first + 1, as}, scope);
      if (as + 1 < colon) {
        Bind(std::string(tokens_[as + 1].text), scope);
      }
      SimpleStatements({colon + 1, range.end}, scope);
      return -1;
    }
    SimpleStatements({first, range.end}, scope);
    return -1;
  }

  int Definition(Range range, int scope) {
    const bool is_class = IsWord(tokens_[range.begin], "class");
    size_t cursor = range.begin + 1;
    if (cursor >= range.end || tokens_[cursor].kind != TokenKind::kName) {
      return -1;
    }
    Bind(std::string(tokens_[cursor].text), scope);
    ++cursor;
    const int body = NewScope(is_class ? ScopeKind::kClass : ScopeKind::kFunction, scope);
    if (cursor < range.end && IsOp(tokens_[cursor], "(")) {
      const size_t close = MatchClose(cursor);
      if (is_class) {
        Expression({cursor + 1, close}, scope);
      } else {
        Parameters({cursor + 1, close}, scope, body);
      }
      cursor = close + 1;
    }

    const size_t colon = HeaderColon({cursor, range.end});
    if (cursor < colon && IsOp(tokens_[cursor], "->")) {
      Expression({cursor + 1, colon}, scope);
    }

    if (colon + 1 < range.end) {
      SimpleStatements({colon + 1, range.end}, body);
      return -1;
    }
    return body;
  }

  // Binds parameter names in `body`; defaults and annotations are read in `outer`.
  void Parameters(Range range, int outer, int body) {
    for (const Range& item : SplitAtDepth(range, ",")) {
      size_t cursor = item.begin;
      while (cursor < item.end && (IsOp(tokens_[cursor], "*") || IsOp(tokens_[cursor], "**"))) {
        ++cursor;
      }
      if (cursor >= item.end || tokens_[cursor].kind != TokenKind::kName) {
        continue;
      }
      Bind(std::string(tokens_[cursor].text), body);
      Expression({cursor + 1, item.end}, outer);
    }
  }

  void WithItems(Range range, int scope) {
    // `with (a as b, c as d):` groups its items in parentheses.
    if (!range.empty() && IsOp(tokens_[range.begin], "(") &&
        MatchClose(range.begin) + 1 == range.end &&
        FindAtDepth({range.begin + 1, range.end - 1}, "as") < range.end - 1) {
      range = {range.begin + 1, range.end - 1};
    }

    for (const Range& item : SplitAtDepth(range, ",")) {
      const size_t as = FindAtDepth(item, "as");
      Expression({item.begin, as}, scope);
      Targets({std::min(as + 1, item.end), item.end}, scope);
    }
  }

  void SimpleStatements(Range range, int scope) {
    for (const Range& statement : SplitAtDepth(range, ";")) {
      Simple(statement, scope);
    }
  }

  void Simple(Range range, int scope) {
    if (range.empty()) {
      return;
    }

    const Token& head = tokens_[range.begin];
    if (IsWord(head, "import")) {
      Imports({range.begin + 1, range.end}, scope, false);
      return;
    }

    if (IsWord(head, "from")) {
      const size_t import = FindAtDepth(range, "import");
      Imports({std::min(import + 1, range.end), range.end}, scope, true);
      return;
    }

    if (IsWord(head, "global") || IsWord(head, "nonlocal")) {
      for (size_t i = range.begin + 1; i < range.end; ++i) {
        if (tokens_[i].kind == TokenKind::kName && IsWord(head, "global")) {
          scopes_[scope].declared_global.insert(std::string(tokens_[i].text));
        }
      }
      return;
    }
    Assignment(range, scope);
  }

  void Imports(Range range, int scope, bool from) {
    if (!range.empty() && IsOp(tokens_[range.begin], "(")) {
      range = {range.begin + 1, MatchClose(range.begin)};
    }

    for (const Range& item : SplitAtDepth(range, ",")) {
      if (item.empty() || IsOp(tokens_[item.begin], "*")) {
        continue;
      }
      const size_t as = FindAtDepth(item, "as");
      if (as + 1 < item.end) {
        Bind(std::string(tokens_[as + 1].text), scope);
      } else if (tokens_[item.begin].kind == TokenKind::kName) {
        // `import a.b` binds `a`; `from m import a` binds `a`.
        Bind(std::string(tokens_[item.begin].text), scope);
      }
      (void)from;
    }
  }

  void Assignment(Range range, int scope) {
    std::vector<size_t> equals;
    size_t annotation = range.end;
    size_t augmented = range.end;
    int depth = 0;
    for (size_t i = range.begin; i < range.end; ++i) {
      const Token& token = tokens_[i];
      if (IsOpen(token)) {
        ++depth;
      } else if (IsClose(token)) {
        --depth;
      } else if (depth == 0 && IsWord(token, "lambda")) {
        break;
      } else if (depth == 0 && IsOp(token, "=")) {
        equals.push_back(i);
      } else if (depth == 0 && IsOp(token, ":") && equals.empty() && annotation == range.end) {
        annotation = i;
      } else if (depth == 0 && IsAugmentedAssignment(token) && augmented == range.end) {
        augmented = i;
      }
    }

    if (annotation != range.end) {
      Targets({range.begin, annotation}, scope);
      const size_t value = equals.empty() ? range.end : equals.front();
      Expression({annotation + 1, value}, scope);
      Expression({std::min(value + 1, range.end), range.end}, scope);
      return;
    }

    if (augmented != range.end) {
      Expression({range.begin, augmented}, scope);
      Targets({range.begin, augmented}, scope);
      Expression({augmented + 1, range.end}, scope);
      return;
    }

    size_t start = range.begin;
    for (size_t equal : equals) {
      Targets({start, equal}, scope);
      start = equal + 1;
    }
    Expression({start, range.end}, scope);
  }

  // Binds the names an assignment target stores to; subscripts and attributes are reads.
  void Targets(Range range, int scope) {
    for (size_t i = range.begin; i < range.end; ++i) {
      const Token& token = tokens_[i];
      if (IsOpen(token) && i > range.begin && IsTrailerBase(tokens_[i - 1])) {
        const size_t close = MatchClose(i);
        Expression({i + 1, close}, scope);
        i = close;
        continue;
      }
      if (token.kind != TokenKind::kName || IsPythonKeyword(token.text)) {
        continue;
      }
      if (i > range.begin && IsOp(tokens_[i - 1], ".")) {
        continue;
      }
      const bool base =
          i + 1 < range.end &&
          (IsOp(tokens_[i + 1], ".") || IsOp(tokens_[i + 1], "[") || IsOp(tokens_[i + 1], "("));
      if (base) {
        Load(std::string(token.text), scope);
      } else {
        Bind(std::string(token.text), scope);
      }
    }
  }

  // Records the names an expression reads, with lambdas, comprehensions and walrus targets.
  void Expression(Range range, int scope) {
    // Brackets nest at most 200 deep (the tokenizer checks), but `lambda: lambda: ...` chains
    // need no brackets, so the recursion has its own bound.
    if (expression_depth_ >= kMaxExpressionDepth) {
      return;
    }
    ++expression_depth_;
    ExpressionBody(range, scope);
    --expression_depth_;
  }

  void ExpressionBody(Range range, int scope) {
    for (size_t i = range.begin; i < range.end; ++i) {
      const Token& token = tokens_[i];
      if (IsOpen(token)) {
        const size_t close = MatchClose(i);
        if (FindAtDepth({i + 1, close}, "for") < close) {
          Comprehension({i + 1, close}, scope);
          i = close;
        }
        continue;
      }
      if (token.kind != TokenKind::kName) {
        continue;
      }
      if (IsWord(token, "lambda")) {
        i = Lambda({i + 1, range.end}, scope) - 1;
        continue;
      }
      if (IsWord(token, "await") ||
          (IsWord(token, "async") && i + 1 < range.end && IsWord(tokens_[i + 1], "for"))) {
        MarkAwait(scope);
        continue;
      }
      if (IsPythonKeyword(token.text) || (i > range.begin && IsOp(tokens_[i - 1], "."))) {
        continue;
      }
      const bool followed_by_equal = i + 1 < range.end && IsOp(tokens_[i + 1], "=");
      if (followed_by_equal && i > range.begin &&
          (IsOp(tokens_[i - 1], "(") || IsOp(tokens_[i - 1], ","))) {
        continue;  // a keyword argument's name
      }
      if (i + 1 < range.end && IsOp(tokens_[i + 1], ":=")) {
        Bind(std::string(token.text), WalrusScope(scope));
        continue;
      }
      Load(std::string(token.text), scope);
    }
  }

  // Processes `lambda params: body` starting after the keyword; returns the index after it.
  size_t Lambda(Range range, int scope) {
    const size_t colon = FindAtDepth(range, ":");
    const int body = NewScope(ScopeKind::kLambda, scope);
    Parameters({range.begin, colon}, scope, body);
    size_t end = colon + 1;
    int depth = 0;
    while (end < range.end) {
      const Token& token = tokens_[end];
      if (IsOpen(token)) {
        ++depth;
      } else if (IsClose(token)) {
        if (depth == 0) {
          break;
        }
        --depth;
      } else if (depth == 0 && IsOp(token, ",")) {
        break;
      }
      ++end;
    }
    Expression({std::min(colon + 1, end), end}, body);
    return std::max(end, range.begin + 1);
  }

  // Processes the inside of a comprehension's brackets:
  // `element for targets in iterable [if condition] ...`.
  void Comprehension(Range range, int scope) {
    const int inner = NewScope(ScopeKind::kComprehension, scope);
    std::vector<size_t> clauses;
    int depth = 0;
    for (size_t i = range.begin; i < range.end; ++i) {
      if (IsOpen(tokens_[i])) {
        ++depth;
      } else if (IsClose(tokens_[i])) {
        --depth;
      } else if (depth == 0 && (IsWord(tokens_[i], "for") || IsWord(tokens_[i], "if"))) {
        clauses.push_back(i);
      }
    }
    clauses.push_back(range.end);
    size_t element_end = clauses.front();
    if (element_end > range.begin && IsWord(tokens_[element_end - 1], "async")) {
      MarkAwait(scope);
      --element_end;
    }
    Expression({range.begin, element_end}, inner);
    bool first_for = true;
    for (size_t c = 0; c + 1 < clauses.size(); ++c) {
      const Range clause{clauses[c] + 1, clauses[c + 1]};
      if (IsWord(tokens_[clauses[c]], "if")) {
        Expression(clause, inner);
        continue;
      }
      size_t clause_end = clause.end;
      if (clause_end > clause.begin && IsWord(tokens_[clause_end - 1], "async")) {
        --clause_end;
      }
      const size_t in = FindAtDepth({clause.begin, clause_end}, "in");
      Targets({clause.begin, in}, inner);
      // The first iterable is evaluated in the enclosing scope.
      Expression({std::min(in + 1, clause_end), clause_end}, first_for ? scope : inner);
      first_for = false;
    }
  }

  void MarkAwait(int scope) {
    int current = scope;
    while (current >= 0 && scopes_[current].kind == ScopeKind::kComprehension) {
      current = scopes_[current].parent;
    }

    if (current == 0) {
      is_async_ = true;
    }
  }

  int WalrusScope(int scope) const {
    while (scope > 0 && scopes_[scope].kind == ScopeKind::kComprehension) {
      scope = scopes_[scope].parent;
    }
    return scope;
  }

  int NewScope(ScopeKind kind, int parent) {
    scopes_.push_back({kind, parent, {}, {}, {}});
    return static_cast<int>(scopes_.size() - 1);
  }

  void Bind(std::string name, int scope) {
    if (scopes_[scope].declared_global.contains(name)) {
      scopes_[0].bound.insert(std::move(name));
      return;
    }
    scopes_[scope].bound.insert(std::move(name));
  }

  void Load(std::string name, int scope) { scopes_[scope].loads.push_back(std::move(name)); }

  static bool IsTrailerBase(const Token& token) {
    return (token.kind == TokenKind::kName && !IsPythonKeyword(token.text)) ||
           token.kind == TokenKind::kString || IsOp(token, ")") || IsOp(token, "]");
  }

  size_t MatchClose(size_t open) const {
    int depth = 0;
    for (size_t i = open; i < tokens_.size(); ++i) {
      if (IsOpen(tokens_[i])) {
        ++depth;
      } else if (IsClose(tokens_[i]) && --depth == 0) {
        return i;
      }
    }
    return tokens_.size() - 1;
  }

  // The index of the first `word` (a name or an operator) at bracket depth 0, or range.end.
  size_t FindAtDepth(Range range, std::string_view word) const {
    int depth = 0;
    for (size_t i = range.begin; i < range.end; ++i) {
      const Token& token = tokens_[i];
      if (IsOpen(token)) {
        ++depth;
      } else if (IsClose(token)) {
        --depth;
      } else if (depth == 0 && token.text == word &&
                 (token.kind == TokenKind::kName || token.kind == TokenKind::kOp)) {
        return i;
      }
    }
    return range.end;
  }

  // The colon that ends a compound statement's header: the first ":" at depth 0 that does not
  // belong to a lambda.
  size_t HeaderColon(Range range) const {
    int depth = 0;
    int lambdas = 0;
    for (size_t i = range.begin; i < range.end; ++i) {
      const Token& token = tokens_[i];
      if (IsOpen(token)) {
        ++depth;
      } else if (IsClose(token)) {
        --depth;
      } else if (depth == 0 && IsWord(token, "lambda")) {
        ++lambdas;
      } else if (depth == 0 && IsOp(token, ":")) {
        if (lambdas == 0) {
          return i;
        }
        --lambdas;
      }
    }
    return range.end;
  }

  std::vector<Range> SplitAtDepth(Range range, std::string_view separator) const {
    std::vector<Range> parts;
    int depth = 0;
    size_t start = range.begin;
    for (size_t i = range.begin; i < range.end; ++i) {
      if (IsOpen(tokens_[i])) {
        ++depth;
      } else if (IsClose(tokens_[i])) {
        --depth;
      } else if (depth == 0 && IsOp(tokens_[i], separator)) {
        parts.push_back({start, i});
        start = i + 1;
      }
    }
    parts.push_back({start, range.end});
    return parts;
  }

  // A load is global when no enclosing function-like scope binds it; class scopes are seen
  // only by code directly in their body, as in Python.
  bool IsGlobalLoad(const std::string& name, int scope) const {
    for (int current = scope; current > 0; current = scopes_[current].parent) {
      const Scope& candidate = scopes_[current];
      if (candidate.declared_global.contains(name)) {
        return true;
      }
      if (candidate.kind == ScopeKind::kClass && current != scope) {
        continue;
      }
      if (candidate.bound.contains(name)) {
        return false;
      }
    }
    return true;
  }

  CellNames Resolve() const {
    CellNames names;
    names.is_async = is_async_;
    for (const std::string& name : scopes_[0].bound) {
      if (!IsCellPrivateName(name)) {
        names.defs.insert(name);
      }
    }

    for (size_t s = 0; s < scopes_.size(); ++s) {
      for (const std::string& name : scopes_[s].loads) {
        if (IsCellPrivateName(name) || scopes_[0].bound.contains(name)) {
          continue;
        }
        if (IsGlobalLoad(name, static_cast<int>(s))) {
          names.refs.insert(name);
        }
      }
    }
    return names;
  }

  static constexpr int kMaxExpressionDepth = 500;

  const std::vector<Token>& tokens_;
  std::vector<Scope> scopes_;
  bool is_async_ = false;
  int expression_depth_ = 0;
};

}  // namespace

namespace {

// True when every indented block follows a line that ends with ":", as Python's parser
// requires ("unexpected indent" otherwise).
bool IndentsFollowColons(const std::vector<Token>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind != TokenKind::kIndent) {
      continue;
    }
    const bool after_colon =
        i >= 2 && tokens[i - 1].kind == TokenKind::kNewline && IsOp(tokens[i - 2], ":");
    if (!after_colon) {
      return false;
    }
  }
  return true;
}

}  // namespace

CellNames AnalyzeCell(std::string_view code) {
  Result<std::vector<Token>> tokens = TokenizePython(code, {.expand_fstrings = true});
  if (!tokens || !IndentsFollowColons(*tokens)) {
    CellNames names;
    names.well_formed = false;
    return names;
  }
  return Analyzer(*tokens).Run();
}

bool IsCellPrivateName(std::string_view name) {
  return name.starts_with("_") && !(name.starts_with("__") && name.ends_with("__"));
}

bool IsPythonBuiltin(std::string_view name) {
  // dir(builtins) of CPython 3.11, sorted.
  static constexpr std::array<std::string_view, 157> kBuiltins = {"ArithmeticError",
                                                                  "AssertionError",
                                                                  "AttributeError",
                                                                  "BaseException",
                                                                  "BaseExceptionGroup",
                                                                  "BlockingIOError",
                                                                  "BrokenPipeError",
                                                                  "BufferError",
                                                                  "BytesWarning",
                                                                  "ChildProcessError",
                                                                  "ConnectionAbortedError",
                                                                  "ConnectionError",
                                                                  "ConnectionRefusedError",
                                                                  "ConnectionResetError",
                                                                  "DeprecationWarning",
                                                                  "EOFError",
                                                                  "Ellipsis",
                                                                  "EncodingWarning",
                                                                  "EnvironmentError",
                                                                  "Exception",
                                                                  "ExceptionGroup",
                                                                  "False",
                                                                  "FileExistsError",
                                                                  "FileNotFoundError",
                                                                  "FloatingPointError",
                                                                  "FutureWarning",
                                                                  "GeneratorExit",
                                                                  "IOError",
                                                                  "ImportError",
                                                                  "ImportWarning",
                                                                  "IndentationError",
                                                                  "IndexError",
                                                                  "InterruptedError",
                                                                  "IsADirectoryError",
                                                                  "KeyError",
                                                                  "KeyboardInterrupt",
                                                                  "LookupError",
                                                                  "MemoryError",
                                                                  "ModuleNotFoundError",
                                                                  "NameError",
                                                                  "None",
                                                                  "NotADirectoryError",
                                                                  "NotImplemented",
                                                                  "NotImplementedError",
                                                                  "OSError",
                                                                  "OverflowError",
                                                                  "PendingDeprecationWarning",
                                                                  "PermissionError",
                                                                  "ProcessLookupError",
                                                                  "RecursionError",
                                                                  "ReferenceError",
                                                                  "ResourceWarning",
                                                                  "RuntimeError",
                                                                  "RuntimeWarning",
                                                                  "StopAsyncIteration",
                                                                  "StopIteration",
                                                                  "SyntaxError",
                                                                  "SyntaxWarning",
                                                                  "SystemError",
                                                                  "SystemExit",
                                                                  "TabError",
                                                                  "TimeoutError",
                                                                  "True",
                                                                  "TypeError",
                                                                  "UnboundLocalError",
                                                                  "UnicodeDecodeError",
                                                                  "UnicodeEncodeError",
                                                                  "UnicodeError",
                                                                  "UnicodeTranslateError",
                                                                  "UnicodeWarning",
                                                                  "UserWarning",
                                                                  "ValueError",
                                                                  "Warning",
                                                                  "ZeroDivisionError",
                                                                  "__build_class__",
                                                                  "__debug__",
                                                                  "__doc__",
                                                                  "__import__",
                                                                  "__loader__",
                                                                  "__name__",
                                                                  "__package__",
                                                                  "__spec__",
                                                                  "abs",
                                                                  "aiter",
                                                                  "all",
                                                                  "anext",
                                                                  "any",
                                                                  "ascii",
                                                                  "bin",
                                                                  "bool",
                                                                  "breakpoint",
                                                                  "bytearray",
                                                                  "bytes",
                                                                  "callable",
                                                                  "chr",
                                                                  "classmethod",
                                                                  "compile",
                                                                  "complex",
                                                                  "copyright",
                                                                  "credits",
                                                                  "delattr",
                                                                  "dict",
                                                                  "dir",
                                                                  "divmod",
                                                                  "enumerate",
                                                                  "eval",
                                                                  "exec",
                                                                  "exit",
                                                                  "filter",
                                                                  "float",
                                                                  "format",
                                                                  "frozenset",
                                                                  "getattr",
                                                                  "globals",
                                                                  "hasattr",
                                                                  "hash",
                                                                  "help",
                                                                  "hex",
                                                                  "id",
                                                                  "input",
                                                                  "int",
                                                                  "isinstance",
                                                                  "issubclass",
                                                                  "iter",
                                                                  "len",
                                                                  "license",
                                                                  "list",
                                                                  "locals",
                                                                  "map",
                                                                  "max",
                                                                  "memoryview",
                                                                  "min",
                                                                  "next",
                                                                  "object",
                                                                  "oct",
                                                                  "open",
                                                                  "ord",
                                                                  "pow",
                                                                  "print",
                                                                  "property",
                                                                  "quit",
                                                                  "range",
                                                                  "repr",
                                                                  "reversed",
                                                                  "round",
                                                                  "set",
                                                                  "setattr",
                                                                  "slice",
                                                                  "sorted",
                                                                  "staticmethod",
                                                                  "str",
                                                                  "sum",
                                                                  "super",
                                                                  "tuple",
                                                                  "type",
                                                                  "vars",
                                                                  "zip"};
  return std::binary_search(kBuiltins.begin(), kBuiltins.end(), name);
}

}  // namespace openlabs::notebooks
