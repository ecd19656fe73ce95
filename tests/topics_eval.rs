//! Precision and recall of the shipped `libya` topic on a labeled set of Arabic news items
//! (`tests/fixtures/topics/labeled.jsonl`), next to a naive substring match of "ليبيا".

mod common;

use serde::Deserialize;

#[derive(Deserialize)]
struct Labeled {
    id: String,
    title: String,
    text: String,
    libya: bool,
    kind: String,
}

fn corpus() -> Vec<Labeled> {
    std::fs::read_to_string(common::fixture("topics/labeled.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_) as f64
    }
}

fn score(items: &[Labeled], predict: impl Fn(&Labeled) -> bool) -> (Score, Vec<String>) {
    let mut s = Score {
        tp: 0,
        fp: 0,
        fn_: 0,
    };
    let mut wrong = Vec::new();
    for it in items {
        match (predict(it), it.libya) {
            (true, true) => s.tp += 1,
            (true, false) => {
                s.fp += 1;
                wrong.push(format!(
                    "false positive {} ({}): {}",
                    it.id, it.kind, it.title
                ));
            }
            (false, true) => {
                s.fn_ += 1;
                wrong.push(format!("missed {}: {}", it.id, it.title));
            }
            (false, false) => {}
        }
    }
    (s, wrong)
}

#[test]
fn the_shipped_libya_topic_has_precision_and_recall_of_at_least_095() {
    let items = corpus();
    let positives = items.iter().filter(|i| i.libya).count();
    let hard = items.iter().filter(|i| i.kind == "hard-negative").count();
    assert!(
        items.len() >= 150 && positives >= 60 && hard >= 20,
        "corpus too small"
    );

    let dir = tempfile::tempdir().unwrap();
    let main = common::write_config(dir.path(), &[], "");
    let config = marsad::config::load(&main).unwrap();
    let matcher = marsad::tag::Matcher::compile(&config.topics);
    let (marsad, wrong) = score(&items, |it| {
        matcher
            .tag(&it.title, &it.text)
            .iter()
            .any(|t| t.slug == "libya")
    });
    let (naive, _) = score(&items, |it| {
        it.title.contains("ليبيا") || it.text.contains("ليبيا")
    });
    println!(
        "items {} (libya {}, hard negatives {})\nmarsad libya: precision {:.3} recall {:.3} (tp {} fp {} fn {})\nnaive substring ليبيا: precision {:.3} recall {:.3} (tp {} fp {} fn {})",
        items.len(),
        positives,
        hard,
        marsad.precision(),
        marsad.recall(),
        marsad.tp,
        marsad.fp,
        marsad.fn_,
        naive.precision(),
        naive.recall(),
        naive.tp,
        naive.fp,
        naive.fn_,
    );
    for w in &wrong {
        println!("  {w}");
    }
    assert!(
        marsad.precision() >= 0.95,
        "precision {:.3}",
        marsad.precision()
    );
    assert!(marsad.recall() >= 0.95, "recall {:.3}", marsad.recall());
}
