"""report_html_check.py - checks a `custos report --format html` page with
Python's html.parser (t0601): one self-contained document (no script, no
external style, font, image or link), the sections and charts it must
have, tables whose rows all have as many cells as their head, and each
given hostile string present as text (escaped in the source, so it never
turned into markup). Prints what is wrong and exits 1, or exits 0.

usage: report_html_check.py PAGE [--text STRING]... [--forbid STRING]...
"""
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "wbr", "source", "area", "base",
        "embed", "param", "track", "rect", "line", "path", "circle"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.text = [], [], []
        self.count, self.ids, self.tables = {}, set(), []
        self.svg_titles = 0

    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        a = dict(attrs)
        if tag in ("script", "link", "iframe", "object", "embed", "img"):
            self.errors.append("element <%s> in the page" % tag)
        for k, v in attrs:
            if k.startswith("on"):
                self.errors.append("event handler attribute %s" % k)
            if k in ("src", "href") and v and not v.startswith("#"):
                self.errors.append("external reference %s=%r" % (k, v))
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "table":
            self.tables.append({"head": None, "rows": []})
        if tag == "tr" and self.tables:
            self.tables[-1]["rows"].append(0)
        if tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1] += int(a.get("colspan", 1))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            if "url(" in data or "@import" in data:
                self.errors.append("the style loads something")
            return
        self.text.append(data)


def main():
    args = sys.argv[1:]
    page = open(args[0], encoding="utf-8").read()
    wants, forbid = [], []
    i = 1
    while i < len(args):
        (wants if args[i] == "--text" else forbid).append(args[i + 1])
        i += 2
    p = Page()
    p.feed(page)
    p.close()
    errors = list(p.errors)
    if p.stack:
        errors.append("unclosed elements: %s" % p.stack)
    if not page.startswith("<!DOCTYPE html>"):
        errors.append("no doctype")
    for tag, n in (("html", 1), ("head", 1), ("body", 1), ("h1", 1), ("style", 1), ("title", None)):
        if n is not None and p.count.get(tag, 0) != n:
            errors.append("%d <%s>, want %d" % (p.count.get(tag, 0), tag, n))
    for sec in ("attention", "secrets", "teams", "tokens", "access", "about"):
        if sec not in p.ids:
            errors.append("no section #%s" % sec)
    if p.count.get("svg", 0) < 5:
        errors.append("only %d charts" % p.count.get("svg", 0))
    for t in p.tables:
        rows = [r for r in t["rows"]]
        if rows and any(r != rows[0] for r in rows):
            errors.append("a table with rows of %s cells" % sorted(set(rows)))
    text = "".join(p.text)
    for w in wants:
        if w not in text:
            errors.append("text %r not in the page" % w)
        if w in page and any(c in w for c in "<>&\""):
            errors.append("%r is in the source unescaped" % w)
    for f in forbid:
        if f in page:
            errors.append("%r is in the page" % f)
    for e in errors:
        print("report_html_check: " + e)
    sys.exit(1 if errors else 0)


main()
