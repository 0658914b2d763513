//! The action pin lock table: every action a generated workflow uses, pinned
//! to the full commit SHA of its newest release tag.
//!
//! The table lives in `data/action-pins.toml`, is embedded at build time and
//! parsed once. Each entry records where its SHA came from and when it was
//! checked, so a reviewer can re-derive it (`git rev-parse <tag>^{commit}`).
//! [`update`] refreshes a table from the GitHub API; the result is written
//! back with [`PinTable::to_toml`] (the file's header comment kept) to a user
//! lock table, which [`ActivePins::load`] lays over the bundled one.
//!
//! Besides the pure table code, this module reads and (atomically) writes a
//! lock table file at a path the caller passes; it never decides the path.

pub mod update;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Error;

/// The lock table shipped with this crate.
const BUNDLED: &str = include_str!("../data/action-pins.toml");

/// The only lock table format version.
const SCHEMA_VERSION: u32 = 1;

/// One pinned action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// `owner/repo` or `owner/repo/path` as written in `uses:`.
    pub action: String,
    /// The release tag the SHA belongs to, e.g. `v7.0.1`.
    pub version: String,
    /// Full 40-character commit SHA of that tag.
    pub sha: String,
    /// How the SHA was resolved.
    pub source: String,
    /// Date (YYYY-MM-DD) the pin was last checked.
    pub checked: String,
}

impl Pin {
    /// The `uses:` value, `owner/repo@sha`.
    #[must_use]
    pub fn uses(&self) -> String {
        format!("{}@{}", self.action, self.sha)
    }

    /// The repository the action lives in, `owner/repo` (a sub-action such
    /// as `github/codeql-action/upload-sarif` lives in the first two segments).
    #[must_use]
    pub fn repository(&self) -> &str {
        repository_of(&self.action)
    }
}

/// `owner/repo` of an action reference `owner/repo[/path]`.
pub(crate) fn repository_of(action: &str) -> &str {
    match action.match_indices('/').nth(1) {
        Some((second_slash, _)) => &action[..second_slash],
        None => action,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    schema_version: u32,
    #[serde(default)]
    pin: Vec<Pin>,
}

/// A parsed, checked lock table: its pins sorted by action, and the comment
/// block that heads its file (kept when the table is written back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinTable {
    header: String,
    pins: Vec<Pin>,
}

impl PinTable {
    /// A table from `pins` under the comment block `header` (every line
    /// empty or starting with `#`; empty for none).
    ///
    /// # Errors
    /// [`Error::PinTable`] when a pin is malformed (see [`PinTable::parse`]),
    /// an action appears twice, or a header line is not a comment.
    pub fn new(header: impl Into<String>, pins: Vec<Pin>) -> Result<Self, Error> {
        let header = header.into();
        if let Some(line) = header
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        {
            return Err(Error::PinTable(format!(
                "header line `{line}` is not a `#` comment"
            )));
        }
        let header = header.trim_end().to_owned();
        let mut pins = pins;
        for pin in &pins {
            check_pin(pin)?;
        }
        pins.sort_by_key(|p| p.action.to_ascii_lowercase());
        for pair in pins.windows(2) {
            if pair[0].action.eq_ignore_ascii_case(&pair[1].action) {
                return Err(Error::PinTable(format!(
                    "action `{}` is listed twice",
                    pair[0].action
                )));
            }
        }
        Ok(Self { header, pins })
    }

