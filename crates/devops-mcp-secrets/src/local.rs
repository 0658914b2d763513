//! The `local` store: one age-encrypted JSON document on the user's machine.
//!
//! Layout: an X25519 identity file (`AGE-SECRET-KEY-1...`, mode 0600, in the
//! config directory) and the store (in the data directory), which the
//! reference CLI opens with `age -d -i identity.txt secrets.age`. The plaintext
//! is `{"format": 1, "secrets": {name: {"versions": [...]}}}`; every write adds
//! a version, so an overwrite can be undone and old versions read, as in Key
//! Vault.
//!
//! Writers take an exclusive `flock` on `<store>.lock`, read, modify, and
//! replace the file atomically (see [`crate::fsx`]); readers need no lock
//! because rename never exposes a half-written store. The plaintext is
//! streamed straight into the encryptor and decrypted into a buffer sized
//! once and wiped afterwards.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::iter;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::error::SecretsError;
use crate::file::DotenvEntries;
use crate::fsx;
use crate::name::{StoreKind, validate_name};
use crate::properties::{ValidProperties, format_time};
use crate::value::SecretValue;

/// Version of the plaintext document layout.
const FORMAT: u32 = 1;

/// The local encrypted store. Cheap to create; every call opens the files anew,
/// so one value can be shared by threads and several can point at one store.
#[derive(Debug, Clone)]
pub struct LocalStore {
    identity_path: PathBuf,
    store_path: PathBuf,
    lock_path: PathBuf,
}

/// Metadata of one version (never the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LocalVersionInfo {
    /// Version id (32 hex characters).
    pub version: String,
    /// When this version was written, RFC 3339.
    pub created: String,
    /// Content type hint, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Whether this version can be read.
    pub enabled: bool,
    /// Expiry, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Activation time, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// The version this one was restored from, when it was written by an undo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restored_from: Option<String>,
}

/// Metadata of one secret: its current version and how many it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LocalSecretInfo {
    /// Secret name.
    pub name: String,
    /// When the first version was written, RFC 3339.
    pub created: String,
    /// Number of versions kept.
    pub versions: usize,
    /// The current (newest) version.
    pub current: LocalVersionInfo,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LocalSetResult {
    /// Secret name.
    pub name: String,
    /// The new version id.
    pub version: String,
    /// The version it replaced as current, if the secret existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    /// Number of versions now kept.
    pub versions: usize,
    /// When the version was written, RFC 3339.
    pub created: String,
}

/// What a delete removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct LocalDeleteResult {
    /// Secret name.
    pub name: String,
    /// How many versions were removed.
    pub versions_removed: usize,
}

/// Outcome of importing a `.env` file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ImportReport {
    /// Secrets written, with their new versions.
    pub imported: Vec<LocalSetResult>,
    /// Names left alone because they exist and overwrite was not asked for.
    pub skipped_existing: Vec<String>,
    /// Entries not imported, with the reason (never the value).
    pub rejected: Vec<ImportRejection>,
}

/// One `.env` entry that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ImportRejection {
    /// The variable name as written in the file.
    pub key: String,
    /// Why it was not imported.
    pub reason: String,
}

/// The plaintext document.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Document {
    format: u32,
    secrets: BTreeMap<String, Entry>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Entry {
    versions: Vec<StoredVersion>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredVersion {
    version: String,
    created: String,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restored_from: Option<String>,
    /// The only place a value is serialized: into the encryptor's input.
    #[serde(serialize_with = "serialize_value")]
    value: SecretValue,
}

fn serialize_value<S: serde::Serializer>(
    value: &SecretValue,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.expose())
}

impl StoredVersion {
    fn info(&self) -> LocalVersionInfo {
        LocalVersionInfo {
            version: self.version.clone(),
            created: self.created.clone(),
            content_type: self.content_type.clone(),
            tags: self.tags.clone(),
            enabled: self.enabled,
            expires: self.expires.clone(),
            not_before: self.not_before.clone(),
            restored_from: self.restored_from.clone(),
        }
    }
}

