//! The pages' HTML (maud escapes every value): the layout, then one function per page.

use fretwise_catalog::{CatalogStats, FeedbackRecord, LessonDetail};
use fretwise_knowledge::Profile;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::auth::{Caller, Scope};

/// The page frame: skip link, navigation (Staff only for staff), main, the signed-in key.
fn layout(
    title: &str,
    who: Option<&Caller>,
    current: &str,
    script: Option<&str>,
    main: Markup,
) -> Markup {
    let nav = [
        ("/", "Ask", "nav-ask"),
        ("/practice", "Practice", "nav-practice"),
        ("/progress", "Progress", "nav-progress"),
    ];
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · fretwise" }
                link rel="icon" href="/ui/icon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/ui/app.css";
                @if let Some(s) = script {
                    script type="module" src=(format!("/ui/{s}")) {}
                }
            }
            body data-scope=(who.map(|c| c.scope.as_str()).unwrap_or("")) {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    a class="brand" href="/" { "fretwise" }
                    @if let Some(c) = who {
                        nav aria-label="Main" {
                            ul {
                                @for (href, label, id) in nav {
                                    li { a href=(href) data-testid=(id) aria-current=[(href == current).then_some("page")] { (label) } }
                                }
                                @if c.scope >= Scope::Staff {
                                    li { a href="/staff" data-testid="nav-staff" aria-current=[("/staff" == current).then_some("page")] { "Staff" } }
                                }
                            }
                        }
                        form class="logout" method="post" action="/logout" {
                            button type="submit" class="link" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" { (main) }
                footer {
                    @if let Some(c) = who {
                        p { "Signed in with the " (c.scope.as_str()) " key " strong { (c.key.name) } ". " a href="/docs/" { "API documentation" } }
                    }
                }
            }
        }
    }
}

/// The student profile bar the Practice and Progress pages share (filled by common.js).
fn profile_bar() -> Markup {
    html! {
        section class="card" aria-labelledby="profile-h" id="profile" {
            h2 id="profile-h" { "Your profile" }
            p id="profile-current" aria-live="polite" { "No profile on this device yet." }
            details id="profile-new" {
                summary { "Create or switch profile" }
                form id="profile-form" class="grid" {
                    label for="profile-name" { "Name" }
                    input id="profile-name" name="name" required autocomplete="nickname";
                    label for="profile-level" { "Level" }
                    select id="profile-level" name="level" {
                        option value="beginner" { "Beginner" }
                        option value="intermediate" { "Intermediate" }
                        option value="advanced" { "Advanced" }
                    }
                    label for="profile-goal" { "Goal (a concept, e.g. barre chords)" }
                    input id="profile-goal" name="goal" placeholder="barre chords";
                    button type="submit" { "Create profile" }
                    label for="profile-id" { "…or use an existing student id" }
                    input id="profile-id" name="id" placeholder="st_…";
                    button type="button" id="profile-use" { "Use this id" }
                }
            }
        }
    }
}

/// The login page: the link `serve` prints, or paste the key.
pub fn login(next: &str, error: Option<&str>) -> Markup {
    layout(
        "Sign in",
        None,
        "/login",
        None,
        html! {
            h1 { "Sign in to fretwise" }
            @if let Some(e) = error {
                p class="error" role="alert" { (e) }
            }
            p { "Open the link " code { "fretwise serve" } " printed (it ends in " code { "?key=…" } "), or paste a key below. Create keys with " code { "fretwise keys create --scope student --name NAME" } "." }
            form method="post" action="/login" class="grid card" {
                input type="hidden" name="next" value=(next);
                label for="key" { "API key" }
                input id="key" name="key" type="password" required autocomplete="current-password" data-testid="login-key";
                button type="submit" data-testid="login-submit" { "Sign in" }
            }
        },
    )
}

/// A staff page opened with a student key.
pub fn forbidden(c: &Caller) -> Markup {
    layout(
        "Staff only",
        Some(c),
        "",
        None,
        html! {
            h1 { "Staff only" }
            p { "This page needs a staff key; you are signed in with a " (c.scope.as_str()) " key. " a href="/login" { "Sign in with another key" } "." }
        },
    )
}