    /// Parses and checks a lock table in the `action-pins.toml` format. The
    /// leading comment block becomes the table's header; other comments are
    /// not kept.
    ///
    /// # Errors
    /// [`Error::PinTable`] when the TOML is malformed, a SHA is not 40
    /// lowercase hex characters, a version is not a release tag (`v7.0.1`,
    /// `7.0.1`), a date is not YYYY-MM-DD, or an action appears twice.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let file: TableFile = toml::from_str(text).map_err(|e| Error::PinTable(e.to_string()))?;
        if file.schema_version != SCHEMA_VERSION {
            return Err(Error::PinTable(format!(
                "schema_version {} is not supported (expected {SCHEMA_VERSION})",
                file.schema_version
            )));
        }
        let header: Vec<&str> = text
            .lines()
            .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
            .collect();
        Self::new(header.join("\n"), file.pin)
    }

    /// The table embedded in this crate, parsed on first use.
    ///
    /// # Errors
    /// [`Error::PinTable`] if the embedded file is invalid (a unit test keeps it valid).
    pub fn bundled() -> Result<&'static Self, Error> {
        static TABLE: OnceLock<Result<PinTable, String>> = OnceLock::new();
        TABLE
            .get_or_init(|| Self::parse(BUNDLED).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::PinTable(e.clone()))
    }

    /// The TOML text of the table: the header comment, `schema_version`,
    /// then one `[[pin]]` per action in action order. Deterministic, so a
    /// refresh that changes nothing rewrites the same bytes, and
    /// `PinTable::parse(&t.to_toml()) == Ok(t)`.
    #[must_use]
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        if !self.header.is_empty() {
            out.push_str(&self.header);
            out.push_str("\n\n");
        }
        out.push_str(&format!("schema_version = {SCHEMA_VERSION}\n"));
        for pin in &self.pins {
            out.push_str("\n[[pin]]\n");
            for (key, value) in [
                ("action", &pin.action),
                ("version", &pin.version),
                ("sha", &pin.sha),
                ("source", &pin.source),
                ("checked", &pin.checked),
            ] {
                out.push_str(&format!("{key} = {}\n", toml_string(value)));
            }
        }
        out
    }

    /// The comment block heading the table's file, without a final newline.
    #[must_use]
    pub fn header(&self) -> &str {
        &self.header
    }

    /// Looks up an action, case-insensitively (GitHub owner and repo names are).
    #[must_use]
    pub fn get(&self, action: &str) -> Option<&Pin> {
        self.pins
            .binary_search_by(|p| {
                p.action
                    .to_ascii_lowercase()
                    .cmp(&action.to_ascii_lowercase())
            })
            .ok()
            .and_then(|i| self.pins.get(i))
    }

    /// Looks up an action the generator needs.
    ///
    /// # Errors
    /// [`Error::MissingPin`] when the table has no entry for it.
    pub fn require(&self, action: &str) -> Result<&Pin, Error> {
        self.get(action).ok_or_else(|| Error::MissingPin {
            action: action.to_owned(),
        })
    }

    /// All pins, sorted by action.
    pub fn iter(&self) -> impl Iterator<Item = &Pin> {
        self.pins.iter()
    }

    /// Number of pins.
    #[must_use]
    pub fn len(&self) -> usize {
        self.pins.len()
    }

    /// Whether the table has no pins.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pins.is_empty()
    }

    /// The oldest and newest `checked` dates, `None` for an empty table.
    #[must_use]
    pub fn checked_range(&self) -> Option<(&str, &str)> {
        let oldest = self.pins.iter().map(|p| p.checked.as_str()).min()?;
        let newest = self.pins.iter().map(|p| p.checked.as_str()).max()?;
        Some((oldest, newest))
    }

    /// Every action of both tables; where both list one, the entry checked
    /// more recently wins, `over` on a tie. The header is `over`'s (or this
    /// table's when `over` has none).
    ///
    /// This is how a user's refreshed table and the bundled one combine: a
    /// newer devops-mcp release with newer bundled pins is not shadowed by
    /// an older refresh, and an action the user's file lacks still has a pin.
    #[must_use]
    pub fn merged(&self, over: &PinTable) -> PinTable {
        let mut pins: Vec<Pin> = over.pins.clone();
        for mine in &self.pins {
            match over.get(&mine.action) {
                Some(theirs) if theirs.checked >= mine.checked => {}
                Some(theirs) => {
                    let action = theirs.action.clone();
                    pins.retain(|p| p.action != action);
                    pins.push(mine.clone());
                }
                None => pins.push(mine.clone()),
            }
        }
        pins.sort_by_key(|p| p.action.to_ascii_lowercase());
        let header = if over.header.is_empty() {
            self.header.clone()
        } else {
            over.header.clone()
        };
        PinTable { header, pins }
    }

    /// Reads the lock table at `path`; `Ok(None)` when there is no file.
    ///
    /// # Errors
    /// [`PinFileError::Read`] when the file exists but cannot be read,
    /// [`PinFileError::Invalid`] when its content is not a valid table.
    pub fn read_file(path: &Path) -> Result<Option<Self>, PinFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(PinFileError::Read {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
        };
        Self::parse(&text)
            .map(Some)
            .map_err(|e| PinFileError::Invalid {
                path: path.to_path_buf(),
                message: match e {
                    Error::PinTable(message) => message,
                    other => other.to_string(),
                },
            })
    }

    /// Writes the table to `path` atomically (a temporary file in the same
    /// folder, renamed over the target), creating the folder when needed,
    /// so a reader never sees half a table.
    ///
    /// # Errors
    /// [`PinFileError::Write`] naming the path and the cause.
    pub fn write_file(&self, path: &Path) -> Result<(), PinFileError> {
        let failed = |message: String| PinFileError::Write {
            path: path.to_path_buf(),
            message,
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
        let mut file = tempfile::Builder::new()
            .prefix(".action-pins.")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| failed(e.to_string()))?;
        std::io::Write::write_all(&mut file, self.to_toml().as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .map_err(|e| failed(e.to_string()))?;
        file.persist(path)
            .map_err(|e| failed(e.error.to_string()))?;
        Ok(())
    }
}

