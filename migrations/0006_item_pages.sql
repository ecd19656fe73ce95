-- Article pages of `full_text` sources, one row per item (source, guid): where the item's
-- body came from ('page' or 'feed'), the rule that extracted it, why the page was not used
-- when it was not, and what is needed to fetch the page at most once per item version:
-- the hash of the item as the feed gave it (`feed_hash`) and the page's validators.
CREATE TABLE item_pages (
    source_id     TEXT NOT NULL,
    guid          TEXT NOT NULL,
    feed_hash     TEXT NOT NULL,
    page_url      TEXT,
    etag          TEXT,
    last_modified TEXT,
    body_from     TEXT NOT NULL CHECK (body_from IN ('feed', 'page')),
    rule          TEXT,
    reason        TEXT,
    fetched_at    INTEGER NOT NULL,
    PRIMARY KEY (source_id, guid)
);
-- Pruned items take their page rows with them.
CREATE TRIGGER items_delete_pages AFTER DELETE ON items BEGIN
    DELETE FROM item_pages WHERE source_id = old.source_id AND guid = old.guid;
END;
