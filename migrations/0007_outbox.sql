-- The push outbox (issue 23): one row per new item, written in the transaction that stores
-- the item, so an item is announced if and only if it was stored, whatever crashes after
-- the commit. Webhook endpoints and the live stream read it in `seq` order; AUTOINCREMENT
-- so a `seq` is never given out twice, even after the newest rows are deleted (a delivery
-- id is derived from it). Pruned items take their rows with them.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_item ON outbox (item_id);
CREATE INDEX outbox_created ON outbox (created_at);

-- How far each webhook endpoint (by its configured name) has got: every row up to `seq`
-- was delivered, skipped by its filters, or given up on after the retry window.
CREATE TABLE outbox_cursors (
    endpoint TEXT PRIMARY KEY,
    seq      INTEGER NOT NULL
);
