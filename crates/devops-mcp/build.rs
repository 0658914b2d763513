//! Embeds the skill library and the prompt files: reruns when they change and
//! stamps their digest, so the binary materialises each version only once.
//! Links release builds so that the server starts in less memory.

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
    link_for_small_start(&manifest);
}

/// Release builds linked by lld start with less memory:
/// - the functions in `startup.order` (written by `tests/bench/startup_order.py`) are placed
///   next to each other. Spread over the binary, the code start-up runs cost 8 MiB of idle
///   RSS, because the kernel maps 64 KiB of text around every first touch. Names the
///   binary lacks (a stale list) are skipped.
/// - relative relocations are packed (RELR): the loader reads 50 KB instead of 4 MB of
///   relocations at every start. glibc loads such binaries from 2.36 on, so this is only
///   done for a native build on a machine whose glibc is that new.
///
/// Other linkers do not know these options, so they are only passed where lld is the
/// default (Rust 1.90+ on x86_64 Linux) and no other linker is configured.
fn link_for_small_start(manifest: &Path) {
    let order = manifest.join("startup.order");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let lld_by_default = var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && rustc_minor_version().is_some_and(|minor| minor >= 90);
    let other_linker = std::env::var_os("RUSTC_LINKER").is_some()
        || var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    if var("PROFILE") != "release" || !lld_by_default || other_linker {
        return;
    }
    if order.is_file() {
        println!(
            "cargo:rustc-link-arg-bin=devops-mcp=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bin=devops-mcp=-Wl,--no-warn-symbol-ordering");
    }
    if var("HOST") == var("TARGET") && glibc_minor_version().is_some_and(|minor| minor >= 36) {
        println!("cargo:rustc-link-arg-bin=devops-mcp=-Wl,-z,pack-relative-relocs");
    }
}

/// The `y` of this machine's glibc 2.y (`getconf GNU_LIBC_VERSION` prints `glibc 2.36`).
fn glibc_minor_version() -> Option<u32> {
    let output = std::process::Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let version = text.trim().strip_prefix("glibc 2.")?;
    version.split('.').next()?.parse().ok()
}

/// The `y` of the compiler's `rustc 1.y.z` version.
fn rustc_minor_version() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let output = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
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
