//! The learner's records: a piece of evidence, the skills and the practice item it changed are
//! written in one transaction (a failure part-way leaves nothing), and an event is counted once.
//! Runs on SQLite, and on PostgreSQL when `FRETWISE_TEST_POSTGRES_URL` names a server (CI sets it).

use fretwise_catalog::{Catalog, EventRow, ItemRow, SkillRow, StudentRow};

fn event(id: &str) -> EventRow {
    EventRow {
        id: id.into(),
        kind: "take".into(),
        concept: Some("open-chords".into()),
        payload: "{}".into(),
        created_unix: 10,
    }
}

fn skill(mean: f64) -> SkillRow {
    SkillRow {
        concept: "open-chords".into(),
        mean,
        sd: 1.0,
        evidence: 1,
        updated_unix: 10,
    }
}

fn item() -> ItemRow {
    ItemRow {
        item_id: "st_a.open-chords".into(),
        concept: "open-chords".into(),
        state: "{}".into(),
        due_unix: 100,
    }
}

async fn exercise(catalog: &Catalog) {
    catalog
        .insert_student(&StudentRow {
            id: "st_a".into(),
            name: "A".into(),
            level: 1,
            profile: "{}".into(),
            created_at: "2026-12-03T00:00:00Z".into(),
        })
        .await
        .unwrap();
    assert!(
        catalog
            .record_student_evidence("st_a", &event("t1"), &[skill(0.5)], &[item()])
            .await
            .unwrap()
    );
    // The same event again changes nothing, even with other values.
    assert!(
        !catalog
            .record_student_evidence("st_a", &event("t1"), &[skill(3.0)], &[])
            .await
            .unwrap()
    );
    let skills = catalog.student_skills("st_a").await.unwrap();
    assert_eq!(skills.len(), 1);
    assert_eq!(skills[0].mean, 0.5);
    assert_eq!(catalog.student_events("st_a", 10).await.unwrap().len(), 1);
    assert_eq!(catalog.student_items("st_a").await.unwrap().len(), 1);
    assert_eq!(catalog.students().await.unwrap()[0].name, "A");
    // The current plan is replaced, not added to.
    catalog
        .save_student_plan("st_a", "{\"v\":1}", 5)
        .await
        .unwrap();
    catalog
        .save_student_plan("st_a", "{\"v\":2}", 6)
        .await
        .unwrap();
    assert_eq!(
        catalog.student_plan("st_a").await.unwrap(),
        Some(("{\"v\":2}".to_string(), 6))
    );
    assert!(catalog.update_student("st_a", 2, "{}").await.unwrap());
    assert_eq!(catalog.student("st_a").await.unwrap().unwrap().level, 2);
    assert!(!catalog.update_student("st_b", 2, "{}").await.unwrap());
}

#[tokio::test]
async fn evidence_is_recorded_once_and_in_one_transaction_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let url = format!("sqlite://{}", path.display());
    let catalog = Catalog::open(&url).await.unwrap();
    exercise(&catalog).await;
    // Break the last write of the transaction: the items table is gone, so the item insert
    // fails after the event and the skill were written — neither may remain.
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TABLE student_items")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let r = catalog
        .record_student_evidence("st_a", &event("t2"), &[skill(2.0)], &[item()])
        .await;
    assert!(r.is_err());
    let events = catalog.student_events("st_a", 10).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(catalog.student_skills("st_a").await.unwrap()[0].mean, 0.5);
    catalog.close().await;
}

#[tokio::test]
async fn evidence_is_recorded_once_on_postgres() {
    let Some(db) = fretwise_testkit::fresh_postgres_database("students").await else {
        return;
    };
    let catalog = Catalog::open(&db).await.unwrap();
    exercise(&catalog).await;
    catalog.close().await;
}
