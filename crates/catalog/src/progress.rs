//! Progress of long jobs over the catalog (ingest, knowledge rebuild, export, index update).

/// Receives progress from a long job: a terminal progress bar, a service job's counters, or
/// nothing (`&()`).
pub trait Progress: Send + Sync {
    /// A stage begins: its name and, when known, how many steps it has.
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    /// `n` more steps of the current stage are done.
    fn advance(&self, _n: u64) {}
}

impl Progress for () {}