impl Entry {
    fn info(&self, name: &str) -> Option<LocalSecretInfo> {
        let first = self.versions.first()?;
        let current = self.versions.last()?;
        Some(LocalSecretInfo {
            name: name.to_owned(),
            created: first.created.clone(),
            versions: self.versions.len(),
            current: current.info(),
        })
    }
}

impl LocalStore {
    /// A store at `store_path` encrypted to the identity in `identity_path`.
    ///
    /// Nothing is touched until the first call: the identity is created (mode
    /// 0600) by the first write, and a missing store reads as empty. The lock
    /// file is `<store_path>.lock`.
    pub fn new(identity_path: PathBuf, store_path: PathBuf) -> Self {
        let mut lock_name = store_path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        lock_name.push(".lock");
        let lock_path = store_path.with_file_name(lock_name);
        Self {
            identity_path,
            store_path,
            lock_path,
        }
    }

    /// Where the identity lives.
    pub fn identity_path(&self) -> &Path {
        &self.identity_path
    }

    /// Where the encrypted store lives.
    pub fn store_path(&self) -> &Path {
        &self.store_path
    }

    /// The age recipient (`age1...`) of the identity, creating the identity if needed.
    pub fn recipient(&self) -> Result<String, SecretsError> {
        let identity = self
            .identity(true)?
            .ok_or_else(|| self.missing_identity())?;
        Ok(identity.to_public().to_string())
    }

    /// Names and metadata of every secret, sorted by name; never values.
    pub fn list(&self) -> Result<Vec<LocalSecretInfo>, SecretsError> {
        let document = self.read_current()?;
        Ok(document
            .secrets
            .iter()
            .filter_map(|(name, entry)| entry.info(name))
            .collect())
    }

    /// Metadata of every version of `name`, oldest first.
    pub fn versions(&self, name: &str) -> Result<Vec<LocalVersionInfo>, SecretsError> {
        let document = self.read_current()?;
        let entry = document
            .secrets
            .get(name)
            .ok_or_else(|| not_found(name, None))?;
        Ok(entry.versions.iter().map(StoredVersion::info).collect())
    }

    /// Whether `name` exists.
    pub fn exists(&self, name: &str) -> Result<bool, SecretsError> {
        Ok(self.read_current()?.secrets.contains_key(name))
    }

