//! Embeds the skill library and the prompt files: reruns when they change and
//! stamps their digest, so the binary materialises each version only once.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let skills = manifest.join("../../skills");
    println!("cargo:rerun-if-changed={}", skills.display());
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("prompts").display()
    );
    let mut files = Vec::new();
    collect(&skills, &skills, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for (relative, bytes) in &files {
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let digest = hasher.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=DEVOPS_MCP_SKILLS_DIGEST={hex}");
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            out.push((relative, bytes));
        }
    }
}
