//! Stories: the same news told by several sources. Owns the fingerprint of an item's text
//! ([`fingerprint`]); pure functions, no I/O, no knowledge of feeds or the database.

mod bytes;
pub mod fingerprint;
