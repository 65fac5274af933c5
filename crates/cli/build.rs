//! Records the code version for `sweep.json`: the git commit of the checkout being built
//! (`git rev-parse HEAD`), or the package version where there is no git checkout or no git
//! (a source tarball, a crate download). Exposed as `FLIPFLOP_CODE_VERSION`.
//!
//! Cargo re-runs this script when the checkout's HEAD, the branch it points to or the packed
//! refs change, so a commit rebuilds the binary with the new hash.

use std::process::Command;

fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| ".".into(), Into::into)
}

/// Runs `git ARGS` in the crate's folder; its trimmed output when it succeeds.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let commit = git(&["rev-parse", "HEAD"])
        .filter(|c| c.len() == 40 && c.bytes().all(|b| b.is_ascii_hexdigit()));
    match &commit {
        Some(c) => {
            // The files whose change means another commit: HEAD itself (a checkout), the
            // branch it names (a commit), the packed refs (a gc or fetch).
            let mut watch = vec!["HEAD".to_string(), "packed-refs".to_string()];
            if let Some(r) = git(&["rev-parse", "--symbolic-full-name", "HEAD"]) {
                if r.starts_with("refs/") {
                    watch.push(r);
                }
            }
            for w in watch {
                if let Some(p) = git(&["rev-parse", "--git-path", &w]) {
                    // Only files that exist: a missing one would re-run this script (and
                    // rebuild the CLI) on every build.
                    let p = manifest_dir().join(p);
                    if p.is_file() {
                        println!("cargo:rerun-if-changed={}", p.display());
                    }
                }
            }
            println!("cargo:rustc-env=FLIPFLOP_CODE_VERSION={c}");
        }
        None => println!(
            "cargo:rustc-env=FLIPFLOP_CODE_VERSION={}",
            env!("CARGO_PKG_VERSION")
        ),
    }
}