    /// The value of `name` (the current version, or `version`) with its metadata.
    /// For the human CLI and for `copy`; MCP tools never return it.
    pub fn get(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<(SecretValue, LocalVersionInfo), SecretsError> {
        let document = self.read_current()?;
        let entry = document
            .secrets
            .get(name)
            .ok_or_else(|| not_found(name, None))?;
        let stored = match version {
            Some(version) => entry
                .versions
                .iter()
                .find(|v| v.version == version)
                .ok_or_else(|| not_found(name, Some(version)))?,
            None => entry.versions.last().ok_or_else(|| not_found(name, None))?,
        };
        if !stored.enabled {
            return Err(SecretsError::SecretDisabled {
                store: StoreKind::Local,
                name: name.to_owned(),
                version: stored.version.clone(),
            });
        }
        Ok((stored.value.clone(), stored.info()))
    }

    /// Add a version of `name` holding `value`. Refused when the secret
    /// exists and `overwrite` is false; checked under the lock, so two
    /// writers cannot both "create" the same secret.
    pub fn set(
        &self,
        name: &str,
        value: &SecretValue,
        properties: &ValidProperties,
        overwrite: bool,
    ) -> Result<LocalSetResult, SecretsError> {
        validate_name(StoreKind::Local, name)?;
        if value.is_empty() {
            return Err(SecretsError::EmptyValue {
                source_desc: "the source".to_owned(),
            });
        }
        self.modify(|document| {
            if document.secrets.contains_key(name) && !overwrite {
                return Err(SecretsError::AlreadyExists {
                    store: StoreKind::Local,
                    name: name.to_owned(),
                });
            }
            add_version(document, name, value.clone(), properties, None)
        })
    }

    /// Undo: make `version` (default: the one before the current) current
    /// again by adding a new version with its value and metadata.
    pub fn restore_version(
        &self,
        name: &str,
        version: Option<&str>,
    ) -> Result<LocalSetResult, SecretsError> {
        self.modify(|document| {
            let entry = document
                .secrets
                .get(name)
                .ok_or_else(|| not_found(name, None))?;
            let source = match version {
                Some(version) => entry
                    .versions
                    .iter()
                    .find(|v| v.version == version)
                    .ok_or_else(|| not_found(name, Some(version)))?,
                None => entry.versions.iter().rev().nth(1).ok_or_else(|| {
                    SecretsError::InvalidOption {
                        field: "version",
                        reason: format!(
                            "secret `{name}` has a single version; there is nothing to undo"
                        ),
                    }
                })?,
            }
            .clone();
            let properties = ValidProperties {
                content_type: source.content_type.clone(),
                tags: source.tags.clone(),
                enabled: source.enabled,
                expires: None,
                not_before: None,
            };
            let restored_from = source.version.clone();
            let mut result = add_version(
                document,
                name,
                source.value.clone(),
                &properties,
                Some(restored_from),
            )?;
            // Keep the activation window as stored (already formatted).
            if let Some(entry) = document.secrets.get_mut(name)
                && let Some(last) = entry.versions.last_mut()
            {
                last.expires = source.expires;
                last.not_before = source.not_before;
                result.created = last.created.clone();
            }
            Ok(result)
        })
    }

    /// Remove `name` and all its versions.
    pub fn delete(&self, name: &str) -> Result<LocalDeleteResult, SecretsError> {
        self.modify(|document| {
            let entry = document
                .secrets
                .remove(name)
                .ok_or_else(|| not_found(name, None))?;
            Ok(LocalDeleteResult {
                name: name.to_owned(),
                versions_removed: entry.versions.len(),
            })
        })
    }

    /// Import every variable of a `.env` document in one locked write.
    /// Invalid names and empty values are reported, not fatal.
    pub fn import_dotenv(&self, text: &str, overwrite: bool) -> Result<ImportReport, SecretsError> {
        let properties = ValidProperties {
            enabled: true,
            ..ValidProperties::default()
        };
        // Last definition wins, in first-seen order, so a key written twice
        // in the file gets one version.
        let mut entries: Vec<(&str, SecretValue)> = Vec::new();
        for entry in DotenvEntries::new(text) {
            match entries.iter_mut().find(|(key, _)| *key == entry.key) {
                Some(slot) => slot.1 = entry.value,
                None => entries.push((entry.key, entry.value)),
            }
        }
        self.modify(|document| {
            let mut report = ImportReport::default();
            for (key, value) in entries {
                if let Err(error) = validate_name(StoreKind::Local, key) {
                    report.rejected.push(ImportRejection {
                        key: key.to_owned(),
                        reason: error.to_string(),
                    });
                    continue;
                }
                if value.is_empty() {
                    report.rejected.push(ImportRejection {
                        key: key.to_owned(),
                        reason: "the value is empty".to_owned(),
                    });
                    continue;
                }
                if document.secrets.contains_key(key) && !overwrite {
                    report.skipped_existing.push(key.to_owned());
                    continue;
                }
                report
                    .imported
                    .push(add_version(document, key, value, &properties, None)?);
            }
            Ok(report)
        })
    }

    // --- internals -------------------------------------------------------

    fn missing_identity(&self) -> SecretsError {
        SecretsError::LocalDecrypt {
            path: self.store_path.clone(),
            identity: self.identity_path.clone(),
            reason: "the identity file does not exist".to_owned(),
        }
    }

    fn io_error(&self, path: &Path, action: &'static str) -> impl Fn(io::Error) -> SecretsError {
        let path = path.to_path_buf();
        move |source| SecretsError::LocalIo {
            path: path.clone(),
            action,
            source,
        }
    }

    /// Lock, read, let `change` edit the document, write it back.
    fn modify<T>(
        &self,
        change: impl FnOnce(&mut Document) -> Result<T, SecretsError>,
    ) -> Result<T, SecretsError> {
        let _lock = fsx::lock_exclusive(&self.lock_path)
            .map_err(self.io_error(&self.lock_path, "lock the store"))?;
        fsx::remove_stale_temps(&self.store_path).map_err(self.io_error(
            &self.store_path,
            "remove temporary files of an interrupted write",
        ))?;
        let identity = self
            .identity(true)?
            .ok_or_else(|| self.missing_identity())?;
        let mut document = self.read_document(Some(&identity))?;
        let result = change(&mut document)?;
        self.write_document(&identity, &document)?;
        tracing::debug!(store = %self.store_path.display(), secrets = document.secrets.len(), "local secret store written");
        Ok(result)
    }

    fn read_current(&self) -> Result<Document, SecretsError> {
        let identity = self.identity(false)?;
        self.read_document(identity.as_ref())
    }

    /// Load the identity, or create it when `create` and it does not exist.
    fn identity(&self, create: bool) -> Result<Option<age::x25519::Identity>, SecretsError> {
        match fs::metadata(&self.identity_path) {
            Ok(metadata) => {
                if let Some(mode) = fsx::shared_mode_bits(&metadata) {
                    return Err(SecretsError::IdentityPermissions {
                        path: self.identity_path.clone(),
                        mode,
                    });
                }
                self.read_identity().map(Some)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                if !create {
                    return Ok(None);
                }
                let identity = age::x25519::Identity::generate();
                let content = Zeroizing::new(format!(
                    "# created: {}\n# public key: {}\n{}\n",
                    format_time(OffsetDateTime::now_utc()),
                    identity.to_public(),
                    identity.to_string().expose_secret()
                ));
                match fsx::create_private_file(&self.identity_path, content.as_bytes()) {
                    Ok(()) => {
                        tracing::info!(identity = %self.identity_path.display(), "created the local secret store identity");
                        Ok(Some(identity))
                    }
                    // Another process created it first: use theirs.
                    Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                        self.read_identity().map(Some)
                    }
                    Err(error) => Err(self.io_error(&self.identity_path, "create the identity")(
                        error,
                    )),
                }
            }
            Err(error) => Err(self.io_error(&self.identity_path, "read the identity")(
                error,
            )),
        }
    }

