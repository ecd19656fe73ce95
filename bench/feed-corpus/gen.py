#!/usr/bin/env python3
"""Writes the feed corpus of bench/feed-corpus: small documents, one per file, named
<class>-<nnn>.<ext>, covering RSS 0.90/0.91/0.92/1.0/2.0, Atom 0.3/1.0 and the defect
classes of issue 18 (entities, Atom 0.3 and content modes, items without link, metadata
forms, shapes of real sites' feeds, undeclared charsets).

Every document is written here from the specifications (RSS 0.90, 0.91, 1.0, 2.0; Atom 0.3;
RFC 4287) and feedparser's documented behaviour; none is copied from another project.
Deterministic: the same corpus on every run.

    python3 bench/feed-corpus/gen.py [OUT_DIR]   (default bench/feed-corpus/out)
"""
import base64
import itertools
import os
import random
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "out")
rng = random.Random(18)

AR = ["ليبيا اليوم", "اجتماع في طرابلس", "أسعار النفط ترتفع", "بنغازي تستضيف مؤتمرا",
      "مصرف ليبيا المركزي", "الانتخابات المقبلة", "قمة عربية في القاهرة", "الطقس غدا"]
LATIN = ["Últimas Notícias do dia", "Économie: la croissance", "Año nuevo en Túnez",
         "Governo anuncia medidas", "Café com leite", "Noël à Paris", "Ação e reação",
         "São Paulo amanhece frio"]
EN = ["Markets open higher", "Weather for the weekend", "Council meets on Tuesday",
      "New library opens", "Match report", "Interview with the mayor"]
ENTITIES = [("&deg;", "°"), ("&nbsp;", "\u00a0"), ("&hellip;", "…"), ("&laquo;", "«"),
            ("&raquo;", "»"), ("&mdash;", "—"), ("&eacute;", "é"), ("&copy;", "©"),
            ("&rsquo;", "’"), ("&euro;", "€")]

count = {}


def write(cls, body, ext="xml"):
    n = count.get(cls, 0)
    count[cls] = n + 1
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    with open(os.path.join(OUT, f"{cls}-{n:03d}.{ext}"), "wb") as f:
        f.write(data)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def titles(k, pool=None):
    pool = pool or (AR + EN)
    return [rng.choice(pool) + f" {i + 1}" for i in range(k)]


def rss2(items, version="2.0", extra_ns="", decl=True, channel_extra="", root_attrs=None):
    v = "" if version is None else f' version="{version}"'
    attrs = root_attrs if root_attrs is not None else v + extra_ns
    head = '<?xml version="1.0" encoding="utf-8"?>\n' if decl else ""
    return (f"{head}<rss{attrs}><channel><title>Channel</title>"
            f"<link>https://site.example/</link><description>d</description>{channel_extra}"
            + "".join(items) + "</channel></rss>")


def item(title, link=True, i=0, extra=""):
    l = f"<link>https://site.example/{i}</link>" if link else ""
    return f"<item><title>{title}</title>{l}<description>Body {i}</description>{extra}</item>"


def atom(entries, ns="http://www.w3.org/2005/Atom", feed_extra="", attrs=""):
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="{ns}"{attrs}>'
            f"<title>Feed</title><id>urn:feed</id><updated>2026-11-29T08:00:00Z</updated>{feed_extra}"
            + "".join(entries) + "</feed>")


def entry(title, i, extra="", link=True):
    l = f'<link href="https://site.example/e{i}"/>' if link else ""
    return (f"<entry><title>{title}</title><id>urn:e{i}</id>"
            f"<updated>2026-11-29T08:00:00Z</updated>{l}{extra}</entry>")


def rdf(items, ns="http://purl.org/rss/1.0/", channel=True):
    ch = ('<channel rdf:about="https://site.example/"><title>RDF</title>'
          "<link>https://site.example/</link><description>d</description></channel>"
          if channel else "")
    return ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="{ns}" xmlns:dc="http://purl.org/dc/elements/1.1/">{ch}' + "".join(items) + "</rdf:RDF>")


