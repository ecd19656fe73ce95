-- Story fingerprints grow from 64 to 128 bits (see clean/fingerprint.rs for why): the upper
-- half. Items stored before keep 0 there and group only by guid or canonical URL.
ALTER TABLE items ADD COLUMN fingerprint_hi INTEGER NOT NULL DEFAULT 0;
