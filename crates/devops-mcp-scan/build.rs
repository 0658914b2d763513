//! Embeds the bundled rule packs (`rules/<pack>/<rule>.yaml`) into the library, so an installed
//! binary scans with them from anywhere. Test targets beside the rules (`.test.yml`, `.fixed.*`,
//! source files) are not embedded. Cargo reruns this script whenever a file under `rules/`
//! changes, which `include_dir!`-style macros cannot guarantee on stable Rust.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn is_rule_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    (name.ends_with(".yaml") || name.ends_with(".yml"))
        && !name.contains(".test.")
        && !name.contains(".fixed.")
        && !name.starts_with('.')
}

fn sorted_entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut entries = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

fn main() -> io::Result<()> {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
        io::Error::other("CARGO_MANIFEST_DIR is not set (run this through cargo)")
    })?);
    let rules_dir = manifest_dir.join("rules");
    println!("cargo:rerun-if-changed=rules");

    let mut generated = String::from(
        "/// `(pack, file name, YAML text)` of every bundled rule file, sorted by pack then file.\n\
         pub(crate) static BUNDLED_RULE_FILES: &[(&str, &str, &str)] = &[\n",
    );
    for pack_dir in sorted_entries(&rules_dir)? {
        if !pack_dir.is_dir() {
            continue;
        }
        let pack = pack_dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                io::Error::other(format!("non-UTF-8 pack folder {}", pack_dir.display()))
            })?
            .to_owned();
        for file in sorted_entries(&pack_dir)? {
            if !is_rule_file(&file) {
                continue;
            }
            let name = file.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                io::Error::other(format!("non-UTF-8 rule file {}", file.display()))
            })?;
            let absolute = file
                .to_str()
                .ok_or_else(|| io::Error::other(format!("non-UTF-8 path {}", file.display())))?;
            writeln!(
                generated,
                "    ({pack:?}, {name:?}, include_str!({absolute:?})),"
            )
            .map_err(io::Error::other)?;
        }
    }
    generated.push_str("];\n");

    let out_dir = PathBuf::from(
        env::var_os("OUT_DIR").ok_or_else(|| io::Error::other("OUT_DIR is not set"))?,
    );
    fs::write(out_dir.join("bundled_rules.rs"), generated)
}
