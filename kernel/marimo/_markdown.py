"""A small Markdown to HTML renderer for `mo.md` (the standard library has none).

Supported: ATX headings, paragraphs, emphasis, inline code, fenced code blocks, links, images,
block quotes, nested bullet and numbered lists, GitHub tables, horizontal rules, raw HTML, and
marimo's `/// kind | title` admonition blocks. Math (`$...$`, `$$...$$`) is kept verbatim inside
`<span class="math">` for KaTeX in the browser.
"""

from __future__ import annotations

import html
import inspect
import re

_TAG = re.compile(r"<[A-Za-z/!][^>]*>")
_TAG_WITH_ATTRIBUTES = re.compile(r"<[A-Za-z][\w-]*\s[^>]*>")
_PLACEHOLDER = "\x00{}\x00"
_FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_ADMONITION = re.compile(r"^///\s*([\w-]+)?\s*(?:\|\s*(.*))?$")


def render(text: str) -> str:
    """Render Markdown text (dedented first, as `mo.md` does) to an HTML fragment."""
    lines = inspect.cleandoc(text).split("\n")
    return "".join(_render_blocks(lines))


def _render_blocks(lines: list[str]) -> list[str]:
    out: list[str] = []
    index = 0
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{render_inline(' '.join(s.strip() for s in paragraph))}</p>")
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        handler = _block_handler(lines, index)
        if handler is not None:
            flush()
            html_text, index = handler
            out.append(html_text)
            continue
        if not stripped:
            flush()
        else:
            paragraph.append(line)
        index += 1
    flush()
    return out


def _block_handler(lines: list[str], index: int) -> tuple[str, int] | None:
    """Render the block starting at `index` if it is not a paragraph line."""
    line = lines[index]
    stripped = line.strip()
    if _FENCE.match(stripped):
        return _fenced_code(lines, index)
    if stripped.startswith("$$"):
        return _display_math(lines, index)
    if _ADMONITION.match(stripped) and stripped != "///":
        return _admonition(lines, index)
    heading = _HEADING.match(stripped)
    if heading:
        level = len(heading.group(1))
        return f"<h{level}>{render_inline(heading.group(2))}</h{level}>", index + 1
    if _RULE.match(stripped):
        return "<hr>", index + 1
    if stripped.startswith(">"):
        return _blockquote(lines, index)
    if _LIST_ITEM.match(line):
        return _list(lines, index)
    if stripped.startswith("|") and index + 1 < len(lines) and _TABLE_SEPARATOR.match(
        lines[index + 1]
    ):
        return _table(lines, index)
    if stripped.startswith("<") and _TAG.match(stripped):
        return stripped, index + 1
    return None


def _fenced_code(lines: list[str], index: int) -> tuple[str, int]:
    match = _FENCE.match(lines[index].strip())
    fence, language = match.group(1), match.group(2)
    body = []
    index += 1
    while index < len(lines) and not lines[index].strip().startswith(fence):
        body.append(lines[index])
        index += 1
    css = f' class="language-{html.escape(language)}"' if language else ""
    code = html.escape("\n".join(body)).replace("\n", "&#10;")
    return f"<pre><code{css}>{code}</code></pre>", index + 1


def _display_math(lines: list[str], index: int) -> tuple[str, int]:
    first = lines[index].strip()
    body = [first]
    if not (first.endswith("$$") and len(first) > 2):
        index += 1
        while index < len(lines) and "$$" not in lines[index]:
            body.append(lines[index].strip())
            index += 1
        if index < len(lines):
            body.append(lines[index].strip())
    text = html.escape(" ".join(body))
    return f'<div class="math display">{text}</div>', index + 1


