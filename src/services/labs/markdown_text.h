#pragma once

#include <string>
#include <string_view>

namespace openlabs::labs {

// The words of a lab's GitHub-flavoured Markdown as plain text, for the search index, so that
// ranking and snippets see words and not syntax. The Markdown is parsed with cmark-gfm (with its
// table, strikethrough and autolink extensions). The result keeps the text of headings,
// paragraphs, lists, tables, code spans and code blocks, link text and image alt text. It drops
// the markup and the link and image URLs. Raw HTML is parsed with libxml2's HTML parser, which keeps the
// text between tags and drops tags, comments, scripts and styles. Math stays as its TeX source,
// less the backslash escapes that Markdown itself removes. Blocks end with a newline. Never
// fails: any input is Markdown. Thread-safe.
std::string MarkdownToText(std::string_view markdown);

// The text of an HTML fragment, as MarkdownToText keeps it from raw HTML.
std::string HtmlToText(std::string_view html);

}  // namespace openlabs::labs
