//! Tagging time against the plain Aho-Corasick scan, as the best of 40 batches of 500
//! calls each, both in the same process: steadier than criterion's means on a busy
//! machine, for comparing changes to `src/tag/index.rs` quickly. `benches/tag.rs` gives
//! the figures bench/README.md reports.
//!
//!     cargo run --release --example tag_timing            # three rounds of both
//!     cargo run --release --example tag_timing -- --once  # 2,000 calls, for callgrind

use marsad::tag::{Lead, Matcher};

/// A 40-word lead and no dateline, as the benchmark item has.
const LEAD: Lead = Lead {
    words: 40,
    dateline: 0,
};
use marsad::text::arabic::normalize_words;
use std::hint::black_box;
use std::time::Instant;

#[path = "../benches/common/tag_input.rs"]
mod tag_input;

/// The best time of one call of `f`, in µs, over 40 batches of 500 calls.
fn best_time(mut f: impl FnMut() -> usize) -> f64 {
    let mut best = f64::MAX;
    let mut sink = 0;
    for _ in 0..40 {
        let t = Instant::now();
        for _ in 0..500 {
            sink += f();
        }
        best = best.min(t.elapsed().as_secs_f64() / 500.0);
    }
    black_box(sink);
    best * 1e6
}

fn main() {
    let topics = tag_input::synthetic_topics();
    let (title, text) = (
        normalize_words(tag_input::TITLE),
        normalize_words(&tag_input::item_text()),
    );
    let matcher = Matcher::compile(&topics);
    let plain = tag_input::plain_scan(&topics);
    if std::env::args().any(|a| a == "--once") {
        let tags: usize = (0..2000)
            .map(|_| {
                matcher
                    .tag_normalized(&title, black_box(&text), LEAD, None)
                    .len()
            })
            .sum();
        println!("{tags} tags");
        return;
    }
    for _ in 0..3 {
        let base = best_time(|| plain.find_overlapping_iter(black_box(&text)).count());
        let tag = best_time(|| {
            matcher
                .tag_normalized(&title, black_box(&text), LEAD, None)
                .len()
        });
        println!(
            "plain AC scan {base:.2} us, tag_normalized {tag:.2} us: {:.3}x, {:.0} items/s",
            tag / base,
            1e6 / tag
        );
    }
}
