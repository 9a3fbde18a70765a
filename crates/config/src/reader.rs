//! Walks a `toml::Table` section by section, reading each known key with
//! its default and collecting every problem instead of stopping at the first
//! (which `serde`'s `deny_unknown_fields` would do). Keys nobody read are
//! reported at the end, with a "did you mean" hint.

use toml::{Table, Value};

use crate::ConfigError;
use crate::units::{ByteSize, DURATION_FORM, HumanDuration, SIZE_FORM};

/// Collects errors, and which keys each section knows, across the file.
#[derive(Default)]
pub(crate) struct Reader {
    errors: Vec<ConfigError>,
    /// (section path, key) of every key some section reads.
    known: Vec<(String, &'static str)>,
    /// (section path, key, value is a table) of every key nobody read.
    unknown: Vec<(String, String, bool)>,
}

impl Reader {
    pub(crate) fn error(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ConfigError {
            key: key.into(),
            message: message.into(),
        });
    }

    /// A section (a table) of the file; `table` is `None` when it is absent.
    pub(crate) fn section<'t, 'r>(
        &'r mut self,
        path: &str,
        table: Option<&'t Table>,
    ) -> Section<'t, 'r> {
        Section {
            reader: self,
            path: path.to_string(),
            table,
            read: Vec::new(),
        }
    }

    /// Turns the unread keys into errors (first, as they often explain the
    /// rest) and returns everything found.
    pub(crate) fn finish(self) -> Vec<ConfigError> {
        let mut out = Vec::new();
        for (section, key, is_table) in &self.unknown {
            let here: Vec<&str> = self
                .known
                .iter()
                .filter(|(s, _)| s == section)
                .map(|(_, k)| *k)
                .collect();
            let full = join(section, key);
            let what = if section.is_empty() && *is_table {
                "unknown section"
            } else {
                "unknown key"
            };
            let message = if let Some(close) = closest(key, &here) {
                if section.is_empty() && *is_table {
                    format!("{what}; did you mean [{close}]?")
                } else {
                    format!("{what}; did you mean `{close}`?")
                }
            } else if let Some((other, _)) = self
                .known
                .iter()
                .find(|(s, k)| s != section && *k == key && !s.is_empty())
            {
                format!("{what}; `{key}` belongs in section [{other}]")
            } else if here.is_empty() {
                format!("{what}; this section takes no keys")
            } else if section.is_empty() {
                format!("{what}; the sections are [{}]", here.join("], ["))
            } else {
                format!("{what}; expected one of: {}", here.join(", "))
            };
            out.push(ConfigError { key: full, message });
        }
        out.extend(self.errors);
        out
    }
}

/// One table of the file being read. Call [`Section::finish`] when done, so
/// that unread keys are reported.
pub(crate) struct Section<'t, 'r> {
    reader: &'r mut Reader,
    path: String,
    table: Option<&'t Table>,
    read: Vec<&'static str>,
}

