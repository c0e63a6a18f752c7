//! The one parser for a level a person types (`--level` on every command).

use crate::mine::level_rank;

/// A level that is not beginner, intermediate or advanced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level `{input}` (beginner, intermediate or advanced)")]
pub struct UnknownLevel {
    /// What was typed, cut to 40 characters.
    pub input: String,
}

/// Parses a typed level into its rank: 1 beginner, 2 intermediate, 3 advanced.
///
/// Accepts the names case-insensitively, the platform's spellings (`Beginner/Novice`, `Pro`)
/// and the ranks `1`–`3`; anything else is an error rather than no filter.
pub fn parse_level(input: &str) -> Result<u8, UnknownLevel> {
    let rank = match input.trim() {
        "1" => Some(1),
        "2" => Some(2),
        "3" => Some(3),
        t => level_rank(t),
    };
    rank.ok_or_else(|| UnknownLevel {
        input: input.chars().take(40).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ranks_parse_and_anything_else_is_refused() {
        assert_eq!(parse_level("beginner"), Ok(1));
        assert_eq!(parse_level("Intermediate"), Ok(2));
        assert_eq!(parse_level(" ADVANCED "), Ok(3));
        assert_eq!(parse_level("2"), Ok(2));
        let e = parse_level("godlike").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown level `godlike` (beginner, intermediate or advanced)"
        );
        assert!(parse_level("").is_err());
        assert!(parse_level("improver").is_err());
        assert!(parse_level("4").is_err());
        assert_eq!(parse_level(&"x".repeat(500)).unwrap_err().input.len(), 40);
    }
}