/// A lesson the catalog does not hold.
pub fn not_found(c: &Caller, id: &str) -> Markup {
    layout(
        "Not found",
        Some(c),
        "",
        None,
        html! {
            h1 { "No such lesson" }
            p { "The catalog holds no lesson " code { (id) } "." }
        },
    )
}

/// Ask: the question box and the answer area (ask.js fills it).
pub fn ask(c: &Caller, llm: bool) -> Markup {
    layout(
        "Ask",
        Some(c),
        "/",
        Some("ask.js"),
        html! {
            h1 { "Ask the instructor" }
            form id="ask-form" class="card" data-llm=(if llm { "1" } else { "0" }) {
                label for="question" { "Your question about guitar" }
                textarea id="question" name="question" rows="3" required maxlength="10000" data-testid="ask-input" placeholder="What notes are in a C major chord?" {}
                div class="row" {
                    label for="level" { "Level" }
                    select id="level" name="level" {
                        option value="" { "Any" }
                        option value="beginner" { "Beginner" }
                        option value="intermediate" { "Intermediate" }
                        option value="advanced" { "Advanced" }
                    }
                    button type="submit" data-testid="ask-submit" { "Ask" }
                }
            }
            p id="ask-status" class="status" role="status" aria-live="polite" {}
            section id="answer" data-testid="answer" aria-labelledby="answer-h" hidden {
                h2 id="answer-h" { "Answer" }
                div id="answer-text" class="answer-text" {}
                div id="answer-facts" {}
                div id="answer-citations" {}
                div id="answer-related" {}
                div id="answer-feedback" {}
            }
        },
    )
}

/// Practice: pick an exercise, metronome, record or upload, results, tuner (practice.js).
pub fn practice(c: &Caller) -> Markup {
    layout(
        "Practice",
        Some(c),
        "/practice",
        Some("practice.js"),
        html! {
            h1 { "Practice" }
            (profile_bar())
            section class="card" aria-labelledby="pick-h" {
                h2 id="pick-h" { "1. Pick an exercise" }
                div id="suggestions" aria-live="polite" { p { "Loading suggestions…" } }
                details id="tab-paste" {
                    summary { "…or paste a tab" }
                    form id="tab-form" class="grid" {
                        label for="tab-text" { "Tab (six lines, high e first)" }
                        textarea id="tab-text" rows="7" class="mono" spellcheck="false" {}
                        label for="tab-tempo" { "Tempo (beats per minute)" }
                        input id="tab-tempo" type="number" min="20" max="300" value="80";
                        button type="submit" { "Use this tab" }
                    }
                }
                div id="exercise" aria-live="polite" {}
            }
            section class="card" aria-labelledby="play-h" {
                h2 id="play-h" { "2. Play it" }
                div class="row" {
                    label for="tempo" { "Tempo" }
                    input id="tempo" type="number" min="20" max="300" value="80" aria-describedby="tempo-help";
                    span id="tempo-help" class="hint" { "beats per minute (set by the exercise)" }
                }
                div class="row" {
                    label for="countin" { "Count-in beats" }
                    input id="countin" type="number" min="0" max="8" value="4";
                    button type="button" id="metronome" aria-pressed="false" { "Metronome" }
                }
                div class="row" {
                    button type="button" id="record" data-testid="practice-record" disabled { "Record" }
                    button type="button" id="stop" data-testid="practice-stop" disabled { "Stop" }
                    span id="beat" class="beat" aria-hidden="true" {}
                }
                div class="row" {
                    label for="upload" { "…or upload a recording" }
                    input id="upload" type="file" accept="audio/*,.wav,.flac,.mp3,.ogg,.m4a" disabled;
                }
                p id="rec-status" class="status" role="status" aria-live="polite" {}
            }
            section id="result" class="card" data-testid="practice-result" aria-labelledby="result-h" hidden {
                h2 id="result-h" { "3. How it went" }
                div id="result-summary" {}
                figure {
                    div id="result-plot" {}
                    figcaption { "Pitch you played (dots) against the expected notes (bars), over time." }
                }
                div id="result-notes" {}
                div id="result-feedback" {}
            }
            section class="card" aria-labelledby="tuner-h" {
                h2 id="tuner-h" { "Tuner" }
                p { "Plays one string at a time into the microphone; the service names the note and how far off it is." }
                button type="button" id="tuner" aria-pressed="false" { "Start tuner" }
                p id="tuner-out" class="tuner" role="status" aria-live="polite" {}
            }
        },
    )
}

