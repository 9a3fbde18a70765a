//! Flags as the store keeps them (schema v5): the five system flags of
//! RFC 9051 §2.3.2 as columns, keywords apart in one column, normalised
//! (no duplicates in any case, no system flag). Nothing matches patterns
//! on flag text: `\Deleted` and `\Seen` are columns with indexes and
//! counts.

use crate::sql;
/// The system flags that have a column, in the order they are reported.
pub(crate) const SYSTEM: [&str; 5] = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FlagCols {
    /// `\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`.
    pub(crate) system: [bool; 5],
    /// Keywords, space-separated, each once.
    pub(crate) keywords: String,
}

impl FlagCols {
    pub(crate) fn of(flags: &[String]) -> FlagCols {
        let mut out = FlagCols::default();
        let mut kw: Vec<&str> = Vec::new();
        for f in flags {
            match SYSTEM.iter().position(|s| s.eq_ignore_ascii_case(f)) {
                Some(i) => out.system[i] = true,
                None if !f.is_empty() && !kw.iter().any(|k| k.eq_ignore_ascii_case(f)) => {
                    kw.push(f)
                }
                None => {}
            }
        }
        out.keywords = kw.join(" ");
        out
    }

    /// System flags first, in [`SYSTEM`] order, then keywords as stored.
    pub(crate) fn flags(&self) -> Vec<String> {
        let mut out: Vec<String> = SYSTEM
            .iter()
            .zip(self.system)
            .filter(|(_, on)| *on)
            .map(|(s, _)| s.to_string())
            .collect();
        out.extend(
            self.keywords
                .split(' ')
                .filter(|k| !k.is_empty())
                .map(str::to_string),
        );
        out
    }

    pub(crate) fn seen(&self) -> bool {
        self.system[0]
    }

    pub(crate) fn deleted(&self) -> bool {
        self.system[3]
    }

    /// Reads the columns of [`COLUMNS`] from a row.
    pub(crate) fn from_row(r: &sql::Row) -> crate::Result<FlagCols> {
        let mut system = [false; 5];
        for (i, name) in ["seen", "answered", "flagged", "deleted", "draft"]
            .iter()
            .enumerate()
        {
            system[i] = r.try_get::<i64, _>(*name)? != 0;
        }
        Ok(FlagCols {
            system,
            keywords: r.try_get("keywords")?,
        })
    }
}
