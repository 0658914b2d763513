//! `devops-mcp schemas install` and `devops-mcp bicep-types install`: fetch
//! reference data from its official source into the user's cache, for users
//! with internet. The server reads it from there (or a configured path).
//!
//! Bicep type data comes from the NuGet package `Azure.Bicep.Types.Az`, the
//! package the Bicep compiler itself loads its types from. The package keeps
//! the `types.json` files as gzip-compressed resources inside its assembly,
//! so the installer takes every gzip member it finds, keeps the ones that
//! are bicep-types JSON arrays, and writes them with a fresh `index.json` in
//! the layout `TypeIndex::load_dir` reads. Plain `index.json`/`types.json`
//! files in the package are taken as they are.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

/// The NuGet endpoint for the newest `Azure.Bicep.Types.Az` package.
pub const BICEP_TYPES_PACKAGE_URL: &str =
    "https://www.nuget.org/api/v2/package/Azure.Bicep.Types.Az";

/// Largest download accepted, in bytes (the real package is ~40 MB).
const MAX_DOWNLOAD_BYTES: usize = 512 * 1024 * 1024;

/// A failed installation, with what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    #[error(
        "cannot download {url}: {message}; check the connection, or pass --from FILE with a copy"
    )]
    Download { url: String, message: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what} is not usable: {message}")]
    Invalid { what: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Read `from` (a file) or download `url`.
pub async fn fetch(url: &str, from: Option<&Path>) -> Result<Vec<u8>, InstallError> {
    if let Some(path) = from {
        return std::fs::read(path).map_err(|source| InstallError::Read {
            path: path.to_path_buf(),
            source,
        });
    }
    let download = |message: String| InstallError::Download {
        url: url.to_owned(),
        message,
    };
    let response = reqwest::Client::builder()
        .user_agent(concat!("devops-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| download(e.to_string()))?
        .get(url)
        .send()
        .await
        .map_err(|e| download(e.to_string()))?;
    if !response.status().is_success() {
        return Err(download(format!("HTTP {}", response.status())));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| download(e.to_string()))?;
    if bytes.len() > MAX_DOWNLOAD_BYTES {
        return Err(download(format!("larger than {MAX_DOWNLOAD_BYTES} bytes")));
    }
    Ok(bytes.to_vec())
}

/// Check that `bytes` is a JSON schema and write it atomically to `target`.
pub fn install_workflow_schema(bytes: &[u8], target: &Path) -> Result<(), InstallError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| InstallError::Invalid {
            what: "the workflow schema".into(),
            message: e.to_string(),
        })?;
    let looks_right = value.get("$schema").is_some()
        && value
            .pointer("/properties/jobs")
            .is_some_and(serde_json::Value::is_object);
    if !looks_right {
        return Err(InstallError::Invalid {
            what: "the workflow schema".into(),
            message:
                "it has no `$schema` or no `properties.jobs`; is this the GitHub workflow schema?"
                    .into(),
        });
    }
    crate::workspace::write_atomic(target, bytes).map_err(|source| InstallError::Write {
        path: target.to_path_buf(),
        source,
    })
}

/// Extract bicep type data from a NuGet package into `target` (replaced whole).
/// Returns the number of resource types indexed.
pub fn install_bicep_types(package: &[u8], target: &Path) -> Result<usize, InstallError> {
    let invalid = |message: String| InstallError::Invalid {
        what: "the Azure.Bicep.Types.Az package".into(),
        message,
    };
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(package)).map_err(|e| invalid(e.to_string()))?;
    let mut type_files: Vec<serde_json::Value> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| invalid(e.to_string()))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| invalid(format!("{name}: {e}")))?;
        if name.ends_with("types.json") {
            type_files.extend(types_array(&bytes));
        } else if name.ends_with(".json.gz") {
            type_files.extend(gunzip(&bytes).as_deref().and_then(types_array));
        } else if name.ends_with(".dll") {
            type_files.extend(gzip_members(&bytes).iter().filter_map(|m| types_array(m)));
        }
    }
    if type_files.is_empty() {
        return Err(invalid(
            "no bicep-types `types.json` data found in it".into(),
        ));
    }
    write_type_files(&type_files, target)
}