/// A lock table file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PinFileError {
    /// The file exists but cannot be read.
    #[error("cannot read the action pin table {}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// The file is not a valid lock table.
    #[error(
        "the action pin table {} is invalid: {message}; fix it, rewrite it with `devops-mcp pins update`, or delete it to use the table bundled with devops-mcp",
        path.display()
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the action or line.
        message: String,
    },
    /// The table could not be written.
    #[error("cannot write the action pin table {}: {message}; check that the folder is writable", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        message: String,
    },
}

/// The pin table workflow generation uses: the user's lock table laid over
/// the bundled one (see [`PinTable::merged`]), or the bundled one alone.
#[derive(Debug, Clone)]
pub struct ActivePins {
    /// The combined table to generate with.
    pub table: PinTable,
    /// Where it came from, for tool results.
    pub info: PinTableInfo,
}

/// Which lock table a generation used, and how fresh it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PinTableInfo {
    /// `bundled` (the table shipped with devops-mcp) or `file` (a lock table written by `devops-mcp pins update`, over the bundled one).
    pub source: String,
    /// Path of the user's lock table, when one was used.
    pub file: Option<String>,
    /// Oldest `checked` date (YYYY-MM-DD) of any pin: every pin was verified on or after it.
    pub checked: String,
    /// Newest `checked` date (YYYY-MM-DD) of any pin.
    pub newest_checked: String,
    /// Pins taken from the user's lock table (the rest are bundled ones).
    pub from_file: usize,
}

impl ActivePins {
    /// The bundled table over which the lock table at `user_file` (when
    /// given and present) is laid.
    ///
    /// # Errors
    /// [`PinFileError`] when the user's file exists but cannot be read or is
    /// invalid (never silently ignored: the user asked for those pins).
    pub fn load(user_file: Option<&Path>) -> Result<Self, PinFileError> {
        let bundled = PinTable::bundled().map_err(|e| PinFileError::Invalid {
            path: PathBuf::from("crates/devops-mcp-github/data/action-pins.toml"),
            message: e.to_string(),
        })?;
        let user = match user_file {
            Some(path) => PinTable::read_file(path)?.map(|table| (path, table)),
            None => None,
        };
        Ok(match user {
            Some((path, table)) => {
                let merged = bundled.merged(&table);
                let from_file = merged
                    .iter()
                    .filter(|p| table.get(&p.action) == Some(*p))
                    .count();
                Self::with_info(merged, Some(path), from_file)
            }
            None => Self::with_info(bundled.clone(), None, 0),
        })
    }

    fn with_info(table: PinTable, file: Option<&Path>, from_file: usize) -> Self {
        let (checked, newest_checked) = table
            .checked_range()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .unwrap_or_default();
        let info = PinTableInfo {
            source: if file.is_some() { "file" } else { "bundled" }.to_owned(),
            file: file.map(|p| p.display().to_string()),
            checked,
            newest_checked,
            from_file,
        };
        Self { table, info }
    }
}

/// Today's date in UTC, `YYYY-MM-DD`, for the `checked` field.
#[must_use]
pub fn today_utc() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The numbers of a stable release tag: `v` (optional) then one to three
/// dot-separated numbers (`v7.0.1`, `7.0.1`, `v7`). Anything else (a
/// pre-release such as `v8.0.0-beta.1`, build metadata, a name such as
/// `codeql-bundle-v2.20.0`) is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ReleaseVersion {
    /// Major, minor, patch; missing ones are 0.
    pub numbers: [u64; 3],
    /// How many numbers the tag spells: `v4.0.0` sorts after the moving `v4`.
    pub parts: usize,
}

