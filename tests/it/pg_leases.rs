//! Shared fetch work on PostgreSQL (issue 24): claims on due sources and host slots taken
//! by several instances at once, against a real server. Times are passed in, so leases
//! lapse without waiting.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use marsad::store::{Claim, PgStore};

use crate::common::pg::PgServer;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
}

/// A server with a migrated database `name` holding `n` sources s0… (never fetched, so due),
/// and `instances` store handles on it, as separate instances would hold.
async fn instances(server: &PgServer, name: &str, n: usize, instances: usize) -> Vec<PgStore> {
    server.create_database(name);
    let mut stores = Vec::new();
    for _ in 0..instances {
        stores.push(
            PgStore::open(&server.url(name), Duration::from_secs(5))
                .await
                .unwrap(),
        );
    }
    let values: Vec<String> = (0..n)
        .map(|i| format!("('s{i}', 'S{i}', 'http://127.0.0.1/{i}')"))
        .collect();
    if values.is_empty() {
        return stores;
    }
    server.psql(
        name,
        &format!(
            "INSERT INTO sources (id, name, url) VALUES {}",
            values.join(", ")
        ),
    );
    stores
}

#[tokio::test]
async fn eight_instances_racing_for_due_sources_claim_each_once_until_its_lease_lapses() {
    let server = PgServer::start();
    let stores = instances(&server, "race", 60, 8).await;
    let now = at(0);
    let lease = at(45);

    // Every instance tries every source at the same moment.
    let mut tasks = tokio::task::JoinSet::new();
    for (k, store) in stores.iter().enumerate() {
        let store = store.clone();
        tasks.spawn(async move {
            let mut won = Vec::new();
            for i in 0..60 {
                let id = format!("s{}", (i + k * 7) % 60);
                match store
                    .claim_source(&id, &format!("i{k}"), now, lease)
                    .await
                    .unwrap()
                {
                    Claim::Claimed => won.push(id),
                    Claim::Held(_) | Claim::NotDue(_) => {}
                }
            }
            (k, won)
        });
    }
    let mut owners: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    while let Some(r) = tasks.join_next().await {
        let (k, won) = r.unwrap();
        for id in won {
            owners.entry(id).or_default().push(k);
        }
    }
    assert_eq!(owners.len(), 60, "every due source is claimed");
    let doubles: Vec<_> = owners.iter().filter(|(_, o)| o.len() != 1).collect();
    assert!(
        doubles.is_empty(),
        "claimed by more than one instance: {doubles:?}"
    );

    // While the lease holds, another instance is told when it lapses.
    let (id, first) = owners
        .iter()
        .next()
        .map(|(id, o)| (id.clone(), o[0]))
        .unwrap();
    let other = (first + 1) % 8;
    assert_eq!(
        stores[other]
            .claim_source(&id, &format!("i{other}"), at(30), at(75))
            .await
            .unwrap(),
        Claim::Held(lease)
    );
    // Its owner dies: at the lease's end another instance takes the source.
    assert_eq!(
        stores[other]
            .claim_source(&id, &format!("i{other}"), at(45), at(90))
            .await
            .unwrap(),
        Claim::Claimed
    );
    // An owner renews its own claim (a config reload restarts its scheduler).
    assert_eq!(
        stores[other]
            .claim_source(&id, &format!("i{other}"), at(50), at(95))
            .await
            .unwrap(),
        Claim::Claimed
    );

    // Fetched and released: the next due time decides, for every instance.
    server.psql(
        "race",
        &format!(
            "UPDATE sources SET next_due = {} WHERE id = '{id}'",
            at(60).timestamp()
        ),
    );
    stores[other]
        .release_source(&id, &format!("i{other}"))
        .await
        .unwrap();
    // Releasing someone else's claim does nothing.
    stores[first].release_source("s1", "nobody").await.unwrap();
    for (k, store) in stores.iter().enumerate() {
        assert_eq!(
            store
                .claim_source(&id, &format!("i{k}"), at(59), at(104))
                .await
                .unwrap(),
            Claim::NotDue(at(60)),
            "instance {k}"
        );
    }
    assert_eq!(
        stores[3]
            .claim_source(&id, "i3", at(60), at(105))
            .await
            .unwrap(),
        Claim::Claimed
    );
    assert_eq!(
        server
            .psql(
                "race",
                "SELECT count(*) FROM sources WHERE lease_owner = 'nobody'"
            )
            .trim(),
        "0"
    );
}