/// Lay out `files` as `<provider>/<api-version>/types.json` with a new
/// `index.json`, in a staging folder renamed over `target`.
fn write_type_files(files: &[serde_json::Value], target: &Path) -> Result<usize, InstallError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    let write_error = |source: std::io::Error| InstallError::Write {
        path: target.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(parent).map_err(write_error)?;
    let staging = tempfile::Builder::new()
        .prefix(".bicep-types-")
        .tempdir_in(parent)
        .map_err(write_error)?;
    let mut index = serde_json::Map::new();
    for (n, file) in files.iter().enumerate() {
        let Some(types) = file.as_array() else {
            continue;
        };
        // Name the file after its first resource type, e.g.
        // microsoft.web/2025-03-01; a running number keeps names unique.
        let first = types
            .iter()
            .find_map(|t| {
                (t["$type"] == "ResourceType")
                    .then(|| t["name"].as_str())
                    .flatten()
            })
            .unwrap_or("unknown/unknown@unknown");
        let (resource, version) = first.split_once('@').unwrap_or((first, "unknown"));
        let provider = resource
            .split('/')
            .next()
            .unwrap_or("unknown")
            .to_lowercase();
        let relative = format!("{n:04}/{provider}/{version}/types.json");
        for (i, t) in types.iter().enumerate() {
            if t["$type"] == "ResourceType"
                && let Some(name) = t["name"].as_str()
            {
                index.insert(
                    name.to_owned(),
                    serde_json::json!({ "$ref": format!("{relative}#/{i}") }),
                );
            }
        }
        let path = staging.path().join(&relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        std::fs::write(&path, file.to_string()).map_err(write_error)?;
    }
    let count = index.len();
    let document = serde_json::json!({ "resources": index });
    std::fs::write(staging.path().join("index.json"), document.to_string()).map_err(write_error)?;
    if target.exists() {
        std::fs::remove_dir_all(target).map_err(write_error)?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, target).map_err(write_error)?;
    Ok(count)
}

/// A bicep-types file is a JSON array whose elements carry `$type`.
fn types_array(bytes: &[u8]) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let is_types = value
        .as_array()
        .is_some_and(|items| items.iter().any(|t| t["$type"] == "ResourceType"));
    is_types.then_some(value)
}

fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(bytes).read_to_end(&mut out).ok()?;
    Some(out)
}

/// Every gzip member embedded anywhere in `bytes` (as .NET stores resources).
fn gzip_members(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = bytes[at..].windows(3).position(|w| w == [0x1f, 0x8b, 0x08]) {
        let start = at + offset;
        let mut decoder = GzDecoder::new(&bytes[start..]);
        let mut out = Vec::new();
        match decoder.read_to_end(&mut out) {
            Ok(_) if !out.is_empty() => {
                found.push(out);
                // Continue after this member's header; members do not overlap
                // in practice and a false match is just skipped.
                at = start + 3;
            }
            _ => at = start + 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn package(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn sample_types() -> Vec<u8> {
        br##"[{"$type":"StringType"},{"$type":"ObjectType","name":"body","properties":{"name":{"type":{"$ref":"#/0"},"flags":9}}},{"$type":"ResourceType","name":"Microsoft.Web/sites@2025-03-01","body":{"$ref":"#/1"},"readableScopes":8,"writableScopes":8}]"##.to_vec()
    }

    #[test]
    fn extracts_gzip_resources_embedded_in_the_assembly() {
        // Resources as .NET lays them out: a length prefix, then the bytes.
        let mut dll = b"MZ\x90\x00 not really a PE file ".to_vec();
        for blob in [gzip(&sample_types()), gzip(b"{\"resources\":{}}")] {
            dll.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            dll.extend_from_slice(&blob);
        }
        let nupkg = package(&[("lib/netstandard2.0/Azure.Bicep.Types.Az.dll", dll)]);
        let target = tempfile::tempdir().unwrap();
        let dir = target.path().join("bicep-types");
        let count = install_bicep_types(&nupkg, &dir).unwrap();
        assert_eq!(count, 1);
        let index: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap())
                .unwrap();
        let reference = index["resources"]["Microsoft.Web/sites@2025-03-01"]["$ref"]
            .as_str()
            .unwrap();
        let (file, pointer) = reference.split_once("#/").unwrap();
        let types: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        let at: usize = pointer.parse().unwrap();
        assert_eq!(types[at]["name"], "Microsoft.Web/sites@2025-03-01");
    }

    #[test]
    fn a_package_without_types_is_refused_and_nothing_is_written() {
        let nupkg = package(&[("readme.txt", b"hello".to_vec())]);
        let target = tempfile::tempdir().unwrap();
        let dir = target.path().join("bicep-types");
        assert!(install_bicep_types(&nupkg, &dir).is_err());
        assert!(!dir.exists());
    }

    #[test]
    fn workflow_schema_is_checked_before_it_is_written() {
        let target = tempfile::tempdir().unwrap();
        let path = target.path().join("schemas/github-workflow.json");
        assert!(install_workflow_schema(b"{\"hello\":1}", &path).is_err());
        assert!(!path.exists());
        let schema = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/contracts/github-workflow/github-workflow.schema.json"),
        )
        .unwrap();
        install_workflow_schema(&schema, &path).unwrap();
        assert!(path.exists());
    }
}