    fn read_identity(&self) -> Result<age::x25519::Identity, SecretsError> {
        let text = Zeroizing::new(
            fs::read_to_string(&self.identity_path)
                .map_err(self.io_error(&self.identity_path, "read the identity"))?,
        );
        let line = text
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with('#'))
            .ok_or_else(|| SecretsError::IdentityInvalid {
                path: self.identity_path.clone(),
                reason: "the file holds no key line".to_owned(),
            })?;
        line.parse::<age::x25519::Identity>()
            .map_err(|reason| SecretsError::IdentityInvalid {
                path: self.identity_path.clone(),
                reason: reason.to_owned(),
            })
    }

    fn read_document(
        &self,
        identity: Option<&age::x25519::Identity>,
    ) -> Result<Document, SecretsError> {
        let file = match File::open(&self.store_path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Document {
                    format: FORMAT,
                    secrets: BTreeMap::new(),
                });
            }
            Err(error) => return Err(self.io_error(&self.store_path, "open the store")(error)),
        };
        let identity = identity.ok_or_else(|| self.missing_identity())?;
        let length = file
            .metadata()
            .map_err(self.io_error(&self.store_path, "read the store"))?
            .len();
        let decrypt_error = |reason: String| SecretsError::LocalDecrypt {
            path: self.store_path.clone(),
            identity: self.identity_path.clone(),
            reason,
        };
        let decryptor =
            age::Decryptor::new(BufReader::new(file)).map_err(|e| decrypt_error(e.to_string()))?;
        let mut reader = decryptor
            .decrypt(iter::once(identity as &dyn age::Identity))
            .map_err(|e| decrypt_error(e.to_string()))?;
        // The plaintext is shorter than the ciphertext: one allocation, no
        // reallocation leaving unwiped copies behind.
        let capacity = usize::try_from(length).unwrap_or(0);
        let mut plaintext = Zeroizing::new(Vec::with_capacity(capacity));
        reader
            .read_to_end(&mut plaintext)
            .map_err(|e| decrypt_error(e.to_string()))?;
        let document: Document =
            serde_json::from_slice(&plaintext).map_err(|error| SecretsError::LocalCorrupt {
                path: self.store_path.clone(),
                reason: format!("the decrypted content is not a store document ({error})"),
            })?;
        if document.format != FORMAT {
            return Err(SecretsError::LocalCorrupt {
                path: self.store_path.clone(),
                reason: format!(
                    "format {} is not supported (this version reads format {FORMAT}); use a newer devops-mcp",
                    document.format
                ),
            });
        }
        Ok(document)
    }

    fn write_document(
        &self,
        identity: &age::x25519::Identity,
        document: &Document,
    ) -> Result<(), SecretsError> {
        let recipient = identity.to_public();
        let encryptor =
            age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
                .map_err(|error| SecretsError::LocalEncrypt {
                    reason: error.to_string(),
                })?;
        let io_error = self.io_error(&self.store_path, "write the store");
        fsx::replace_atomically(
            &self.store_path,
            |file| {
                let mut writer = encryptor
                    .wrap_output(BufWriter::new(file))
                    .map_err(&io_error)?;
                serde_json::to_writer(&mut writer, document).map_err(|error| {
                    SecretsError::LocalEncrypt {
                        reason: error.to_string(),
                    }
                })?;
                let mut inner = writer.finish().map_err(&io_error)?;
                inner.flush().map_err(&io_error)
            },
            &io_error,
        )
    }
}