impl ReleaseVersion {
    pub(crate) fn parse(tag: &str) -> Option<Self> {
        let rest = tag.strip_prefix('v').unwrap_or(tag);
        let mut numbers = [0u64; 3];
        let mut parts = 0;
        for part in rest.split('.') {
            if parts == 3
                || part.is_empty()
                || part.len() > 9
                || !part.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            numbers[parts] = part.parse().ok()?;
            parts += 1;
        }
        Some(Self { numbers, parts })
    }

    pub(crate) fn major(self) -> u64 {
        self.numbers[0]
    }
}

fn check_pin(pin: &Pin) -> Result<(), Error> {
    let bad = |what: &str| Err(Error::PinTable(format!("`{}`: {what}", pin.action)));
    let parts: Vec<&str> = pin.action.split('/').collect();
    if parts.len() < 2
        || parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == "..")
        || pin.action.chars().any(|c| c.is_whitespace() || c == '@')
    {
        return bad("action must be owner/repo or owner/repo/path");
    }
    if pin.sha.len() != 40
        || !pin
            .sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return bad("sha must be a full 40-character lowercase hex commit SHA");
    }
    if ReleaseVersion::parse(&pin.version).is_none() {
        return bad("version must be a release tag such as v7.0.1");
    }
    let date_ok = pin.checked.len() == 10
        && pin.checked.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !date_ok {
        return bad("checked must be a date YYYY-MM-DD");
    }
    if pin.source.trim().is_empty() {
        return bad("source must say how the SHA was resolved");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA_A: &str = "3d3c42e5aac5ba805825da76410c181273ba90b1";
    const SHA_B: &str = "5fda3b95a4ea91299a34e894583c3862153e4b97";

    fn pin(action: &str, version: &str, sha: &str, checked: &str) -> Pin {
        Pin {
            action: action.into(),
            version: version.into(),
            sha: sha.into(),
            source: format!("test: {action} {version}"),
            checked: checked.into(),
        }
    }

    #[test]
    fn bundled_table_is_valid_and_has_every_action_the_generator_uses() {
        let table = PinTable::bundled().unwrap();
        for action in crate::generate::ACTIONS_USED {
            let pin = table.require(action).unwrap();
            assert_eq!(pin.sha.len(), 40, "{action}");
            assert!(
                pin.checked.as_str() >= "2026-11-29",
                "{action}: {}",
                pin.checked
            );
        }
        assert!(table.header().starts_with("# Action pin lock table"));
    }

    #[test]
    fn lookup_is_case_insensitive() {
        let table = PinTable::bundled().unwrap();
        let a = table.get("Azure/Login").unwrap();
        assert_eq!(a.action, "azure/login");
        assert!(table.get("actions/not-there").is_none());
    }

    #[test]
    fn rejects_short_sha_and_bad_version_and_duplicates() {
        let row = |action: &str, version: &str, sha: &str| {
            format!(
                "[[pin]]\naction = \"{action}\"\nversion = \"{version}\"\nsha = \"{sha}\"\nsource = \"s\"\nchecked = \"2026-11-29\"\n"
            )
        };
        let t = |rows: &str| PinTable::parse(&format!("schema_version = 1\n{rows}"));
        assert!(t(&row("a/b", "v1.2.3", SHA_A)).is_ok());
        assert!(
            t(&row("a/b", "1.2.3", SHA_A)).is_ok(),
            "tags without `v` exist"
        );
        assert!(t(&row("a/b", "v1.2.3", "3d3c42e")).is_err());
        assert!(t(&row("a/b", "v1.2.3-rc.1", SHA_A)).is_err());
        assert!(t(&row("a/b", "main", SHA_A)).is_err());
        assert!(t(&row("ab", "v1", SHA_A)).is_err());
        assert!(t(&row("a/b@v1", "v1", SHA_A)).is_err());
        assert!(
            t(&format!(
                "{}{}",
                row("a/b", "v1", SHA_A),
                row("A/b", "v2", SHA_A)
            ))
            .is_err()
        );
    }

    #[test]
    fn writing_and_parsing_round_trip_with_the_header() {
        let bundled = PinTable::bundled().unwrap();
        let text = bundled.to_toml();
        assert_eq!(&PinTable::parse(&text).unwrap(), bundled);
        assert!(text.starts_with(bundled.header()));
        assert_eq!(
            PinTable::parse(&text).unwrap().to_toml(),
            text,
            "stable bytes"
        );

        let awkward = PinTable::new(
            "# a header\n#\n# with \"quotes\"\n\n# and a second paragraph\n",
            vec![
                Pin {
                    source: "said \"hi\" \\ back\tslash\u{7}".into(),
                    ..pin("z/y/sub", "7", SHA_B, "2026-01-02")
                },
                pin("a/b", "v1.2.3", SHA_A, "2026-01-01"),
            ],
        )
        .unwrap();
        let round = PinTable::parse(&awkward.to_toml()).unwrap();
        assert_eq!(round, awkward);
        assert_eq!(
            round.header(),
            "# a header\n#\n# with \"quotes\"\n\n# and a second paragraph"
        );
        assert_eq!(round.iter().next().unwrap().action, "a/b", "sorted");

        let bare = PinTable::new("", vec![pin("a/b", "v1", SHA_A, "2026-01-01")]).unwrap();
        assert_eq!(PinTable::parse(&bare.to_toml()).unwrap(), bare);
        assert!(bare.to_toml().starts_with("schema_version = 1\n"));
        assert!(PinTable::new("not a comment", Vec::new()).is_err());
    }

    #[test]
    fn merging_keeps_every_action_and_the_most_recent_check() {
        let bundled = PinTable::new(
            "# bundled",
            vec![
                pin("a/one", "v1.0.0", SHA_A, "2026-05-01"),
                pin("a/two", "v2.0.0", SHA_A, "2026-05-01"),
                pin("a/three", "v3.0.0", SHA_A, "2026-05-01"),
            ],
        )
        .unwrap();
        let user = PinTable::new(
            "# user",
            vec![
                pin("A/One", "v1.1.0", SHA_B, "2026-06-01"),
                pin("a/two", "v1.9.0", SHA_B, "2026-04-01"),
                pin("a/three", "v3.0.1", SHA_B, "2026-05-01"),
                pin("u/own", "v9", SHA_B, "2026-06-01"),
            ],
        )
        .unwrap();
        let merged = bundled.merged(&user);
        let versions: Vec<(&str, &str)> = merged
            .iter()
            .map(|p| (p.action.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            versions,
            vec![
                ("A/One", "v1.1.0"),
                ("a/three", "v3.0.1"),
                ("a/two", "v2.0.0"),
                ("u/own", "v9"),
            ]
        );
        assert_eq!(merged.header(), "# user");
        assert_eq!(merged.checked_range(), Some(("2026-05-01", "2026-06-01")));
    }

    #[test]
    fn files_are_read_written_atomically_and_reported_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/action-pins.toml");
        assert_eq!(PinTable::read_file(&path).unwrap(), None);
        assert_eq!(
            ActivePins::load(Some(&path)).unwrap().info.source,
            "bundled"
        );

        let user = PinTable::new(
            "# mine",
            vec![pin("actions/checkout", "v99.0.0", SHA_B, "2999-01-01")],
        )
        .unwrap();
        user.write_file(&path).unwrap();
        assert_eq!(PinTable::read_file(&path).unwrap(), Some(user.clone()));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");

        let active = ActivePins::load(Some(&path)).unwrap();
        assert_eq!(active.table.require("actions/checkout").unwrap().sha, SHA_B);
        assert!(
            active.table.get("azure/login").is_some(),
            "bundled fills gaps"
        );
        assert_eq!(active.info.source, "file");
        assert_eq!(active.info.from_file, 1);
        assert_eq!(active.info.newest_checked, "2999-01-01");
        assert_eq!(active.info.file.as_deref(), Some(path.to_str().unwrap()));

        std::fs::write(&path, "schema_version = 1\n[[pin]]\naction = \"x\"\n").unwrap();
        let message = ActivePins::load(Some(&path)).unwrap_err().to_string();
        assert!(message.contains(path.to_str().unwrap()), "{message}");
        assert!(message.contains("delete it"), "{message}");
    }

    #[test]
    fn sub_actions_live_in_their_repository() {
        assert_eq!(
            repository_of("github/codeql-action/upload-sarif"),
            "github/codeql-action"
        );
        assert_eq!(repository_of("a/b/c/d"), "a/b");
        assert_eq!(repository_of("actions/checkout"), "actions/checkout");
    }

    #[test]
    fn today_is_a_date() {
        let today = today_utc();
        let parsed = PinTable::new("", vec![pin("a/b", "v1", SHA_A, &today)]);
        assert!(parsed.is_ok(), "{today}");
    }
}
