-- Items of the last fetch left out because they were older than [storage] retention_days
-- (shown by `marsad sources list --json` and /api/sources next to items_seen and items_new).
ALTER TABLE sources ADD COLUMN items_too_old INTEGER;