impl<'t> Section<'t, '_> {
    /// The full dotted path of `key`, as shown to the user.
    pub(crate) fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    pub(crate) fn error(&mut self, key: &str, message: impl Into<String>) {
        let full = self.path_of(key);
        self.reader.error(full, message);
    }

    fn raw(&mut self, key: &'static str) -> Option<&'t Value> {
        self.read.push(key);
        self.table?.get(key)
    }

    /// Reads `key` with `parse`; on a bad value reports
    /// "`parse`'s message, found …" and returns `default`.
    pub(crate) fn get<T>(
        &mut self,
        key: &'static str,
        default: T,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> T {
        match self.raw(key) {
            None => default,
            Some(v) => match parse(v) {
                Ok(t) => t,
                Err(message) => {
                    self.error(key, message);
                    default
                }
            },
        }
    }

    /// An optional key without default.
    pub(crate) fn get_opt<T>(
        &mut self,
        key: &'static str,
        parse: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Option<T> {
        let v = self.raw(key)?;
        match parse(v) {
            Ok(t) => Some(t),
            Err(message) => {
                self.error(key, message);
                None
            }
        }
    }

    pub(crate) fn bool(&mut self, key: &'static str, default: bool) -> bool {
        self.get(key, default, |v| {
            v.as_bool().ok_or_else(|| expected("true or false", v))
        })
    }

    /// An integer in `min..=max`.
    pub(crate) fn int<T>(&mut self, key: &'static str, default: T, min: i64, max: i64) -> T
    where
        T: TryFrom<i64>,
    {
        self.get(key, default, |v| int(v, min, max))
    }

    pub(crate) fn int_opt<T: TryFrom<i64>>(
        &mut self,
        key: &'static str,
        min: i64,
        max: i64,
    ) -> Option<T> {
        self.get_opt(key, |v| int(v, min, max))
    }

    /// An optional number (integer or float) in `min..=max`.
    pub(crate) fn float_opt(&mut self, key: &'static str, min: f64, max: f64) -> Option<f64> {
        self.get_opt(key, |v| float(v, min, max))
    }

    /// A size; `min` bytes at least (use 1 to refuse zero).
    pub(crate) fn size(&mut self, key: &'static str, default: ByteSize, min: u64) -> ByteSize {
        self.get(key, default, |v| {
            let size = size(v)?;
            if size.0 < min {
                Err(format!(
                    "must be at least {}, found {}",
                    ByteSize(min),
                    describe(v)
                ))
            } else {
                Ok(size)
            }
        })
    }

    /// A duration longer than zero.
    pub(crate) fn duration(&mut self, key: &'static str, default: HumanDuration) -> HumanDuration {
        self.get(key, default, duration_nonzero)
    }

    pub(crate) fn durations(
        &mut self,
        key: &'static str,
        default: Vec<HumanDuration>,
    ) -> Vec<HumanDuration> {
        self.get(key, default, |v| {
            array(
                v,
                "a list of durations such as [\"5m\", \"1h\"]",
                duration_nonzero,
            )
        })
    }

    /// One of `choices`, mapped to its value.
    pub(crate) fn choice<T: Copy>(
        &mut self,
        key: &'static str,
        default: T,
        choices: &[(&str, T)],
    ) -> T {
        self.get(key, default, |v| {
            let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
            let form = format!("one of {}", names.join(", "));
            let s = v.as_str().ok_or_else(|| expected(&form, v))?;
            choices
                .iter()
                .find(|(n, _)| *n == s)
                .map(|(_, t)| *t)
                .ok_or_else(|| expected(&form, v))
        })
    }

    /// A sub-table (`[dns.routes]`); reports a non-table value.
    pub(crate) fn table(&mut self, key: &'static str) -> Option<&'t Table> {
        let v = self.raw(key)?;
        match v.as_table() {
            Some(t) => Some(t),
            None => {
                let m = expected(&format!("a table [{}]", self.path_of(key)), v);
                self.error(key, m);
                None
            }
        }
    }

    /// Records which keys this section knows, and reports the others.
    pub(crate) fn finish(self) {
        let Section {
            reader,
            path,
            table,
            read,
        } = self;
        if let Some(table) = table {
            for (k, v) in table {
                if !read.iter().any(|r| r == k) {
                    reader.unknown.push((path.clone(), k.clone(), v.is_table()));
                }
            }
        }
        for k in read {
            reader.known.push((path.clone(), k));
        }
    }
}

/// A number (integer or float) in `min..=max`.
pub(crate) fn float(v: &Value, min: f64, max: f64) -> Result<f64, String> {
    let form = format!("a number from {min} to {max}");
    let x = match v {
        Value::Float(x) => *x,
        Value::Integer(i) => *i as f64,
        _ => return Err(expected(&form, v)),
    };
    if x.is_finite() && x >= min && x <= max {
        Ok(x)
    } else {
        Err(expected(&form, v))
    }
}

/// `section.key`, quoting the key when it is not a bare TOML key.
pub(crate) fn join(section: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if section.is_empty() {
        key
    } else {
        format!("{section}.{key}")
    }
}

/// "expected FORM, found VALUE".
pub(crate) fn expected(form: &str, v: &Value) -> String {
    format!("expected {form}, found {}", describe(v))
}

/// A short rendering of a value for error messages.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Integer(i) => i.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => format!("the date {d}"),
        Value::Array(_) => "a list".into(),
        Value::Table(_) => "a table".into(),
    }
}

pub(crate) fn string(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| expected("a string", v))
}

fn int<T: TryFrom<i64>>(v: &Value, min: i64, max: i64) -> Result<T, String> {
    let form = format!("an integer from {min} to {max}");
    match v {
        Value::Integer(i) if (min..=max).contains(i) => {
            T::try_from(*i).map_err(|_| expected(&form, v))
        }
        _ => Err(expected(&form, v)),
    }
}

fn size(v: &Value) -> Result<ByteSize, String> {
    match v {
        Value::Integer(i) => u64::try_from(*i)
            .map(ByteSize)
            .map_err(|_| expected(SIZE_FORM, v)),
        Value::String(s) => ByteSize::parse(s).map_err(|e| e.0),
        _ => Err(expected(SIZE_FORM, v)),
    }
}

fn duration_nonzero(v: &Value) -> Result<HumanDuration, String> {
    let d = match v {
        Value::String(s) => HumanDuration::parse(s).map_err(|e| e.0)?,
        Value::Integer(_) => {
            return Err(format!(
                "expected {DURATION_FORM}, found the number {}: write its unit",
                describe(v)
            ));
        }
        _ => return Err(expected(DURATION_FORM, v)),
    };
    if d.0.is_zero() {
        return Err(format!("must be longer than zero, found {}", describe(v)));
    }
    Ok(d)
}

fn array<T>(
    v: &Value,
    form: &str,
    item: impl Fn(&Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let items = v.as_array().ok_or_else(|| expected(form, v))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        out.push(item(x).map_err(|m| format!("item {}: {m}", i + 1))?);
    }
    Ok(out)
}

/// The known key closest to `key`, if close enough to be a typo.
pub(crate) fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let key = key.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&key, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 4).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance, with a transposition counting as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