def well_formed():
    # Baselines: each version as its specification writes it.
    for k in range(8):
        write("baseline", rss2([item(esc(t), i=i) for i, t in enumerate(titles(k % 4 + 1))]))
        write("baseline", rss2([item(esc(t), i=i) for i, t in enumerate(titles(2))], version="0.91"))
        write("baseline", rss2([item(esc(t), i=i) for i, t in enumerate(titles(3))], version="0.92"))
        write("baseline", rdf([f'<item rdf:about="https://site.example/{i}"><title>{esc(t)}</title>'
                               f"<link>https://site.example/{i}</link></item>"
                               for i, t in enumerate(titles(2))]))
        write("baseline", atom([entry(esc(t), i, '<content type="html">&lt;p&gt;x&lt;/p&gt;</content>')
                                for i, t in enumerate(titles(k % 3 + 1))]))


def entities():
    for k in range(60):
        ents = rng.sample(ENTITIES, 3)
        t = f"{rng.choice(LATIN + EN)} {ents[0][0]} {rng.choice(AR)}{ents[1][0]}x"
        items = [item(t, i=0), item(f"Two {ents[2][0]} items", i=1)]
        shape = k % 6
        if shape == 0:  # no XML declaration
            write("entities", rss2(items, decl=False))
        elif shape == 1:  # a comment between the declaration and the root
            write("entities", rss2(items).replace("?>\n", "?>\n<!-- generator: cms 1.2 -->\n", 1))
        elif shape == 2:  # upper-case hexadecimal references
            write("entities", rss2([item(f"Letter &#X41;&#x62; &#X0644;{ents[0][0]}", i=0)]))
        elif shape == 3:  # in an Atom feed, no declaration
            write("entities", atom([entry(t, 0), entry("x &hellip; y", 1)]).split("\n", 1)[1])
        elif shape == 4:  # in the channel title, RSS without version
            write("entities", rss2(items, version=None, decl=False,
                                   channel_extra=f"<copyright>{ents[0][0]} 2026</copyright>"))
        else:  # comment and DOCTYPE before the root
            write("entities", rss2(items).replace(
                "?>\n", '?>\n<!-- x -->\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n', 1))


