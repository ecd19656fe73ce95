#!/usr/bin/env python3
"""Prints an RSS feed for the browser check, dated from now: items 5 minutes, 3 hours and
2 days old, one undated and one dated a year ahead, all about Libya (so all are tagged)."""
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

now = datetime.now(timezone.utc)
items = [
    ("p1", "اشتباكات جديدة في طرابلس الليبية", now - timedelta(minutes=5)),
    ("p2", "حكومة ليبيا تعلن خطة للكهرباء", now - timedelta(hours=3)),
    ("p3", "وفد ليبي يزور تونس لبحث الحدود", now - timedelta(days=2)),
    ("p4", "خبر بلا تاريخ عن بنغازي الليبية", None),
    ("p5", "خبر بتاريخ في المستقبل عن مصراتة الليبية", now + timedelta(days=365)),
]
print('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
      '<title>نبض شرقي RSS</title><link>http://pulse.test/</link><description>x</description>')
for guid, title, date in items:
    pub = f"<pubDate>{format_datetime(date, usegmt=True)}</pubDate>" if date else ""
    print(f"<item><guid>{guid}</guid><title>{title}</title><link>http://pulse.test/{guid}</link>"
          f"{pub}<description>نص الخبر عن ليبيا وطرابلس وبنغازي.</description></item>")
print("</channel></rss>")
