//! Ingest from a real MariaDB/MySQL holding the platform's schema (`FRETWISE_TEST_MYSQL_URL`,
//! a server URL without a database; the test creates and drops its own database).

use fretwise_catalog::Catalog;
use fretwise_ingest::{IngestOptions, MysqlSource, ingest_mysql};
use fretwise_testkit::{service_url, shared_dir};
use sqlx::mysql::MySqlPoolOptions;

const DB: &str = "fretwise_platform_test";

#[tokio::test]
async fn ingests_the_platform_database() {
    let Some(shared) = shared_dir() else { return };
    let Some(server) = service_url("FRETWISE_TEST_MYSQL_URL") else {
        return;
    };
    let server = server.trim_end_matches('/').to_string();
    let admin = MySqlPoolOptions::new()
        .max_connections(1)
        .connect(&server)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {DB}")))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {DB} CHARACTER SET utf8mb4"
    )))
    .execute(&admin)
    .await
    .unwrap();
    admin.close().await;

    let url = format!("{server}/{DB}");
    let pool = MySqlPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let schema = std::fs::read_to_string(shared.join("fixtures/laravel/schema_mysql.sql")).unwrap();
    // Drop `-- comments` first (they contain semicolons), then split into statements.
    let without_comments: String = schema
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    for body in without_comments.split(';') {
        let body = body.to_string();
        if body.trim().is_empty() {
            continue;
        }
        sqlx::query(sqlx::AssertSqlSafe(body))
            .execute(&pool)
            .await
            .unwrap();
    }

    let fixture = |name: &str| {
        std::fs::read_to_string(shared.join("fixtures/transcripts").join(name)).unwrap()
    };
    sqlx::query("INSERT INTO local_truefire_authors (authorid, authorfirstname, authorlastname) VALUES (77, 'Muriel', 'Anderson')")
        .execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO local_truefire_courses (id, title, authorid, long_description) VALUES (5, '1-2-3 Fingerstyle Guitar', 77, 'Fingerstyle from the ground up.')")
        .execute(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO local_truefire_channels (id, xml_filename, title, posterframe, adimage, adlink, guide, emailredirect,
           prerollchance, prerollgroup, postroll, bannerform, description, menuImage, video, commercial, more, adimage2,
           adlink2, foldername, version, style, level, inlinechance, inlinegroup, bandwidthHi, bandwidthMed, new_item,
           on_sale, top_picks, tf_itemid, tf_thumb, tf_authorid, tf_thumb2, educator_name, educator_url, video_prefix,
           courseid, add_fields, ch_extra_assets)
         VALUES (3, 'x.xml', 'Getting Started', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '1',
           'Fingerstyle', 'Beginner', '', '', '', '', 0, 0, 0, 1, '', 1, '', 'Muriel Anderson', '', '', 5, '', '')",
    )
    .execute(&pool).await.unwrap();
    for (id, name, order) in [
        (101, "Introduction", 1),
        (102, "Rerun", 2),
        (103, "Music only", 3),
        (104, "From file", 4),
        (105, "Not yet transcribed", 5),
        (106, "Lost file", 6),
    ] {
        sqlx::query(
            "INSERT INTO local_truefire_segments (id, channel_id, sub_channel_id, xmlchannel, item_order, name, subhead, video,
               preroll, prerollgroup, prerollchance, postroll, img1, imgurl1, img2, imgurl2, img3, imgurl3, adgroup,
               adgroup_count, more, thumbnail, assettab, asseturl, free, description, cd, tab, jam, pt, extra_assets,
               Level, Style, runtime)
             VALUES (?, 3, 0, '', ?, ?, '', ?, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
               'Muriel explains the alternating thumb.', '', '', '', '', '', 'BEG', 'Finger', 206)",
        )
        .bind(id).bind(order).bind(name).bind(format!("muriel/{id} intro.mp4"))
        .execute(&pool).await.unwrap();
    }
    let storage = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(storage.path().join("segments/104")).unwrap();
    std::fs::write(
        storage.path().join("segments/104/transcript.json"),
        fixture("whisper_plain_fingerstyle_intro.json"),
    )
    .unwrap();
    let rows: [(i64, Option<String>, Option<&str>, &str); 6] = [
        (
            101,
            Some(fixture("whisperx_fingerstyle_intro.json")),
            None,
            "completed",
        ),
        (
            102,
            Some(fixture("whisperx_fingerstyle_intro_rerun.json")),
            None,
            "completed",
        ),
        (
            103,
            Some(fixture("whisperx_hallucination_music_only.json")),
            None,
            "completed",
        ),
        (104, None, Some("segments/104/transcript.txt"), "completed"),
        (105, None, None, "ready"),
        (106, None, Some("segments/106/transcript.txt"), "completed"),
    ];
    for (seg, json, path, status) in rows {
        sqlx::query("INSERT INTO truefire_segment_processing (segment_id, course_id, status, transcript_json, transcript_path) VALUES (?, 5, ?, ?, ?)")
            .bind(seg).bind(status).bind(json).bind(path)
            .execute(&pool).await.unwrap();
    }
    pool.close().await;

    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let source = MysqlSource::connect(&url, Some(storage.path().to_path_buf()))
        .await
        .unwrap();
    // The platform stores video names; its URL template makes them links.
    for bad in [
        "https://videos.example.com/all.mp4",
        "ftp://videos.example.com/{video}",
    ] {
        let source = MysqlSource::connect(&url, None).await.unwrap();
        let Err(e) = source.with_video_url_template(bad) else {
            panic!("{bad} was accepted");
        };
        assert!(e.to_string().contains("--video-url-template"), "{e}");
    }
    let source = source
        .with_video_url_template("https://videos.example.com/{video}")
        .unwrap();
    // A chunk size of 2 exercises the keyset pagination.
    let options = IngestOptions {
        chunk_size: 2,
        ..Default::default()
    };
    let report = ingest_mysql(&catalog, source, &options, &()).await.unwrap();
    assert_eq!(report.ingested, 4, "{report:#?}");
    assert_eq!(report.skipped_no_transcript, 1, "{report:#?}");
    assert_eq!(report.quarantined.len(), 1, "{report:#?}");
    assert!(report.quarantined[0].source.ends_with("#segment=106"));
    assert!(report.quarantined[0].reason.contains("transcript.json"));
    assert_eq!(report.duplicates, 1);

    let l = catalog.lesson("segment:101").await.unwrap();
    assert!(l.summary.trainable);
    assert_eq!(l.summary.instructor.as_deref(), Some("Muriel Anderson"));
    assert_eq!(
        l.summary.course.as_deref(),
        Some("1-2-3 Fingerstyle Guitar")
    );
    assert_eq!(l.summary.title.as_deref(), Some("Introduction"));
    assert_eq!(l.chapter.as_deref(), Some("Getting Started"));
    assert_eq!(l.summary.level.as_deref(), Some("BEG"));
    assert_eq!(
        l.description.as_deref(),
        Some("Muriel explains the alternating thumb.")
    );
    assert!(!l.summary.source.contains("password"));
    assert_eq!(
        l.video_url.as_deref(),
        Some("https://videos.example.com/muriel/101%20intro.mp4")
    );
    assert_eq!(
        catalog
            .lesson("segment:102")
            .await
            .unwrap()
            .summary
            .duplicate_of
            .as_deref(),
        Some("segment:101")
    );
    assert!(
        !catalog
            .lesson("segment:103")
            .await
            .unwrap()
            .summary
            .trainable
    );
    assert_eq!(
        catalog.lesson("segment:104").await.unwrap().format,
        "whisper_verbose"
    );

    // Second run: nothing changed.
    let source = MysqlSource::connect(&url, Some(storage.path().to_path_buf()))
        .await
        .unwrap()
        .with_video_url_template("https://videos.example.com/{video}")
        .unwrap();
    let again = ingest_mysql(&catalog, source, &options, &()).await.unwrap();
    assert_eq!(again.unchanged, 4, "{again:#?}");
    assert_eq!(again.ingested, 0);

    let admin = MySqlPoolOptions::new()
        .max_connections(1)
        .connect(&server)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {DB}")))
        .execute(&admin)
        .await
        .unwrap();
}
