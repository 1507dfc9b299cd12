#include "services/labs/markdown_text.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <array>
#include <memory>
#include <mutex>

namespace openlabs::labs {
namespace {

// The syntax extensions of GitHub-flavoured Markdown that change what is text: without "table"
// the pipes and dashes of a table would stay in the text.
constexpr std::array<const char*, 4> kExtensions = {"table", "strikethrough", "autolink",
                                                    "tasklist"};

// Elements whose content is not visible text.
constexpr std::array<std::string_view, 5> kSkippedElements = {"script", "style", "template",
                                                              "noscript", "head"};

// Elements that sit inside a line of text, so that no line break is put after them.
constexpr std::array<std::string_view, 28> kInlineElements = {
    "a",    "abbr", "b",    "bdi",  "bdo",    "cite", "code",  "data",  "del",    "dfn",
    "em",   "font", "i",    "ins",  "kbd",    "mark", "q",     "s",     "samp",   "small",
    "span", "sub",  "sup",  "time", "strike", "tt",   "u",     "var"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view candidate : names) {
    if (candidate == name) {
      return true;
    }
  }
  return false;
}

void EndLine(std::string& text) {
  if (!text.empty() && text.back() != '\n') {
    text += '\n';
  }
}

// The parsers' global state is set up once, before the first parse of any thread: both
// libraries document their registration and initialisation as not thread-safe.
void InitializeParsers() {
  static std::once_flag once;
  std::call_once(once, [] {
    cmark_gfm_core_extensions_ensure_registered();
    xmlInitParser();
  });
}

void AppendHtmlText(const xmlNode* node, std::string& text) {
  for (; node != nullptr; node = node->next) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      if (node->content != nullptr) {
        text += reinterpret_cast<const char*>(node->content);
      }
      continue;
    }
    if (node->type != XML_ELEMENT_NODE) {
      continue;
    }
    const std::string_view name = reinterpret_cast<const char*>(node->name);
    if (Contains(kSkippedElements, name)) {
      continue;
    }
    if (name == "br") {
      text += '\n';
      continue;
    }
    if (name == "img") {
      xmlChar* alt = xmlGetProp(node, reinterpret_cast<const xmlChar*>("alt"));
      if (alt != nullptr) {
        text += reinterpret_cast<const char*>(alt);
        xmlFree(alt);
      }
      continue;
    }
    AppendHtmlText(node->children, text);
    if (!Contains(kInlineElements, name)) {
      EndLine(text);
    }
  }
}

struct ParserDeleter {
  void operator()(cmark_parser* parser) const { cmark_parser_free(parser); }
};
struct NodeDeleter {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterDeleter {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};
struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

std::unique_ptr<cmark_node, NodeDeleter> ParseMarkdown(std::string_view markdown) {
  std::unique_ptr<cmark_parser, ParserDeleter> parser(
      cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_FOOTNOTES));
  for (const char* name : kExtensions) {
    if (cmark_syntax_extension* extension = cmark_find_syntax_extension(name);
        extension != nullptr) {
      cmark_parser_attach_syntax_extension(parser.get(), extension);
    }
  }
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  return std::unique_ptr<cmark_node, NodeDeleter>(cmark_parser_finish(parser.get()));
}

bool IsBlock(cmark_node* node) {
  return (cmark_node_get_type(node) & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK;
}

std::string_view Literal(cmark_node* node) {
  const char* literal = cmark_node_get_literal(node);
  return literal == nullptr ? std::string_view() : std::string_view(literal);
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  InitializeParsers();
  if (html.empty()) {
    return {};
  }
  std::unique_ptr<xmlDoc, DocDeleter> doc(
      htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                         HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED));
  std::string text;
  if (doc != nullptr) {
    AppendHtmlText(doc->children, text);
  }
  return text;
}

std::string MarkdownToText(std::string_view markdown) {
  InitializeParsers();
  std::unique_ptr<cmark_node, NodeDeleter> document = ParseMarkdown(markdown);
  std::unique_ptr<cmark_iter, IterDeleter> iter(cmark_iter_new(document.get()));
  std::string text;
  cmark_event_type event = CMARK_EVENT_NONE;
  while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    const bool entering = event == CMARK_EVENT_ENTER;
    if (IsBlock(node)) {
      EndLine(text);
    }
    if (!entering) {
      continue;
    }
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
      case CMARK_NODE_CODE_BLOCK:
        text += Literal(node);
        break;
      case CMARK_NODE_HTML_BLOCK:
      case CMARK_NODE_HTML_INLINE:
        text += HtmlToText(Literal(node));
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        text += '\n';
        break;
      default:
        break;  // containers: their children carry the text
    }
  }
  EndLine(text);
  return text == "\n" ? std::string() : text;
}

}  // namespace openlabs::labs
