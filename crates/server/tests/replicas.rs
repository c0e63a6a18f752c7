//! Two replicas on one PostgreSQL catalog and one Redis, for real: a lesson ingested beside
//! them is cited by the other replica, a key revoked through one is refused by the other, one
//! rate limit holds across both, and a restart keeps keys and feedback.

mod common;

use std::time::{Duration, Instant};

use fretwise_server::Scope;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

/// A fresh database on the server of `base` (dropped by the caller).
async fn fresh_database(base: &str, name: &str) -> String {
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

async fn drop_database(base: &str, name: &str) {
    let mut admin = sqlx::AnyConnection::connect(base).await.unwrap();
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_catalog_keys_and_limits() {
    let Some(pg) = fretwise_testkit::service_url("FRETWISE_TEST_POSTGRES_URL") else {
        return;
    };
    let Some(redis) = fretwise_testkit::service_url("FRETWISE_TEST_REDIS_URL") else {
        return;
    };
    let Some(fixture) = fretwise_testkit::transcript_fixture("whisperx_fingerstyle_intro.json")
    else {
        panic!("the shared fixtures are missing");
    };
    let nonce = fretwise_server::auth::random_hex(4).unwrap();
    let db_name = format!("fretwise_replicas_{nonce}");
    let url = fresh_database(&pg, &db_name).await;
    let dir = tempfile::tempdir().unwrap();
    let corpus = common::corpus(dir.path(), "corpus", 40, 11);
    let catalog = fretwise_catalog::Catalog::open(&url).await.unwrap();
    common::ingest(&catalog, &[corpus]).await;

    let a = common::start(&url, &dir.path().join("index-a"), Some(redis.clone())).await;
    let b = common::start(&url, &dir.path().join("index-b"), Some(redis.clone())).await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    // One rate limit across both replicas: 3 a minute in all, not 3 on each.
    let limited = a.key(Scope::Student, 3).await;
    let mut statuses = Vec::new();
    for (i, svc) in [&a, &b, &a, &b].iter().enumerate() {
        let r = c
            .get(svc.url(&format!(
                "/api/theory/chord?symbol=C{}",
                ["", "7", "m", "maj7"][i]
            )))
            .bearer_auth(&limited)
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(
        statuses,
        vec![
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );

    // A lesson ingested into the shared catalog is cited by replica B.
    let word = format!("zq{nonce}thumb");
    let text = std::fs::read_to_string(&fixture)
        .unwrap()
        .replace("thumb", &word);
    let new_dir = dir.path().join("new");
    std::fs::create_dir_all(&new_dir).unwrap();
    std::fs::write(new_dir.join("replica_lesson.json"), text).unwrap();
    common::ingest(&catalog, std::slice::from_ref(&new_dir)).await;
    let lesson_id = catalog
        .lessons()
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.source.contains("replica_lesson"))
        .unwrap()
        .id;
    let student = a.key(Scope::Student, 0).await;
    let started = Instant::now();
    let cited = loop {
        let v: Value = c
            .post(b.url("/api/ai-instructor/ask"))
            .bearer_auth(&student)
            .json(&json!({"question": format!("How do I use my {word} on the bass strings?")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<String> = v["citations"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c["lesson_id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if ids.contains(&lesson_id) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(60) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(cited, "replica B never cited the new lesson {lesson_id}");

    // A key revoked through A is refused by B within the key cache's lifetime.
    let staff = a.key(Scope::Staff, 0).await;
    let victim = fretwise_server::create_key(&a.catalog, "victim", Scope::Student, 0)
        .await
        .unwrap();
    assert_eq!(
        c.get(b.url("/api/concepts"))
            .bearer_auth(&victim.key)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let r = c
        .delete(a.url(&format!("/api/keys/{}", victim.id)))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let started = Instant::now();
    loop {
        let s = c
            .get(b.url("/api/concepts"))
            .bearer_auth(&victim.key)
            .send()
            .await
            .unwrap()
            .status();
        if s == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "B still accepts the revoked key"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Feedback through B, a restart of B: keys and feedback are still there.
    let r = c
        .post(b.url("/api/ai-instructor/feedback"))
        .bearer_auth(&student)
        .json(&json!({"question": "thumb?", "rating": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    b.stop().await;
    let b2 = common::start(&url, &dir.path().join("index-b"), Some(redis)).await;
    assert_eq!(
        c.get(b2.url("/api/concepts"))
            .bearer_auth(&student)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(b2.catalog.feedback().await.unwrap().len(), 1);
    b2.stop().await;
    a.stop().await;
    catalog.close().await;
    drop_database(&pg, &db_name).await;
}
