//! The bundled rule packs, embedded at build time (see `build.rs`), and their materialization
//! into a private folder that semgrep reads with `--config`.

use std::fs;
use std::path::PathBuf;

use crate::error::ScanError;
use crate::request::RulePack;

include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

/// One bundled rule file.
#[derive(Debug, Clone, Copy)]
pub struct BundledRuleFile {
    /// The pack it belongs to.
    pub pack: RulePack,
    /// File name inside the pack folder, e.g. `unpinned-action.yaml`.
    pub file_name: &'static str,
    /// The YAML text.
    pub yaml: &'static str,
}

/// Every bundled rule file, sorted by pack then file name.
pub fn bundled_rule_files() -> impl Iterator<Item = BundledRuleFile> {
    BUNDLED_RULE_FILES
        .iter()
        .filter_map(|(pack, file_name, yaml)| {
            let pack = RulePack::ALL.into_iter().find(|p| p.name() == *pack)?;
            Some(BundledRuleFile {
                pack,
                file_name,
                yaml,
            })
        })
}

/// Ids of the bundled rules of `pack`, read from the `- id:` lines of its files.
pub fn bundled_rule_ids(pack: RulePack) -> Vec<String> {
    bundled_rule_files()
        .filter(|file| file.pack == pack)
        .flat_map(|file| {
            file.yaml.lines().filter_map(|line| {
                line.trim_start()
                    .strip_prefix("- id:")
                    .map(|id| id.trim().to_owned())
            })
        })
        .collect()
}

/// A private folder holding every bundled pack as `<dir>/<pack>/<rule>.yaml`.
#[derive(Debug)]
pub(crate) struct MaterializedRules {
    dir: tempfile::TempDir,
}

impl MaterializedRules {
    /// Writes every bundled rule file into a fresh private temporary folder.
    pub(crate) fn create() -> Result<MaterializedRules, ScanError> {
        let dir = tempfile::Builder::new()
            .prefix("devops-mcp-rules-")
            .tempdir()
            .map_err(|source| ScanError::Io {
                context: "creating a temporary folder for the bundled rules".to_owned(),
                source,
            })?;
        let rules = MaterializedRules { dir };
        rules.write_all()?;
        Ok(rules)
    }

    fn write_all(&self) -> Result<(), ScanError> {
        for file in bundled_rule_files() {
            let pack_dir = self.dir.path().join(file.pack.name());
            fs::create_dir_all(&pack_dir).map_err(|source| ScanError::Io {
                context: format!("creating {}", pack_dir.display()),
                source,
            })?;
            let path = pack_dir.join(file.file_name);
            fs::write(&path, file.yaml).map_err(|source| ScanError::Io {
                context: format!("writing bundled rule {}", path.display()),
                source,
            })?;
        }
        Ok(())
    }

    /// The folder of one pack, rewritten first if something (a temp cleaner) removed it.
    pub(crate) fn pack_dir(&self, pack: RulePack) -> Result<PathBuf, ScanError> {
        let dir = self.dir.path().join(pack.name());
        if !dir.is_dir() {
            self.write_all()?;
        }
        Ok(dir)
    }

    /// The root of the materialized packs.
    #[cfg(test)]
    fn root(&self) -> &std::path::Path {
        self.dir.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pack_is_bundled_with_prefixed_ids() {
        for pack in RulePack::ALL {
            let ids = bundled_rule_ids(pack);
            assert!(ids.len() >= 4, "{pack}: {ids:?}");
            for id in ids {
                assert!(
                    id.starts_with(&format!("devops-mcp.{}.", pack.name())),
                    "{id} is not in pack {pack}"
                );
                assert_eq!(RulePack::of_rule_id(&id), Some(pack));
            }
        }
    }

    #[test]
    fn test_targets_are_not_bundled() {
        for file in bundled_rule_files() {
            assert!(file.file_name.ends_with(".yaml"), "{}", file.file_name);
            assert!(!file.file_name.contains(".test."), "{}", file.file_name);
            assert!(file.yaml.starts_with("rules:"), "{}", file.file_name);
        }
    }

    #[test]
    fn materialized_packs_contain_the_files() {
        let rules = MaterializedRules::create().unwrap();
        let dir = rules.pack_dir(RulePack::Secrets).unwrap();
        assert!(dir.join("github-token-classic.yaml").is_file());
        fs::remove_dir_all(rules.root().join("bicep")).unwrap();
        assert!(
            rules
                .pack_dir(RulePack::Bicep)
                .unwrap()
                .join("min-tls-below-1-2.yaml")
                .is_file()
        );
    }
}
