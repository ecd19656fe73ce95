//! Stories: the same news told by several sources. Owns the fingerprint of an item's text
//! ([`fingerprint`]) and the index that finds the story a new item joins ([`index`]); pure
//! functions and data, no I/O, no knowledge of feeds or the database.

mod bytes;
pub mod fingerprint;
pub mod index;

pub use index::StoryIndex;
