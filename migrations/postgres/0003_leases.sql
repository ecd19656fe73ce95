-- Shared fetch work (several instances on one database). A due source is fetched by the
-- instance that claims it: `lease_owner` names the instance, `lease_until` (unix seconds)
-- is when the claim lapses if that instance dies before it releases it. Claims are taken
-- with `FOR UPDATE SKIP LOCKED`, so two instances never both hold one.
ALTER TABLE sources
    ADD COLUMN lease_owner TEXT,
    ADD COLUMN lease_until BIGINT;

-- `[fetch] per_host` over all instances: a host has that many slot rows, and a fetch holds
-- one (claimed like a source, with its own lapse time) while it talks to the host.
CREATE TABLE host_slots (
    host  TEXT NOT NULL,
    slot  INTEGER NOT NULL,
    owner TEXT,
    until BIGINT,
    PRIMARY KEY (host, slot)
);