def _admonition(lines: list[str], index: int) -> tuple[str, int]:
    match = _ADMONITION.match(lines[index].strip())
    kind = match.group(1) or "note"
    title = match.group(2) or kind.capitalize()
    body = []
    index += 1
    while index < len(lines) and lines[index].strip() != "///":
        body.append(lines[index])
        index += 1
    inner = "".join(_render_blocks(body))
    return (
        f'<div class="admonition {html.escape(kind)}"><p class="admonition-title">'
        f"{render_inline(title)}</p>{inner}</div>",
        index + 1,
    )


def _blockquote(lines: list[str], index: int) -> tuple[str, int]:
    body = []
    while index < len(lines) and lines[index].strip().startswith(">"):
        body.append(lines[index].strip()[1:].removeprefix(" "))
        index += 1
    return f"<blockquote>{''.join(_render_blocks(body))}</blockquote>", index


def _list(lines: list[str], index: int) -> tuple[str, int]:
    first = _LIST_ITEM.match(lines[index])
    indent = len(first.group(1))
    ordered = first.group(2)[0].isdigit()
    items: list[list[str]] = []
    while index < len(lines):
        line = lines[index]
        match = _LIST_ITEM.match(line)
        if match and len(match.group(1)) == indent:
            items.append([match.group(3)])
        elif line.strip() and (len(line) - len(line.lstrip())) > indent and items:
            items[-1].append(line[indent + 2 :] if match else line.strip())
        elif not line.strip() and index + 1 < len(lines) and items and (
            len(lines[index + 1]) - len(lines[index + 1].lstrip()) > indent
        ):
            items[-1].append("")
        else:
            break
        index += 1
    tag = "ol" if ordered else "ul"
    rendered = []
    for item in items:
        head, rest = item[0], item[1:]
        nested = "".join(_render_blocks(rest)) if rest else ""
        rendered.append(f"<li>{render_inline(head)}{nested}</li>")
    return f"<{tag}>{''.join(rendered)}</{tag}>", index


def _split_row(line: str) -> list[str]:
    cells = line.strip().strip("|").split("|")
    return [cell.strip() for cell in cells]


def _table(lines: list[str], index: int) -> tuple[str, int]:
    header = _split_row(lines[index])
    index += 2
    rows = []
    while index < len(lines) and lines[index].strip().startswith("|"):
        rows.append(_split_row(lines[index]))
        index += 1
    head = "".join(f"<th>{render_inline(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{render_inline(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>", index


def render_inline(text: str) -> str:
    """Render inline Markdown: code, math, links, images, emphasis; raw tags pass through."""
    saved: list[str] = []

    def keep(fragment: str) -> str:
        saved.append(fragment)
        return _PLACEHOLDER.format(len(saved) - 1)

    # Tags with attributes come first: generated HTML (widgets, images) carries `$`, `*` or `_`
    # in its attributes, which the math and emphasis rules below must not touch.
    text = _TAG_WITH_ATTRIBUTES.sub(lambda m: keep(m.group(0)), text)
    text = re.sub(r"`([^`]+)`", lambda m: keep(f"<code>{html.escape(m.group(1))}</code>"), text)
    text = re.sub(
        r"\$([^$\n]+?)\$",
        lambda m: keep(f'<span class="math inline">{html.escape(m.group(0))}</span>'),
        text,
    )
    text = _TAG.sub(lambda m: keep(m.group(0)), text)
    text = html.escape(text, quote=False)
    text = re.sub(
        r"!\[([^\]]*)\]\(([^)\s]+)\)",
        lambda m: keep(f'<img src="{html.escape(m.group(2))}" alt="{html.escape(m.group(1))}">'),
        text,
    )
    text = re.sub(
        r"\[([^\]]+)\]\(([^)\s]+)\)",
        lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>',
        text,
    )
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>",
                  text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"<em>\1</em>", text)
    text = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?!\w)", r"<em>\1</em>", text)
    for _ in range(3):  # fragments kept inside kept fragments, such as a tag inside a link
        text = re.sub("\x00(\\d+)\x00", lambda m: saved[int(m.group(1))] if int(m.group(1)) < len(saved) else "", text)
    return text
