//! The web UI's server side over real HTTP: no session → the login page, student and staff
//! pages by scope, the login form and `/?key=`, cookie writes refused from other sites, the
//! lesson moment page and the compiled-in assets. (The pages in a real browser:
//! `crates/server/tests/browser/run.sh`.)

mod common;

use std::time::Duration;

use fretwise_server::Scope;
use reqwest::StatusCode;

async fn setup(dir: &std::path::Path) -> common::Service {
    let corpus = common::corpus(dir, "corpus", 24, 11);
    let url = format!("sqlite://{}", dir.join("c.db").display());
    let catalog = fretwise_catalog::Catalog::open(&url).await.unwrap();
    common::ingest(&catalog, &[corpus]).await;
    catalog.close().await;
    common::start(&url, &dir.join("index"), None).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Signs in through the login form; returns the `name=value` cookie pair.
async fn login(c: &reqwest::Client, svc: &common::Service, key: &str) -> String {
    let r = c
        .post(svc.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{}", svc.addr))
        .body(format!("key={key}&next=%2Fpractice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/practice");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_string()
}

async fn get(
    c: &reqwest::Client,
    svc: &common::Service,
    path: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let mut req = c.get(svc.url(path));
    if let Some(k) = cookie {
        req = req.header("cookie", k);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, r.text().await.unwrap(), headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_by_session_and_scope() {
    let dir = tempfile::tempdir().unwrap();
    let svc = setup(dir.path()).await;
    let c = client();
    let staff = svc.key(Scope::Staff, 0).await;
    let student = svc.key(Scope::Student, 0).await;

    // No session: `/` is the login page; the other pages send the browser to it.
    let (s, body, h) = get(&c, &svc, "/", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("name=\"key\"") && body.contains("action=\"/login\""),
        "{body}"
    );
    assert!(!body.contains("data-testid=\"ask-input\""));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    for page in ["/practice", "/progress", "/staff"] {
        let (s, _, h) = get(&c, &svc, page, None).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(h["location"], format!("/login?next={page}").as_str());
    }
    let (s, body, _) = get(&c, &svc, "/login?next=https://evil.example/", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("name=\"next\" value=\"/\""), "{body}");

    // A wrong key is refused; a form posted from another site is refused.
    let r = c
        .post(svc.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("key=fw_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("set-cookie").is_none());
    let r = c
        .post(svc.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://evil.example")
        .body(format!("key={student}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get("set-cookie").is_none());

    // A student: the student pages, not the staff page; no Staff link.
    let pupil = login(&c, &svc, &student).await;
    let (s, body, _) = get(&c, &svc, "/", Some(&pupil)).await;
    assert_eq!(s, StatusCode::OK);
    for hook in ["ask-input", "ask-submit", "answer", "nav-practice"] {
        assert!(body.contains(&format!("data-testid=\"{hook}\"")), "{hook}");
    }
    assert!(!body.contains("href=\"/staff\""));
    let (s, body, _) = get(&c, &svc, "/practice", Some(&pupil)).await;
    assert_eq!(s, StatusCode::OK);
    for hook in ["practice-record", "practice-stop", "practice-result"] {
        assert!(body.contains(&format!("data-testid=\"{hook}\"")), "{hook}");
    }
    let (s, _, _) = get(&c, &svc, "/progress", Some(&pupil)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body, _) = get(&c, &svc, "/staff", Some(&pupil)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("needs a staff key"), "{body}");

    // Staff: the staff page with the catalog's own figures and the concept graph.
    let boss = login(&c, &svc, &staff).await;
    let (s, body, _) = get(&c, &svc, "/staff", Some(&boss)).await;
    assert_eq!(s, StatusCode::OK);
    let stats = svc.catalog.stats().await.unwrap();
    assert!(
        body.contains(&format!(
            "<th scope=\"row\">Lessons</th><td>{}</td>",
            stats.lessons
        )),
        "{body}"
    );
    assert!(body.contains("data-testid=\"export-submit\"") && body.contains("<svg"));
    assert!(
        body.contains("data-testid=\"export-preview\"")
            && body.contains("data-filter=\"near_duplicate_threshold\"")
            && body.contains("id=\"split-test\""),
        "the export builder has filters, splits and a dry run"
    );
    assert!(body.contains("href=\"/staff\""));

    // The link `serve` prints still signs in.
    let r = c
        .get(svc.url(&format!("/?key={student}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("HttpOnly")
    );

    // A lesson moment: the utterance at the time is marked; an unknown lesson is 404.
    let lesson = svc.catalog.lessons().await.unwrap().remove(0);
    let detail = svc.catalog.lesson(&lesson.id).await.unwrap();
    let u = &detail.utterances[detail.utterances.len() / 2];
    let (s, body, _) = get(
        &c,
        &svc,
        &format!("/lessons/{}?t={}", lesson.id, u.start + 0.1),
        Some(&pupil),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let marked = body.split("id=\"moment\"").nth(1).unwrap_or_default();
    let escaped = maud_escape(&u.text);
    assert!(marked.contains(&escaped), "the moment is not {escaped}");
    assert_eq!(body.matches("class=\"moment\"").count(), 1);
    // With its end, the moment's following utterances are marked too.
    let i = detail.utterances.len() / 2;
    let after = &detail.utterances[i + 2];
    let (s, body, _) = get(
        &c,
        &svc,
        &format!(
            "/lessons/{}?t={}&e={}",
            lesson.id,
            u.start + 0.1,
            after.start
        ),
        Some(&pupil),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body.matches("class=\"moment\"").count(), 2, "{body}");
    let (s, _, _) = get(&c, &svc, "/lessons/no-such-lesson", Some(&pupil)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = get(&c, &svc, &format!("/lessons/{}", lesson.id), None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // Cookie sessions change things only from our own pages; bearer keys are unaffected.
    let r = c
        .post(svc.url("/api/students"))
        .header("cookie", &pupil)
        .header("origin", "http://evil.example")
        .json(&serde_json::json!({"name": "Mallory"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(svc.url("/api/students"))
        .header("cookie", &pupil)
        .header("origin", format!("http://{}", svc.addr))
        .header("sec-fetch-site", "same-origin")
        .json(&serde_json::json!({"name": "Ada"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c
        .post(svc.url("/api/students"))
        .bearer_auth(&student)
        .header("origin", "http://elsewhere.example")
        .json(&serde_json::json!({"name": "Bob"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // Assets are compiled in; anything else is 404.
    let (s, body, h) = get(&c, &svc, "/ui/ask.js", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(body.contains("/api/ai-instructor/ask"));
    let (s, _, _) = get(&c, &svc, "/ui/../Cargo.toml", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = get(&c, &svc, "/ui/nothing.js", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = get(&c, &svc, "/favicon.ico", None).await;
    assert_eq!(s, StatusCode::OK);

    // Signing out forgets the cookie.
    let r = c
        .post(svc.url("/logout"))
        .header("cookie", &pupil)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    svc.stop().await;
}

/// Text as maud writes it into HTML.
fn maud_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds a `video_url` column to a generated corpus's manifest: each lesson's (made-up) video.
fn with_videos(corpus: &std::path::Path) {
    let manifest = corpus.join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{line},video_url\n"));
        } else {
            let id = line.split(',').next().unwrap();
            out.push_str(&format!("{line},https://videos.example.com/v/{id}.mp4\n"));
        }
    }
    std::fs::write(&manifest, out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citations_open_the_lessons_video_at_its_moment() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = common::corpus(dir.path(), "corpus", 24, 11);
    with_videos(&corpus);
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let catalog = fretwise_catalog::Catalog::open(&url).await.unwrap();
    common::ingest(&catalog, &[corpus]).await;
    catalog.close().await;
    let svc = common::start(&url, &dir.path().join("index"), None).await;
    let c = client();
    let student = svc.key(Scope::Student, 0).await;

    let r = c
        .post(svc.url("/api/ai-instructor/ask"))
        .bearer_auth(&student)
        .json(&serde_json::json!({"question": "How do I bend a string?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    let cites = v["citations"].as_array().unwrap();
    assert!(!cites.is_empty(), "{v}");
    for cite in cites {
        let want = format!(
            "https://videos.example.com/v/{}.mp4#t={:.1}",
            cite["lesson_id"].as_str().unwrap(),
            cite["start_s"].as_f64().unwrap()
        );
        assert_eq!(cite["video_url"], want.as_str(), "{cite}");
    }

    // The lesson page links the video at the moment too, beside the transcript.
    let pupil = login(&c, &svc, &student).await;
    let (id, start) = (
        cites[0]["lesson_id"].as_str().unwrap(),
        cites[0]["start_s"].as_f64().unwrap(),
    );
    let (s, body, _) = get(&c, &svc, &format!("/lessons/{id}?t={start}"), Some(&pupil)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains(&format!(
            "href=\"https://videos.example.com/v/{id}.mp4#t={start:.1}\" data-testid=\"lesson-video\""
        )),
        "{body}"
    );
    svc.stop().await;
}
