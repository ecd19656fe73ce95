-- WebSub (issue 23). The hub side: who subscribed to which of our feeds. One row per
-- (topic, callback), written only once the subscriber confirmed its intent; a renewal
-- moves `expires_at`. `host` is the callback's host, for the per-host cap. Deliveries go
-- through the outbox, each subscription with its cursor `websub:<id>` in outbox_cursors.
CREATE TABLE websub_subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL,
    callback   TEXT NOT NULL,
    host       TEXT NOT NULL,
    secret     TEXT,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (topic, callback)
);
CREATE INDEX websub_subscriptions_host ON websub_subscriptions (host);

-- The subscriber side: marsad's own subscription to the hub a source's feed advertises.
-- `token` names the callback URL (`/websub/callback/<token>`), `secret` signs what the hub
-- pushes; `state` is `pending` (asked, not yet verified), `active`, `denied` or
-- `unsubscribing`.
CREATE TABLE websub_sources (
    source_id  TEXT PRIMARY KEY,
    hub        TEXT NOT NULL,
    topic      TEXT NOT NULL,
    token      TEXT NOT NULL UNIQUE,
    secret     TEXT NOT NULL,
    state      TEXT NOT NULL,
    expires_at INTEGER,
    updated_at INTEGER NOT NULL
);
