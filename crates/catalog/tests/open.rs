//! Opening a catalog: what may be created, and the errors for what cannot be opened.

use fretwise_catalog::{Catalog, CatalogError, OpenMode, normalize_db_url};

#[tokio::test]
async fn a_catalog_that_is_only_read_is_never_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fretwsie.db");
    let url = format!("sqlite://{}", path.display());
    match Catalog::open_with(&url, OpenMode::Existing).await {
        Err(CatalogError::Missing(p)) => assert_eq!(p, path.display().to_string()),
        other => panic!("expected Missing, got {other:?}"),
    }
    assert!(!path.exists(), "a read created the catalog");

    let catalog = Catalog::open_with(&url, OpenMode::Create).await.unwrap();
    catalog.close().await;
    assert!(path.is_file());
    let catalog = Catalog::open_with(&url, OpenMode::Existing).await.unwrap();
    assert_eq!(catalog.stats().await.unwrap().lessons, 0);
    catalog.close().await;
}

#[tokio::test]
async fn a_relative_missing_catalog_is_named_from_the_working_folder() {
    let e = Catalog::open_with("no-such-catalog-here.db", OpenMode::Existing)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "no catalog at ./no-such-catalog-here.db");
    assert!(!std::path::Path::new("no-such-catalog-here.db").exists());
}

#[tokio::test]
async fn an_empty_sqlite_path_is_an_error_not_an_in_memory_catalog() {
    for url in ["sqlite://", "sqlite:", "sqlite://?mode=rwc", ""] {
        assert!(
            matches!(normalize_db_url(url), Err(CatalogError::NoPath(_))),
            "{url:?}"
        );
        for mode in [OpenMode::Create, OpenMode::Existing] {
            let e = Catalog::open_with(url, mode).await.unwrap_err();
            assert!(e.to_string().contains("names no file"), "{url:?}: {e}");
        }
    }
}

#[tokio::test]
async fn a_missing_folder_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/folder/c.db");
    let e = Catalog::open_with(&format!("sqlite://{}", path.display()), OpenMode::Create)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(&dir.path().join("no/such/folder").display().to_string())
            && text.contains("does not exist"),
        "{text}"
    );
    assert!(!text.contains("unable to open database file"), "{text}");
}

#[tokio::test]
async fn an_unreachable_database_server_fails_fast_and_says_where() {
    let started = std::time::Instant::now();
    let err = fretwise_catalog::Catalog::open("postgres://fretwise:secret@127.0.0.1:1/nothing")
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(
        message.starts_with("cannot connect to the catalog at postgres://"),
        "{message}"
    );
    assert!(message.contains("127.0.0.1:1"), "{message}");
    assert!(!message.contains("secret"), "{message}");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "shopping list: strings, picks").unwrap();
    let t = std::time::Instant::now();
    for mode in [OpenMode::Create, OpenMode::Existing] {
        let e = Catalog::open_with(&format!("sqlite://{}", path.display()), mode)
            .await
            .unwrap_err();
        assert!(matches!(e, CatalogError::NotSqlite { .. }), "{e}");
        assert!(e.to_string().contains("not a SQLite database"), "{e}");
    }
    // Before, the pool retried until its 30 s acquire timeout and said "pool timed out".
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "shopping list: strings, picks"
    );
}