#[tokio::test]
async fn a_hosts_slots_are_shared_by_every_instance_and_come_back_when_released_or_lapsed() {
    let server = PgServer::start();
    let stores = instances(&server, "slots", 0, 6).await;
    let now = at(0);

    let mut tasks = tokio::task::JoinSet::new();
    for (k, store) in stores.iter().enumerate() {
        let store = store.clone();
        tasks.spawn(async move {
            let slot = store
                .claim_host_slot("127.0.0.7", 2, &format!("i{k}"), now, at(45))
                .await
                .unwrap();
            (k, slot)
        });
    }
    let mut held = BTreeMap::new();
    while let Some(r) = tasks.join_next().await {
        let (k, slot) = r.unwrap();
        if let Some(slot) = slot {
            held.insert(slot, k);
        }
    }
    assert_eq!(
        held.keys().copied().collect::<Vec<_>>(),
        [0, 1],
        "two slots, each held once"
    );

    // Another host has its own slots.
    assert_eq!(
        stores[0]
            .claim_host_slot("127.0.0.8", 2, "i0", now, at(45))
            .await
            .unwrap(),
        Some(0)
    );
    // Full until one is released...
    let taker = (0..6).find(|k| !held.values().any(|o| o == k)).unwrap();
    let taker_name = format!("i{taker}");
    assert_eq!(
        stores[taker]
            .claim_host_slot("127.0.0.7", 2, &taker_name, at(1), at(46))
            .await
            .unwrap(),
        None
    );
    let (slot, owner) = held.iter().next().map(|(s, o)| (*s, *o)).unwrap();
    stores[owner]
        .release_host_slot("127.0.0.7", slot, &format!("i{owner}"))
        .await
        .unwrap();
    assert_eq!(
        stores[taker]
            .claim_host_slot("127.0.0.7", 2, &taker_name, at(2), at(47))
            .await
            .unwrap(),
        Some(slot)
    );
    // ...or its holder's lease lapses.
    assert_eq!(
        stores[taker]
            .claim_host_slot("127.0.0.7", 2, "late", at(3), at(48))
            .await
            .unwrap(),
        None
    );
    assert!(
        stores[taker]
            .claim_host_slot("127.0.0.7", 2, "late", at(45), at(90))
            .await
            .unwrap()
            .is_some()
    );
    // A lower limit leaves the extra slots unused.
    assert_eq!(
        stores[0]
            .claim_host_slot("127.0.0.8", 1, "i1", now, at(45))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn an_exclusive_job_waits_for_the_instance_running_it() {
    let server = PgServer::start();
    let stores = instances(&server, "jobs", 0, 2).await;
    let held = stores[0].exclusive("re-tagging").await.unwrap();
    let waiting = tokio::time::timeout(
        Duration::from_millis(500),
        stores[1].exclusive("re-tagging"),
    )
    .await;
    assert!(
        waiting.is_err(),
        "the second instance got the job while the first held it"
    );
    // Another job is not held up.
    tokio::time::timeout(Duration::from_secs(5), stores[1].exclusive("retention"))
        .await
        .expect("another job")
        .unwrap();
    drop(held);
    tokio::time::timeout(Duration::from_secs(5), stores[1].exclusive("re-tagging"))
        .await
        .expect("the job once the first instance let go")
        .unwrap();
}
