//! The nearest-story index: which story a new item joins by its fingerprint.
//!
//! Grouping compares a new item with every item of another source within
//! [`STORY_WINDOW_SECS`]: no banding scheme finds all pairs within
//! [`SAME_STORY_MAX_DISTANCE`] of 128 bits faster than a scan. Doing that scan in memory is
//! a popcount per item, where a query would decode thousands of rows per insert.
//!
//! The index is bucketed by day so that inserting is a push (a single sorted `Vec` would
//! move half the index on every insert: quadratic over a first fetch of 100,000 items) and a
//! lookup scans only the window's days. Each bucket keeps its fingerprints apart from the
//! rest and sources as small integers, so the scan is popcounts over contiguous memory with
//! no string comparisons.
//!
//! Pure: the caller loads it from stored items ([`STORY_INDEX_DAYS`] back) and adds each
//! item it saves.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Arc;

use super::fingerprint::{SAME_STORY_MAX_DISTANCE, distance};

/// How far apart (seconds) two items may be and still be grouped as one story by
/// fingerprint. Wire copies appear within hours; three days covers late republishing.
pub const STORY_WINDOW_SECS: i64 = 3 * DAY_SECS;

/// How far back (days) the index is loaded; older items still group by guid or canonical
/// URL, which the store matches itself.
pub const STORY_INDEX_DAYS: i64 = 14;

const DAY_SECS: i64 = 86_400;

/// Fingerprints of recent items, for story grouping.
#[derive(Debug, Default)]
pub struct StoryIndex {
    days: HashMap<i64, DayBucket>,
    sources: HashMap<Arc<str>, u32>,
}

/// One day's entries of [`StoryIndex`], as parallel columns.
#[derive(Debug, Default)]
struct DayBucket {
    fingerprints: Vec<u128>,
    sort_ts: Vec<i64>,
    stories: Vec<i64>,
    sources: Vec<u32>,
}

impl StoryIndex {
    /// Adds an item: its sort time (unix seconds), fingerprint, story and source.
    pub fn insert(&mut self, sort_ts: i64, fingerprint: u128, story_id: i64, source_id: &str) {
        let source = match self.sources.get(source_id) {
            Some(&n) => n,
            None => {
                let n = self.sources.len() as u32;
                self.sources.insert(source_id.into(), n);
                n
            }
        };
        let day = self.days.entry(sort_ts.div_euclid(DAY_SECS)).or_default();
        day.fingerprints.push(fingerprint);
        day.sort_ts.push(sort_ts);
        day.stories.push(story_id);
        day.sources.push(source);
    }

    /// The story of the nearest fingerprint from another source than `source_id` within
    /// the window around `sort_ts`, at most [`SAME_STORY_MAX_DISTANCE`] bits away (ties:
    /// the oldest story id).
    pub fn nearest(&self, source_id: &str, fingerprint: u128, sort_ts: i64) -> Option<i64> {
        let own = self.sources.get(source_id).copied().unwrap_or(u32::MAX);
        let (lo, hi) = (sort_ts - STORY_WINDOW_SECS, sort_ts + STORY_WINDOW_SECS);
        (lo.div_euclid(DAY_SECS)..=hi.div_euclid(DAY_SECS))
            .filter_map(|day| self.days.get(&day))
            .filter_map(|b| b.nearest(own, fingerprint, lo..=hi))
            .min()
            .map(|(_, story)| story)
    }
}

impl DayBucket {
    /// (distance, story) of the nearest entry not from `own` with `sort_ts` in `window`.
    ///
    /// The hot loop of story grouping (a first fetch of 100,000 items makes about a billion
    /// comparisons). `count_ones` compiles to the POPCNT instruction where the build targets
    /// a CPU that has it (`-C target-cpu`, or `target-feature=+popcnt`); x86-64's baseline
    /// has none, and there it is a dozen shifts and masks.
    fn nearest(&self, own: u32, fp: u128, window: RangeInclusive<i64>) -> Option<(u32, i64)> {
        let mut best: Option<(u32, i64)> = None;
        for (i, &other) in self.fingerprints.iter().enumerate() {
            let d = distance(other, fp);
            if d <= SAME_STORY_MAX_DISTANCE
                && self.sources[i] != own
                && window.contains(&self.sort_ts[i])
            {
                let candidate = (d, self.stories[i]);
                best = Some(best.map_or(candidate, |b| b.min(candidate)));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_is_the_closest_story_of_another_source_inside_the_window() {
        let mut index = StoryIndex::default();
        let fp: u128 = 0xffff_0000_ffff_0000_1234_5678_9abc_def0;
        let t0 = 1_700_000_000;
        let flip = |bits: u32| fp ^ ((1u128 << bits) - 1);
        index.insert(t0, flip(20), 1, "a");
        index.insert(t0 + 3_600, flip(10), 2, "b");
        index.insert(t0 - 60, flip(10), 3, "own"); // same source: never
        index.insert(t0 + STORY_WINDOW_SECS + 1, flip(1), 4, "c"); // outside
        index.insert(t0 - 86_400, flip(29), 5, "d"); // too far apart
        assert_eq!(index.nearest("own", fp, t0), Some(2));
        // Ties go to the oldest story id; the window's edge is inside.
        index.insert(t0 - STORY_WINDOW_SECS, flip(10), 0, "e");
        assert_eq!(index.nearest("own", fp, t0), Some(0));
        assert_eq!(index.nearest("own", fp, t0 + 10 * 86_400), None);
        assert_eq!(index.nearest("b", flip(10), t0 + 3_600), Some(3));
        // An unknown source is nobody's own.
        assert_eq!(index.nearest("new", flip(10), t0 + 3_600), Some(2));
    }

    #[test]
    fn the_threshold_is_inclusive_and_negative_times_find_their_day() {
        let mut index = StoryIndex::default();
        let fp = u128::MAX;
        let at = |bits: u32| fp ^ ((1u128 << bits) - 1);
        index.insert(-10, at(SAME_STORY_MAX_DISTANCE), 7, "a");
        assert_eq!(index.nearest("b", fp, -10), Some(7));
        index.insert(-20, at(SAME_STORY_MAX_DISTANCE + 1), 6, "c");
        assert_eq!(index.nearest("b", fp, -20), Some(7));
        assert_eq!(index.nearest("b", 0, 0), None);
    }
}
