//! The skill library, served through the MCP skills extension (SEP-2640) and
//! as plain `skill://<name>/SKILL.md` resources.
//!
//! The library in the repository's `skills/` folder is embedded in the binary
//! so an installed server works anywhere. rmcp's [`SkillCatalog`] serves a
//! directory tree, so the embedded copy is written once per version into the
//! user's cache and served from there. Folders given with `--skills-dir` come
//! first: a skill there replaces the embedded skill of the same name, and a
//! change on disk is picked up by [`Skills::reload`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use rmcp::ErrorData;
use rmcp::handler::server::skill_catalog::SkillCatalog;
use rmcp::model::{
    GetSkillResult, ListSkillsResult, ReadResourceDirectoryResult, ReadResourceResult, Resource,
    Skill,
};

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../skills");

/// Identifies the embedded library's content; part of the cache folder name.
const EMBEDDED_DIGEST: &str = env!("DEVOPS_MCP_SKILLS_DIGEST");

/// Where a catalog's skills come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into the binary.
    Embedded,
    /// A folder given with `--skills-dir`.
    Dir(PathBuf),
}

struct Source {
    origin: Origin,
    catalog: SkillCatalog,
}

/// A failure to load the skill library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SkillsError {
    #[error("cannot load skills from {path}: {message}")]
    Load { path: PathBuf, message: String },
    #[error("cannot unpack the embedded skills into {path}: {source}")]
    Unpack {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Every skill the server serves, in precedence order.
pub struct Skills {
    sources: Vec<Source>,
}

impl std::fmt::Debug for Skills {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Skills")
            .field(
                "origins",
                &self.sources.iter().map(|s| &s.origin).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Skills {
    /// Load the folders in `dirs` (highest precedence first) and the embedded library.
    pub fn load(dirs: &[PathBuf]) -> Result<Self, SkillsError> {
        let mut sources = Vec::with_capacity(dirs.len() + 1);
        // A later --skills-dir overrides an earlier one, as later flags do.
        for dir in dirs.iter().rev() {
            sources.push(Source {
                origin: Origin::Dir(dir.clone()),
                catalog: load_catalog(dir)?,
            });
        }
        let embedded = unpack_embedded()?;
        sources.push(Source {
            origin: Origin::Embedded,
            catalog: load_catalog(&embedded)?,
        });
        Ok(Self { sources })
    }

    /// Every skill, one per name, the highest-precedence copy winning.
    pub fn list(&self) -> Vec<(Skill, Origin)> {
        let mut by_name: BTreeMap<String, (Skill, Origin)> = BTreeMap::new();
        for source in &self.sources {
            for skill in source.catalog.skills() {
                by_name
                    .entry(skill.name().to_owned())
                    .or_insert_with(|| (skill, source.origin.clone()));
            }
        }
        by_name.into_values().collect()
    }

    /// The answer to `skills/list`.
    pub fn list_skills(&self) -> ListSkillsResult {
        ListSkillsResult::with_all_items(self.list().into_iter().map(|(skill, _)| skill).collect())
    }

    /// The answer to `skills/get`.
    pub fn get_skill(&self, uri: &str) -> Result<GetSkillResult, ErrorData> {
        match self.owner(uri) {
            Some(catalog) => catalog.get_skill(uri),
            None => Err(ErrorData::invalid_params(
                format!("unknown skill {uri}; call skills/list for the skills this server has"),
                None,
            )),
        }
    }

    /// The `SKILL.md` of every skill, for `resources/list`.
    pub fn resources(&self) -> Vec<Resource> {
        let mut by_uri: BTreeMap<String, Resource> = BTreeMap::new();
        for source in &self.sources {
            for resource in source.catalog.resources() {
                by_uri.entry(resource.uri.clone()).or_insert(resource);
            }
        }
        by_uri.into_values().collect()
    }

    /// The answer to `resources/read` for a skill file, or `None` when no skill serves `uri`.
    pub fn read_resource(&self, uri: &str) -> Option<ReadResourceResult> {
        self.owner(uri)?.read_resource(uri)
    }

    /// The answer to `resources/directory/read`.
    pub fn read_resource_directory(
        &self,
        uri: &str,
    ) -> Result<ReadResourceDirectoryResult, ErrorData> {
        match self.owner(uri) {
            Some(catalog) => catalog.read_resource_directory(uri),
            None => Err(ErrorData::invalid_params(
                format!("not a directory: {uri}"),
                None,
            )),
        }
    }

    /// Names of all skills, for completions.
    pub fn names(&self) -> Vec<String> {
        self.list()
            .into_iter()
            .map(|(skill, _)| skill.name().to_owned())
            .collect()
    }

    /// Re-read the folders on disk. Returns `true` when any skill changed.
    pub fn reload(&self) -> bool {
        let mut changed = false;
        for source in &self.sources {
            if let Origin::Dir(path) = &source.origin {
                match source.catalog.reload() {
                    Ok(true) => changed = true,
                    Ok(false) => {}
                    Err(error) => {
                        tracing::warn!(path = %path.display(), %error, "skills reload failed")
                    }
                }
            }
        }
        changed
    }

    /// Whether any skills come from disk and so can change while serving.
    pub fn has_dirs(&self) -> bool {
        self.sources
            .iter()
            .any(|source| matches!(source.origin, Origin::Dir(_)))
    }

    /// The catalog that serves the skill named by the first segment of `uri`.
    fn owner(&self, uri: &str) -> Option<&SkillCatalog> {
        let name = uri.strip_prefix("skill://")?.split('/').next()?;
        self.sources
            .iter()
            .find(|source| {
                source
                    .catalog
                    .skills()
                    .iter()
                    .any(|skill| skill.uri.starts_with(&format!("skill://{name}/")))
            })
            .map(|source| &source.catalog)
    }
}

fn load_catalog(dir: &Path) -> Result<SkillCatalog, SkillsError> {
    SkillCatalog::from_dir(dir).map_err(|error| SkillsError::Load {
        path: dir.to_path_buf(),
        message: error.to_string(),
    })
}

/// Write the embedded library to `<cache>/devops-mcp/skills/<digest>` unless a
/// complete copy is already there, and return that folder.
fn unpack_embedded() -> Result<PathBuf, SkillsError> {
    let base = dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("devops-mcp")
        .join("skills");
    let target = base.join(EMBEDDED_DIGEST);
    if target.join(".complete").is_file() {
        return Ok(target);
    }
    let unpack = |base: &Path| -> std::io::Result<()> {
        std::fs::create_dir_all(base)?;
        // Unpack next to the target and rename, so a concurrent server never
        // serves a half-written library.
        let staging = tempfile::Builder::new()
            .prefix(".unpack-")
            .tempdir_in(base)?;
        write_dir(&EMBEDDED, staging.path())?;
        std::fs::write(staging.path().join(".complete"), EMBEDDED_DIGEST)?;
        let staged = staging.keep();
        if let Err(error) = std::fs::rename(&staged, &target) {
            let _ = std::fs::remove_dir_all(&staged);
            // Another process won the race: its copy is identical.
            if !target.join(".complete").is_file() {
                return Err(error);
            }
        }
        Ok(())
    };
    unpack(&base).map_err(|source| SkillsError::Unpack {
        path: target.clone(),
        source,
    })?;
    Ok(target)
}

fn write_dir(dir: &Dir<'_>, to: &Path) -> std::io::Result<()> {
    for file in dir.files() {
        let path = to.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, file.contents())?;
    }
    for sub in dir.dirs() {
        write_dir(sub, to)?;
    }
    Ok(())
}
