//! Terminal output: progress bars (only on a terminal) and JSON printing.

use std::io::IsTerminal;
use std::sync::LazyLock;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// Every bar draws through one set, so that two running at once (the knowledge rebuild beside
/// the index update) stack instead of overwriting each other's line.
static BARS: LazyLock<MultiProgress> = LazyLock::new(MultiProgress::new);

/// A progress bar on stderr when it is a terminal and JSON was not asked for.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// Creates a bar labelled `label`, hidden when `quiet` or not on a terminal.
    pub fn new(label: &'static str, quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new(0);
        let style =
            ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label);
        Self(Some(BARS.add(bar)))
    }

    /// Sets the total.
    pub fn set_len(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_length(n);
        }
    }

    /// Starts over with a new total.
    pub fn reset(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.set_position(0);
            b.set_length(n);
        }
    }

    /// Advances by `n`.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
            BARS.remove(b);
        }
    }
}

impl fretwise_catalog::Progress for Bar {
    fn stage(&self, _name: &str, total: Option<u64>) {
        if let Some(t) = total {
            self.reset(t);
        }
    }
    fn advance(&self, n: u64) {
        self.inc(n);
    }
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Whether a `--plot` file is a PNG (true) or an SVG (false), from its name; any other name is
/// an error, given before any work is done.
pub fn plot_is_png(path: &std::path::Path) -> anyhow::Result<bool> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => Ok(true),
        Some("svg") => Ok(false),
        _ => anyhow::bail!(
            "--plot {}: name the file .png or .svg (the format follows the name)",
            path.display()
        ),
    }
}