def atom03():
    ns = "http://purl.org/atom/ns#"
    for k in range(45):
        ts = titles(2, EN + LATIN)
        es = []
        for i, t in enumerate(ts):
            body = f"<p>Paragraph {i} of {esc(t)}</p>"
            mode = k % 5
            if mode == 0:
                content = f'<content type="text/html" mode="escaped">{esc(body)}</content>'
            elif mode == 1:
                content = (f'<content type="text/html" mode="base64">'
                           f"{base64.b64encode(body.encode()).decode()}</content>")
            elif mode == 2:
                content = (f'<content type="application/xhtml+xml" mode="xml">'
                           f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div></content>')
            elif mode == 3:
                content = f'<content type="text/plain" mode="escaped">Plain {esc(t)}</content>'
            else:
                content = f'<summary type="text/plain">Sum {i}</summary>'
            title = (f'<title type="text/html" mode="escaped">{esc(esc(t))}</title>' if k % 2
                     else f"<title>{esc(t)}</title>")
            es.append(f'<entry>{title}<link rel="alternate" type="text/html" href="https://a.example/{k}/{i}"/>'
                      f"<id>tag:a.example,2004:{k}.{i}</id><issued>2004-0{1 + k % 9}-1{i}T10:00:00+01:00</issued>"
                      f"<modified>2004-0{1 + k % 9}-1{i}T12:00:00Z</modified>"
                      f"<author><name>Writer {i}</name><url>https://a.example/w{i}</url></author>{content}</entry>")
        write("atom03", f'<?xml version="1.0" encoding="utf-8"?>\n<feed version="0.3" xmlns="{ns}" xml:lang="en">'
              f'<title mode="escaped" type="text/html">Atom 0.3 &amp;amp; co</title><tagline>old</tagline>'
              f'<link rel="alternate" type="text/html" href="https://a.example/"/>'
              f"<modified>2004-01-01T00:00:00Z</modified>" + "".join(es) + "</feed>")


def atom10():
    for k in range(40):
        ts = titles(2, EN + AR)
        es = []
        for i, t in enumerate(ts):
            v = (k + i) % 8
            if v == 0:
                x = f'<content type="text">{esc(t)} body</content>'
            elif v == 1:
                x = f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{esc(t)}</p></div></content>'
            elif v == 2:
                x = f'<content type="text/plain">{esc(t)}</content><summary/>'
            elif v == 3:
                x = (f'<content type="application/octet-stream">'
                     f'{base64.b64encode(("<p>" + t + "</p>").encode()).decode()}</content>')
            elif v == 4:
                x = f'<summary type="html"></summary><content type="html">&lt;b&gt;{esc(t)}&lt;/b&gt;</content>'
            elif v == 5:
                x = '<content type="text/html">&lt;p&gt;html&lt;/p&gt;</content>'
            elif v == 6:
                x = f'<title type="text/plain">{esc(t)}</title>'
                es.append(f'<entry>{x}<id>urn:k{k}e{i}</id><updated>2026-11-29T08:00:00Z</updated>'
                          f'<link href="https://site.example/{k}/{i}"/></entry>')
                continue
            else:
                x = '<content src="https://site.example/full" type="text/html"/>'
            es.append(entry(esc(t), f"{k}-{i}", x))
        write("atom10", atom(es))


def linkless():
    for k in range(50):
        ts = titles(3)
        v = k % 5
        if v == 0:  # RSS 1.0 items identified by rdf:about only (a URL, or a URN)
            about = "https://r.example/" if k % 2 else "urn:r.example:"
            write("linkless", rdf([f'<item rdf:about="{about}{k}/{i}"><title>{esc(t)}</title>'
                                   f"<description>d</description></item>" for i, t in enumerate(ts)]))
        elif v == 1:  # RSS 2.0 items with a title and a description only
            write("linkless", rss2([f"<item><title>{esc(t)}</title><description>Body {k}.{i}</description></item>"
                                    for i, t in enumerate(ts)]))
        elif v == 2:  # guid as the permalink
            write("linkless", rss2([f"<item><title>{esc(t)}</title><guid>https://g.example/{k}/{i}</guid></item>"
                                    for i, t in enumerate(ts)]))
        elif v == 3:  # Atom entries with an id but no link
            write("linkless", atom([entry(esc(t), f"{k}-{i}", "<summary>s</summary>", link=False)
                                    for i, t in enumerate(ts)]))
        else:  # description only, no title (RSS 0.92 allows it)
            write("linkless", rss2([f"<item><description>Only a body {k}.{i}</description></item>"
                                    for i in range(3)], version="0.92"))


def metadata():
    for k in range(55):
        ts = titles(2, EN + LATIN)
        v = k % 11
        if v == 0:
            x = [f"<author>w{i}@site.example (Writer {i})</author>" for i in range(2)]
        elif v == 1:
            x = [f"<author>Writer {i} (w{i}@site.example)</author>" for i in range(2)]
        elif v == 2:
            x = [f"<dc:creator>Writer {i}</dc:creator>" for i in range(2)]
        elif v == 3:
            x = [f"<dc:contributor>Contributor {i}</dc:contributor>" for i in range(2)]
        elif v == 4:
            x = [f"<itunes:author>Podcaster {i}</itunes:author>" for i in range(2)]
        elif v == 5:
            x = ['<source url="https://wire.example/rss">Wire</source>'] * 2
        elif v == 6:
            x = [f"<dc:date>2026-11-2{i}T08:00:00+02:00</dc:date>" for i in range(2)]
        elif v == 7:  # xml:base on the feed, the entry and the content
            es = [f'<entry xml:base="sub{i}/"><title>{esc(t)}</title><id>urn:b{k}{i}</id>'
                  f'<updated>2026-11-29T08:00:00Z</updated><link href="page{i}.html"/>'
                  f'<content type="html" xml:base="c/">&lt;a href="x.html"&gt;x&lt;/a&gt;</content></entry>'
                  for i, t in enumerate(ts)]
            write("metadata", atom(es, attrs=' xml:base="https://b.example/dir/"'))
            continue
        elif v == 8:  # links as text, no href
            es = [f"<entry><title>{esc(t)}</title><id>urn:l{k}{i}</id><updated>2026-11-29T08:00:00Z</updated>"
                  f"<link>https://l.example/{i}</link></entry>" for i, t in enumerate(ts)]
            write("metadata", atom(es))
            continue
        elif v == 9:  # several relations: the alternate one is the article
            es = [f"<entry><title>{esc(t)}</title><id>urn:r{k}{i}</id><updated>2026-11-29T08:00:00Z</updated>"
                  f'<link rel="self" href="https://r.example/self{i}"/><link rel="related" href="https://o.example/"/>'
                  f'<link rel="alternate" type="text/html" href="https://r.example/{i}"/></entry>'
                  for i, t in enumerate(ts)]
            write("metadata", atom(es))
            continue
        else:  # RDF with dc:date and dc:creator
            write("metadata", rdf([f'<item rdf:about="https://r.example/{i}"><title>{esc(t)}</title>'
                                   f"<link>https://r.example/{i}</link><dc:date>2026-11-2{i}</dc:date>"
                                   f"<dc:creator>C{i}</dc:creator></item>" for i, t in enumerate(ts)]))
            continue
        ns = (' xmlns:dc="http://purl.org/dc/elements/1.1/"'
              ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"')
        write("metadata", rss2([item(esc(t), i=i, extra=x[i]) for i, t in enumerate(ts)], extra_ns=ns))


def real_shapes():
    for k in range(60):
        ts = titles(3)
        v = k % 8
        if v == 0:  # RSS 0.90, a news site's RDF
            write("realshape", rdf([f"<item><title>{esc(t)}</title><link>https://n.example/{i}</link></item>"
                                    for i, t in enumerate(ts)], ns="http://my.netscape.com/rdf/simple/0.9/"))
        elif v == 1:  # RSS 2.0 in UserLand's namespace
            write("realshape", rss2([item(esc(t), i=i) for i, t in enumerate(ts)],
                                    root_attrs=' version="2.0" xmlns="http://backend.userland.com/rss2"'))
        elif v == 2:  # <rss> without version
            write("realshape", rss2([item(esc(t), i=i) for i, t in enumerate(ts)], version=None))
        elif v == 3:  # empty self-closing Media RSS elements
            ns = ' xmlns:media="http://search.yahoo.com/mrss/"'
            write("realshape", rss2([item(esc(t), i=i, extra='<media:description/><media:title type="plain"></media:title>'
                                          '<media:content url="https://m.example/a.jpg"/>')
                                     for i, t in enumerate(ts)], extra_ns=ns))
        elif v == 4:  # undeclared Latin-1
            doc = rss2([item(esc(t), i=i) for i, t in enumerate(titles(3, LATIN))], decl=False)
            write("realshape", doc.encode("latin-1"))
        elif v == 5:  # undeclared windows-1256 with a language element
            doc = rss2([item(esc(t), i=i) for i, t in enumerate(titles(3, AR))], decl=False,
                       channel_extra="<language>ar</language>")
            write("realshape", doc.encode("cp1256"))
        elif v == 6:  # version 0.93/0.94/2.01
            write("realshape", rss2([item(esc(t), i=i) for i, t in enumerate(ts)],
                                    version=["0.93", "0.94", "2.01"][k % 3]))
        else:  # declared Latin-1
            doc = rss2([item(esc(t), i=i) for i, t in enumerate(titles(3, LATIN))]).replace(
                'encoding="utf-8"', 'encoding="iso-8859-1"')
            write("realshape", doc.encode("latin-1"))


os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    os.remove(os.path.join(OUT, f))
for make in (well_formed, entities, atom03, atom10, linkless, metadata, real_shapes):
    make()
print(f"{sum(count.values())} documents in {OUT}: " + ", ".join(f"{k} {v}" for k, v in count.items()))
