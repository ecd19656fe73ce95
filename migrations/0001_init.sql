-- Sources as configured, plus their fetch state (shown by `marsad sources list`).
CREATE TABLE sources (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    retired              INTEGER NOT NULL DEFAULT 0,
    last_attempt         INTEGER,
    last_success         INTEGER,
    http_status          INTEGER,
    error                TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due             INTEGER,
    etag                 TEXT,
    last_modified        TEXT,
    body_hash            TEXT,
    items_seen           INTEGER,
    items_new            INTEGER,
    permanent_redirect   TEXT,
    feed_title           TEXT,
    feed_link            TEXT,
    warnings             TEXT
);

-- Cleaned items. Times are unix seconds (UTC). `sort_ts` is the publication date, clamped to
-- the fetch time so a feed cannot pin an item to the top with a future date.
CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    source_id      TEXT NOT NULL REFERENCES sources(id),
    guid           TEXT NOT NULL,
    url            TEXT,
    canonical_url  TEXT,
    title          TEXT NOT NULL,
    author         TEXT,
    published      INTEGER,
    updated        INTEGER,
    fetched_at     INTEGER NOT NULL,
    sort_ts        INTEGER NOT NULL,
    summary        TEXT NOT NULL,
    content_html   TEXT NOT NULL,
    text           TEXT NOT NULL,
    language       TEXT NOT NULL,
    dir            TEXT NOT NULL,
    source_credit  TEXT,
    fingerprint    INTEGER NOT NULL,
    story_id       INTEGER NOT NULL DEFAULT 0,
    content_hash   TEXT NOT NULL,
    UNIQUE (source_id, guid)
);
CREATE INDEX items_sort ON items (sort_ts DESC, id DESC);
CREATE INDEX items_source_sort ON items (source_id, sort_ts DESC);
CREATE INDEX items_story ON items (story_id, sort_ts, id);
CREATE INDEX items_canonical ON items (canonical_url);
CREATE INDEX items_guid ON items (guid);

-- Topic tags with their evidence (JSON array of matches).
CREATE TABLE item_topics (
    item_id  INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    topic    TEXT NOT NULL,
    score    REAL NOT NULL,
    matches  TEXT NOT NULL,
    PRIMARY KEY (item_id, topic)
);
CREATE INDEX item_topics_topic ON item_topics (topic, item_id);

-- Small facts about the database itself (e.g. the hash of the rules the tags came from).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