fn not_found(name: &str, version: Option<&str>) -> SecretsError {
    SecretsError::SecretNotFound {
        store: StoreKind::Local,
        name: name.to_owned(),
        version: version.map(str::to_owned),
    }
}

fn new_version_id() -> Result<String, SecretsError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| SecretsError::Random {
        reason: error.to_string(),
    })?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

fn add_version(
    document: &mut Document,
    name: &str,
    value: SecretValue,
    properties: &ValidProperties,
    restored_from: Option<String>,
) -> Result<LocalSetResult, SecretsError> {
    let entry = document.secrets.entry(name.to_owned()).or_default();
    let previous_version = entry.versions.last().map(|v| v.version.clone());
    let created = format_time(OffsetDateTime::now_utc());
    let version = new_version_id()?;
    entry.versions.push(StoredVersion {
        version: version.clone(),
        created: created.clone(),
        content_type: properties.content_type.clone(),
        tags: properties.tags.clone(),
        enabled: properties.enabled,
        expires: properties.expires.map(format_time),
        not_before: properties.not_before.map(format_time),
        restored_from,
        value,
    });
    Ok(LocalSetResult {
        name: name.to_owned(),
        version,
        previous_version,
        versions: entry.versions.len(),
        created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> LocalStore {
        LocalStore::new(
            dir.join("config/identity.txt"),
            dir.join("data/secrets.age"),
        )
    }

    fn props() -> ValidProperties {
        ValidProperties {
            enabled: true,
            ..ValidProperties::default()
        }
    }

    fn value(text: &str) -> SecretValue {
        SecretValue::new(text.to_owned())
    }

    #[test]
    fn set_get_versions_undo_delete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        assert!(store.list().expect("empty list").is_empty());

        let first = store
            .set("DB", &value("first-9f1c"), &props(), false)
            .expect("first");
        assert_eq!(first.versions, 1);
        assert!(first.previous_version.is_none());
        let error = store
            .set("DB", &value("two"), &props(), false)
            .expect_err("exists");
        assert_eq!(error.kind(), "already_exists");
        let second = store
            .set("DB", &value("two"), &props(), true)
            .expect("overwrite");
        assert_eq!(
            second.previous_version.as_deref(),
            Some(first.version.as_str())
        );

        assert_eq!(store.get("DB", None).expect("current").0.expose(), "two");
        assert_eq!(
            store
                .get("DB", Some(&first.version))
                .expect("old")
                .0
                .expose(),
            "first-9f1c"
        );
        let undo = store.restore_version("DB", None).expect("undo");
        assert_eq!(
            store.get("DB", None).expect("undone").0.expose(),
            "first-9f1c"
        );
        assert_eq!(store.versions("DB").expect("versions").len(), 3);
        assert_eq!(
            store.versions("DB").expect("versions")[2]
                .restored_from
                .as_deref(),
            Some(first.version.as_str())
        );
        assert_eq!(undo.versions, 3);

        let list = store.list().expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].versions, 3);
        assert!(!format!("{list:?}").contains("first-9f1c"));

        let deleted = store.delete("DB").expect("delete");
        assert_eq!(deleted.versions_removed, 3);
        assert_eq!(
            store.get("DB", None).expect_err("gone").kind(),
            "secret_not_found"
        );
    }

    #[test]
    fn identity_is_private_and_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let recipient = store.recipient().expect("recipient");
        assert!(recipient.starts_with("age1"), "{recipient}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = fs::metadata(store.identity_path()).expect("meta");
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
            fs::set_permissions(store.identity_path(), fs::Permissions::from_mode(0o644))
                .expect("chmod");
            let error = store.list().expect_err("shared identity");
            assert_eq!(error.kind(), "identity_permissions");
            assert!(error.to_string().contains("chmod 600"), "{error}");
        }
    }

    #[test]
    fn wrong_identity_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        store.set("A", &value("x"), &props(), false).expect("set");
        fs::remove_file(store.identity_path()).expect("remove identity");
        let error = store.list().expect_err("no identity");
        assert_eq!(error.kind(), "local_decrypt");
        // A write creates a new identity, which cannot open the old store.
        let error = store
            .set("B", &value("y"), &props(), false)
            .expect_err("wrong identity");
        assert_eq!(error.kind(), "local_decrypt");
        assert!(
            error.to_string().contains("Restore the identity"),
            "{error}"
        );
    }

    #[test]
    fn import_reports_each_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        store
            .set("KEEP", &value("old"), &props(), false)
            .expect("set");
        let report = store
            .import_dotenv("KEEP=new\nNEW=1\nNEW=2\nbad/name=3\nEMPTY=\n", false)
            .expect("import");
        assert_eq!(report.imported.len(), 1);
        assert_eq!(report.imported[0].name, "NEW");
        assert_eq!(report.skipped_existing, vec!["KEEP".to_owned()]);
        assert_eq!(report.rejected.len(), 2);
        assert_eq!(store.get("NEW", None).expect("new").0.expose(), "2");
        assert_eq!(store.get("KEEP", None).expect("keep").0.expose(), "old");
        assert!(!format!("{report:?}").contains("old"));
    }

    #[test]
    fn disabled_versions_are_not_returned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let disabled = ValidProperties {
            enabled: false,
            ..ValidProperties::default()
        };
        store
            .set("OFF", &value("x"), &disabled, false)
            .expect("set");
        assert_eq!(
            store.get("OFF", None).expect_err("disabled").kind(),
            "secret_disabled"
        );
    }
}
