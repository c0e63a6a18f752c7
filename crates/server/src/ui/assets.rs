//! The UI's scripts, style sheet and icon, compiled into the binary.

/// A file by name: its content type and text.
pub fn get(name: &str) -> Option<(&'static str, &'static str)> {
    const JS: &str = "text/javascript; charset=utf-8";
    Some(match name {
        "app.css" => ("text/css; charset=utf-8", include_str!("static/app.css")),
        "icon.svg" => ("image/svg+xml", include_str!("static/icon.svg")),
        "common.js" => (JS, include_str!("static/common.js")),
        "ask.js" => (JS, include_str!("static/ask.js")),
        "practice.js" => (JS, include_str!("static/practice.js")),
        "recorder-worklet.js" => (JS, include_str!("static/recorder-worklet.js")),
        "progress.js" => (JS, include_str!("static/progress.js")),
        "staff.js" => (JS, include_str!("static/staff.js")),
        _ => return None,
    })
}
