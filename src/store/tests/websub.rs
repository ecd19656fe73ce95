//! WebSub subscriptions, on each backend: the hub's subscribers (renewal keeps the id and
//! its cursor, unsubscribing and expiry take the cursor along) and marsad's own
//! subscriptions to its sources' hubs.

use super::{Backend, store};
use crate::store::{HubSubscription, SourceSubscription};

on_each_backend!(
    a_renewal_keeps_the_subscription_and_unsubscribing_or_expiry_removes_its_cursor,
    a_sources_subscription_is_one_row_replaced_in_place,
);

fn sub(topic: &str, callback: &str, expires_at: i64) -> HubSubscription {
    HubSubscription {
        id: 0,
        topic: topic.into(),
        callback: callback.into(),
        host: "reader.test".into(),
        secret: Some("k".into()),
        expires_at,
        created_at: 100,
    }
}

async fn a_renewal_keeps_the_subscription_and_unsubscribing_or_expiry_removes_its_cursor(
    b: Backend,
) {
    let (_d, s) = store(b).await;
    let libya = s
        .websub_subscribe(&sub("t/libya", "http://reader.test/cb", 1000))
        .await
        .unwrap();
    let egypt = s
        .websub_subscribe(&sub("t/egypt", "http://reader.test/cb", 500))
        .await
        .unwrap();
    assert_ne!(libya, egypt);
    // Each starts at the outbox's end (nothing written yet).
    assert_eq!(
        s.outbox_cursor(&format!("websub:{libya}")).await.unwrap(),
        Some(0)
    );
    s.set_outbox_cursor(&format!("websub:{libya}"), 7)
        .await
        .unwrap();
    s.set_outbox_cursor(&format!("websub:{egypt}"), 3)
        .await
        .unwrap();
    // A renewal: same id and cursor, new lease and secret.
    let renewed = HubSubscription {
        secret: None,
        ..sub("t/libya", "http://reader.test/cb", 2000)
    };
    assert_eq!(s.websub_subscribe(&renewed).await.unwrap(), libya);
    let all = s.websub_subscriptions().await.unwrap();
    assert_eq!(
        all,
        [
            HubSubscription {
                id: libya,
                ..renewed.clone()
            },
            HubSubscription {
                id: egypt,
                ..sub("t/egypt", "http://reader.test/cb", 500)
            },
        ]
    );
    assert_eq!(
        s.outbox_cursor(&format!("websub:{libya}")).await.unwrap(),
        Some(7)
    );
    // Leases that ended before 600 go, with their cursors.
    assert_eq!(s.websub_expire(600).await.unwrap(), 1);
    assert_eq!(
        s.outbox_cursor(&format!("websub:{egypt}")).await.unwrap(),
        None
    );
    assert_eq!(s.websub_subscriptions().await.unwrap().len(), 1);
    assert_eq!(
        s.websub_unsubscribe("t/libya", "http://other.test/cb")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.websub_unsubscribe("t/libya", "http://reader.test/cb")
            .await
            .unwrap(),
        Some(libya)
    );
    assert_eq!(
        s.outbox_cursor(&format!("websub:{libya}")).await.unwrap(),
        None
    );
    assert!(s.websub_subscriptions().await.unwrap().is_empty());
    // Ids are not given out again.
    let again = s
        .websub_subscribe(&sub("t/libya", "http://reader.test/cb", 1000))
        .await
        .unwrap();
    assert!(again > libya, "{again} after {libya}");
}

async fn a_sources_subscription_is_one_row_replaced_in_place(b: Backend) {
    let (_d, s) = store(b).await;
    let pending = SourceSubscription {
        source_id: "a".into(),
        hub: "http://hub.test/".into(),
        topic: "http://a.test/feed".into(),
        token: "t1".into(),
        secret: "s1".into(),
        state: "pending".into(),
        expires_at: None,
        updated_at: 10,
    };
    s.set_source_subscription(&pending).await.unwrap();
    let active = SourceSubscription {
        state: "active".into(),
        expires_at: Some(5000),
        updated_at: 20,
        ..pending.clone()
    };
    s.set_source_subscription(&active).await.unwrap();
    let other = SourceSubscription {
        source_id: "b".into(),
        token: "t2".into(),
        ..pending.clone()
    };
    s.set_source_subscription(&other).await.unwrap();
    assert_eq!(
        s.source_subscriptions().await.unwrap(),
        [active.clone(), other.clone()]
    );
    s.remove_source_subscription("a").await.unwrap();
    assert_eq!(s.source_subscriptions().await.unwrap(), [other]);
}