/// Progress: skills with uncertainty, takes over time, due items, the plan (progress.js).
pub fn progress(c: &Caller) -> Markup {
    layout(
        "Progress",
        Some(c),
        "/progress",
        Some("progress.js"),
        html! {
            h1 { "Progress" }
            (profile_bar())
            section class="card" aria-labelledby="skills-h" {
                h2 id="skills-h" { "Skills" }
                div id="skills" { p { "Pick or create a profile to see your skills." } }
            }
            section class="card" aria-labelledby="takes-h" {
                h2 id="takes-h" { "Takes over time" }
                div id="takes" {}
            }
            section class="card" aria-labelledby="due-h" {
                h2 id="due-h" { "Due for practice" }
                div id="due" {}
            }
            section class="card" aria-labelledby="plan-h" {
                h2 id="plan-h" { "Your plan" }
                form id="plan-form" class="row" {
                    label for="plan-goal" { "Goal" }
                    input id="plan-goal" placeholder="barre chords";
                    label for="plan-weeks" { "Weeks" }
                    input id="plan-weeks" type="number" min="1" max="52" value="4";
                    button type="submit" { "Make a plan" }
                }
                div id="plan" aria-live="polite" {}
            }
        },
    )
}

/// The export builder's filter inputs: field name, label, default value, step.
fn filter_inputs(
    f: &fretwise_dataset::curate::Filters,
) -> [(&'static str, &'static str, f64, &'static str); 8] {
    [
        (
            "min_quality_score",
            "Lowest quality score (0–1)",
            f.min_quality_score,
            "0.05",
        ),
        (
            "min_confidence",
            "Lowest mean confidence",
            f.min_confidence,
            "0.05",
        ),
        (
            "min_speech_activity",
            "Lowest speech activity",
            f.min_speech_activity,
            "0.05",
        ),
        (
            "max_speech_activity",
            "Highest speech activity",
            f.max_speech_activity,
            "0.05",
        ),
        (
            "max_filler_ratio",
            "Highest filler ratio",
            f.max_filler_ratio,
            "0.01",
        ),
        (
            "min_term_density",
            "Lowest guitar terms per 100 words",
            f.min_term_density,
            "0.1",
        ),
        ("min_snr_db", "Lowest recording SNR, dB", f.min_snr_db, "1"),
        (
            "near_duplicate_threshold",
            "Near-duplicate Jaccard threshold",
            f.near_duplicate_threshold,
            "0.05",
        ),
    ]
}

/// Staff: export builder (staff.js), profiles, the concept graph, statistics, flags, feedback.
pub fn staff(
    c: &Caller,
    stats: &CatalogStats,
    feedback: &[FeedbackRecord],
    profiles: &[Profile],
    graph_svg: Option<&str>,
) -> Markup {
    let filters = fretwise_dataset::curate::Filters::default();
    let shares = fretwise_dataset::curate::SplitShares::default();
    layout(
        "Staff",
        Some(c),
        "/staff",
        Some("staff.js"),
        html! {
            h1 { "Staff" }
            section class="card" aria-labelledby="export-h" {
                h2 id="export-h" { "Export training data" }
                form id="export-form" class="grid" {
                    label for="export-format" { "Format" }
                    select id="export-format" {
                        @for f in ["hf", "openai", "alpaca", "sharegpt", "langchain", "multimodal", "conversational"] {
                            option value=(f) { (f) }
                        }
                    }
                    label for="export-max" { "Most examples" }
                    input id="export-max" type="number" min="1" max="1000000" value="2000";
                    label for="export-audio" { "Word timings (adds the multimodal format)" }
                    input id="export-audio" type="checkbox";
                    fieldset id="export-filters" {
                        legend { "Filters (a lesson below a minimum or above a maximum is left out)" }
                        @for (id, label, value, step) in filter_inputs(&filters) {
                            div class="field" {
                                label for=(format!("filter-{id}")) { (label) }
                                input id=(format!("filter-{id}")) data-filter=(id) type="number" step=(step) value=(value);
                            }
                        }
                    }
                    fieldset id="export-splits" {
                        legend { "Splits (whole instructors; shares of lessons)" }
                        @for (id, label, value) in [("train", "Train %", shares.train), ("validation", "Validation %", shares.validation), ("test", "Test %", shares.test)] {
                            div class="field" {
                                label for=(format!("split-{id}")) { (label) }
                                input id=(format!("split-{id}")) data-split=(id) type="number" min="0" max="100" step="1" value=(format!("{:.0}", value * 100.0));
                            }
                        }
                        div class="field" {
                            label for="split-seed" { "Seed" }
                            input id="split-seed" type="number" min="0" step="1" value="42";
                        }
                        div class="field" {
                            label for="split-styles" { "Styles held out for test (comma-separated)" }
                            input id="split-styles" type="text" placeholder="e.g. jazz, metal";
                        }
                        div class="field" {
                            label for="split-advanced" { "Hold out advanced concepts for test" }
                            input id="split-advanced" type="checkbox";
                        }
                    }
                    div class="buttons" {
                        button type="button" class="secondary" id="export-preview" data-testid="export-preview" { "Preview (dry run)" }
                        button type="submit" data-testid="export-submit" { "Start export" }
                    }
                }
                p class="hint" { "The preview runs the filters, dedup and splits and writes nothing; the job's manifest and dataset card record the same settings." }
                div id="export-plan" aria-live="polite" {}
                div id="export-job" aria-live="polite" {}
            }
            section class="card" aria-labelledby="stats-h" {
                h2 id="stats-h" { "Catalog" }
                table {
                    caption { "What the library holds" }
                    tbody {
                        tr { th scope="row" { "Lessons" } td { (stats.lessons) } }
                        tr { th scope="row" { "Usable for training" } td { (stats.trainable) } }
                        tr { th scope="row" { "Exact duplicates" } td { (stats.duplicates) } }
                        tr { th scope="row" { "With a failure flag" } td { (stats.flagged) } }
                        tr { th scope="row" { "Quarantined inputs" } td { (stats.quarantined) } }
                        tr { th scope="row" { "Instructors" } td { (stats.instructors) } }
                        tr { th scope="row" { "Courses" } td { (stats.courses) } }
                        tr { th scope="row" { "Hours of lessons" } td { (format!("{:.1}", stats.hours)) } }
                        tr { th scope="row" { "Mean quality" } td { (format!("{:.3}", stats.mean_quality)) } }
                        tr { th scope="row" { "Recordings analysed" } td { (stats.recordings.analysed) } }
                        @if stats.recordings.analysed > 0 {
                            tr { th scope="row" { "Mean recording SNR" } td { (format!("{:.1} dB", stats.recordings.mean_snr_db)) } }
                            tr { th scope="row" { "Demonstrations" } td { (stats.recordings.demonstrations) } }
                        }
                    }
                }
                h3 { "Quality flags" }
                @if stats.flags_by_code.is_empty() {
                    p { "No lesson carries a flag." }
                } @else {
                    table {
                        caption { "Lessons per flag" }
                        thead { tr { th scope="col" { "Flag" } th scope="col" { "Lessons" } } }
                        tbody {
                            @for (code, n) in &stats.flags_by_code {
                                tr { td { code { (code) } } td { (n) } }
                            }
                        }
                    }
                }
            }
            section class="card" aria-labelledby="prof-h" {
                h2 id="prof-h" { "Instructors" }
                @if profiles.is_empty() {
                    p { "No instructor profiles yet (they are built after an ingest)." }
                } @else {
                    div class="scroll" tabindex="0" role="region" aria-label="Instructor profiles" {
                        table {
                            thead { tr { th scope="col" { "Instructor" } th scope="col" { "Lessons" } th scope="col" { "Teaches" } th scope="col" { "Style" } th scope="col" { "Words a minute" } th scope="col" { "Signature phrases" } } }
                            tbody {
                                @for p in profiles {
                                    tr {
                                        td { (p.name) }
                                        td { (p.lesson_statistics.total_segments) }
                                        td { (p.expertise.techniques_taught.iter().chain(p.expertise.theory_concepts.iter()).take(6).cloned().collect::<Vec<_>>().join(", ")) }
                                        td { (p.teaching_characteristics.explanation_style) ", " (p.teaching_characteristics.pacing) }
                                        td { (format!("{:.0}", p.speaking_rate_wpm)) }
                                        td { (p.signature_phrases.iter().take(3).map(|s| format!("“{}”", s.phrase)).collect::<Vec<_>>().join(" ")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section class="card" aria-labelledby="graph-h" {
                h2 id="graph-h" { "Concept graph" }
                @match graph_svg {
                    Some(svg) => {
                        p { "One column per difficulty; arrows run from a prerequisite to what it opens." }
                        div class="scroll graph" tabindex="0" role="region" aria-label="Concept graph (scrolls)" {
                            (PreEscaped(svg))
                        }
                    }
                    None => p { "The concept graph is built after the first ingest." },
                }
            }
            section class="card" aria-labelledby="fb-h" {
                h2 id="fb-h" { "Feedback students gave" }
                @if feedback.is_empty() {
                    p { "No feedback yet." }
                } @else {
                    div class="scroll" tabindex="0" role="region" aria-label="Feedback" {
                        table {
                            thead { tr { th scope="col" { "When" } th scope="col" { "Rating" } th scope="col" { "On" } th scope="col" { "Comment" } } }
                            tbody {
                                @for f in feedback {
                                    tr {
                                        td { (f.created_at) }
                                        td { (f.rating) " of 5" }
                                        td { (f.question.as_deref().or(f.take_id.as_deref()).unwrap_or("")) }
                                        td { (f.comment.as_deref().unwrap_or("")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// `m:ss` of seconds.
fn clock(s: f64) -> String {
    let s = s.max(0.0).floor() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// A lesson's transcript; the utterance at `t` is `#moment`, it and the rest up to `e` marked.
pub fn lesson(c: &Caller, l: &LessonDetail, t: Option<f64>, e: Option<f64>) -> Markup {
    let title = l
        .summary
        .title
        .clone()
        .unwrap_or_else(|| l.summary.id.clone());
    let at = t.filter(|t| t.is_finite()).map(|t| {
        l.utterances
            .iter()
            .rposition(|u| u.start <= t + 0.05)
            .unwrap_or(0)
    });
    let end = e.filter(|e| e.is_finite()).unwrap_or(f64::NEG_INFINITY);
    let marked = |i: usize, start: f64| at.is_some_and(|a| i > a && start < end - 0.05);
    // Ingest stores only http(s) links; checked again because this one becomes an href.
    let video = l.video_url.as_deref().filter(|v| {
        let v = v.to_ascii_lowercase();
        v.starts_with("https://") || v.starts_with("http://")
    });
    layout(
        &title,
        Some(c),
        "",
        None,
        html! {
            h1 { (title) }
            p class="meta" {
                @if let Some(i) = &l.summary.instructor { "With " (i) ". " }
                @if let Some(co) = &l.summary.course { "Course: " (co) ". " }
                @if let Some(lv) = &l.summary.level { "Level: " (lv) ". " }
                "Length " (clock(l.summary.duration_s)) "."
            }
            @if let Some(t) = t.filter(|t| t.is_finite()) {
                @match video {
                    Some(v) => p { "The moment cited starts at " strong { (clock(t)) } "; it is highlighted below. " a href=(fretwise_instructor::video_at(v, t)) data-testid="lesson-video" { "Watch the video from " (clock(t)) } "." },
                    None => p { "The moment cited starts at " strong { (clock(t)) } "; it is highlighted below. No video link is stored for this lesson, so here is the transcript." },
                }
            } @else if let Some(v) = video {
                p { a href=(v) data-testid="lesson-video" { "Watch the video" } }
            }
            section aria-labelledby="tr-h" {
                h2 id="tr-h" { "Transcript" }
                ol class="transcript" {
                    @for (i, u) in l.utterances.iter().enumerate() {
                        @if Some(i) == at {
                            li id="moment" class="moment" { span class="ts" { (clock(u.start)) } " " mark { (u.text) } }
                        } @else if marked(i, u.start) {
                            li id=(format!("t-{}", u.start.floor() as u64)) class="moment" { span class="ts" { (clock(u.start)) } " " mark { (u.text) } }
                        } @else {
                            li id=(format!("t-{}", u.start.floor() as u64)) { span class="ts" { (clock(u.start)) } " " (u.text) }
                        }
                    }
                }
            }
        },
    )
}
