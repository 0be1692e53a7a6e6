//! Installs what the project needs on a fresh machine, skipping what is present. Each step
//! prints one progress line. Everything is pinned: the wasm-bindgen CLI to the crate version in
//! Cargo.lock, Deno to the edge runtime's Deno (2.1.4), postrust-server to 3.1.0.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{run_capture, run_inherit};
use crate::stack::repo_root;
use crate::{db, ui, Result};

/// The Deno the Supabase edge runtime is compatible with (supabase/edge-runtime vendors 2.1.4).
pub const DENO_VERSION: &str = "2.1.4";
pub const POSTRUST_VERSION: &str = "3.1.0";
const DEBIAN_PACKAGES: [&str; 8] = [
    "postgresql-15",
    "postgresql-15-cron",
    "postgresql-15-pgtap",
    "postgresql-15-wal2json",
    "postgresql-15-plpgsql-check",
    // pg_prove
    "libtap-parser-sourcehandler-pgtap-perl",
    // openssl-sys, for the native TLS of the Rust end-to-end client (postgrest → reqwest)
    "libssl-dev",
    "pkg-config",
];

/// Paths of the installed tools.
#[derive(Debug, Clone)]
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub deno: PathBuf,
    pub deno_dir: PathBuf,
    pub postrust: PathBuf,
}

/// How every Deno process is run: shared module cache, no update check, and the system CA
/// store (registry traffic may pass a TLS-inspecting proxy whose CA only the system trusts).
pub fn deno_env(tools: &Tools) -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("DENO_DIR", tools.deno_dir.clone().into_os_string()),
        ("DENO_NO_UPDATE_CHECK", "1".into()),
        ("DENO_TLS_CA_STORE", "system".into()),
    ]
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"))
}

fn cargo_bin(name: &str) -> PathBuf {
    let root = std::env::var_os("CARGO_HOME").map(PathBuf::from).unwrap_or_else(|| home().join(".cargo"));
    root.join("bin").join(name)
}

/// Machine-wide cache shared by every clone (installs are slow; a warm machine skips them).
pub fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).unwrap_or_else(|| home().join(".cache")).join("shorts-stack")
}

/// The wasm-bindgen version Cargo.lock pins.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = fs::read_to_string(repo_root().join("Cargo.lock")).map_err(|e| format!("read Cargo.lock: {e}"))?;
    let lock: toml::Value = lock.parse().map_err(|e| format!("Cargo.lock: {e}"))?;
    lock.get("package")
        .and_then(toml::Value::as_array)
        .and_then(|pkgs| pkgs.iter().find(|p| p.get("name").and_then(toml::Value::as_str) == Some("wasm-bindgen")))
        .and_then(|p| p.get("version").and_then(toml::Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| "wasm-bindgen is not in Cargo.lock; run `cargo generate-lockfile`".to_owned())
}

fn step(n: usize, total: usize, what: &str) {
    ui::step(&format!("[{n}/{total}] {what}"));
}

/// What building the wasm needs (target + CLI) and what running the stack needs.
pub fn ensure_all() -> Result<Tools> {
    ensure_debian_packages(1, 6)?;
    let tools = ensure_build_tools_numbered(2, 6)?;
    step(6, 6, "local stand-in extensions (pg_net, supabase_vault)");
    db::install_stand_in_extensions(&repo_root())?;
    ui::detail("installed");
    Ok(tools)
}

pub fn ensure_build_tools() -> Result<Tools> {
    ensure_build_tools_numbered(1, 4)
}

/// The installed tools' paths without checking or installing anything (fast; for `service`).
pub fn ensure_build_tools_quietly() -> Result<Tools> {
    let deno_dir = cache_dir().join("deno-dir");
    let tools = Tools {
        wasm_bindgen: cargo_bin("wasm-bindgen"),
        deno: cache_dir().join(format!("deno-{DENO_VERSION}/node_modules/@deno/linux-x64-glibc/deno")),
        deno_dir,
        postrust: cargo_bin("postrust"),
    };
    if !tools.deno.exists() || !tools.postrust.exists() {
        return Err("tools are not installed; run `cargo xtask install`".into());
    }
    Ok(tools)
}

fn ensure_build_tools_numbered(first: usize, total: usize) -> Result<Tools> {
    step(first, total, "rust target wasm32-unknown-unknown");
    ensure_wasm_target()?;
    step(first + 1, total, "wasm-bindgen CLI");
    let wasm_bindgen = ensure_wasm_bindgen()?;
    step(first + 2, total, &format!("Deno {DENO_VERSION} (npm package `deno`)"));
    let (deno, deno_dir) = ensure_deno()?;
    step(first + 3, total, &format!("postrust-server {POSTRUST_VERSION}"));
    let postrust = ensure_postrust()?;
    Ok(Tools { wasm_bindgen, deno, deno_dir, postrust })
}

fn ensure_wasm_target() -> Result<()> {
    let installed = run_capture(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        ui::detail("present");
        return Ok(());
    }
    run_inherit(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let version = locked_wasm_bindgen_version()?;
    let bin = cargo_bin("wasm-bindgen");
    let current = run_capture(Command::new(&bin).arg("--version")).unwrap_or_default();
    if current.split_whitespace().nth(1) == Some(version.as_str()) {
        ui::detail(&format!("present ({version})"));
        return Ok(bin);
    }
    ui::detail(&format!("installing wasm-bindgen-cli {version} (about 6 minutes on 2 cores)"));
    // Not --locked: one of its locked dependency versions is missing from the registry.
    run_inherit(Command::new("cargo").args(["install", "--quiet", "wasm-bindgen-cli", "--version", &version]))?;
    Ok(bin)
}

fn ensure_deno() -> Result<(PathBuf, PathBuf)> {
    let prefix = cache_dir().join(format!("deno-{DENO_VERSION}"));
    // The npm package ships the binary in an optional dependency; no postinstall needed.
    let bin = prefix.join("node_modules/@deno/linux-x64-glibc/deno");
    let deno_dir = cache_dir().join("deno-dir");
    let ok = run_capture(Command::new(&bin).arg("--version")).is_ok_and(|v| v.contains(&format!("deno {DENO_VERSION}")));
    if ok {
        ui::detail("present");
    } else {
        fs::create_dir_all(&prefix).map_err(|e| e.to_string())?;
        run_capture(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"]).arg(&prefix).arg(format!("deno@{DENO_VERSION}")))?;
        run_capture(Command::new(&bin).arg("--version")).map_err(|e| format!("deno from npm does not run: {e}"))?;
        ui::detail("installed");
    }
    Ok((bin, deno_dir))
}

fn postrust_installed() -> bool {
    cargo_bin("postrust").exists()
        && run_capture(Command::new("cargo").args(["install", "--list"]))
            .is_ok_and(|list| list.contains(&format!("postrust-server v{POSTRUST_VERSION}")))
}

/// `cargo install postrust-server --locked`; when a locked dependency version is missing from
/// the registry, install from the unpacked crate with that one dependency moved to the nearest
/// available version, keeping every other locked version.
fn ensure_postrust() -> Result<PathBuf> {
    let bin = cargo_bin("postrust");
    if postrust_installed() {
        ui::detail("present");
        return Ok(bin);
    }
    ui::detail("installing (about 10 minutes on 2 cores)");
    let args = ["install", "--quiet", "--locked", "--features", "compat-key-order"];
    let direct = Command::new("cargo").args(args).args(["postrust-server", "--version", POSTRUST_VERSION]).output().map_err(|e| e.to_string())?;
    if direct.status.success() {
        return Ok(bin);
    }
    let src = unpack_crate("postrust-server", POSTRUST_VERSION)?;
    for _ in 0..8 {
        let out = Command::new("cargo").args(args).arg("--path").arg(&src).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            return Ok(bin);
        }
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let (name, available) = missing_locked_version(&stderr).ok_or_else(|| format!("cargo install postrust-server failed:\n{stderr}"))?;
        ui::detail(&format!("locked {name} is not in the registry; using {available}"));
        run_capture(Command::new("cargo").args(["update", "--quiet", "-p", &name, "--precise", &available]).current_dir(&src))?;
    }
    Err("cargo install postrust-server kept failing; see the messages above".into())
}

/// Parses cargo's "failed to select a version for the requirement `X = "^1"` (locked to 1.0.11)
/// candidate versions found which didn't match: 1.0.10, …" into (X, 1.0.10).
fn missing_locked_version(stderr: &str) -> Option<(String, String)> {
    let after = stderr.split("failed to select a version for the requirement `").nth(1)?;
    let name = after.split_whitespace().next()?.to_owned();
    let candidates = stderr.split("candidate versions found which didn't match: ").nth(1)?;
    let first = candidates.split([',', '\n']).next()?.trim().to_owned();
    Some((name, first))
}

/// The registry's .crate for name@version, unpacked into the cache.
fn unpack_crate(name: &str, version: &str) -> Result<PathBuf> {
    let dest = cache_dir().join("src");
    let dir = dest.join(format!("{name}-{version}"));
    if dir.join("Cargo.toml").exists() {
        return Ok(dir);
    }
    let registry = std::env::var_os("CARGO_HOME").map(PathBuf::from).unwrap_or_else(|| home().join(".cargo")).join("registry/cache");
    let file = find_crate_file(&registry, &format!("{name}-{version}.crate"))
        .ok_or_else(|| format!("{name}-{version}.crate not in {} after cargo install tried it", registry.display()))?;
    fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
    run_capture(Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(&dest))?;
    Ok(dir)
}

fn find_crate_file(registry: &Path, file_name: &str) -> Option<PathBuf> {
    fs::read_dir(registry).ok()?.filter_map(|e| e.ok()).map(|e| e.path().join(file_name)).find(|p| p.exists())
}

fn ensure_debian_packages(n: usize, total: usize) -> Result<()> {
    step(n, total, "Debian packages (PostgreSQL 15 + pg_cron, pgTAP, wal2json, plpgsql_check)");
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !run_capture(Command::new("dpkg-query").args(["-W", "-f=${Status}", p])).is_ok_and(|s| s.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        ui::detail("present");
        return Ok(());
    }
    ui::detail(&format!("installing {}", missing.join(" ")));
    let sudo: &[&str] = if run_capture(Command::new("id").arg("-u")).is_ok_and(|s| s.trim() == "0") { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut cmd = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run_capture(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    apt(&[&["install", "-y", "-qq", "--no-install-recommends"][..], &missing].concat())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_missing_version_errors() {
        let stderr = "error: failed to select a version for the requirement `webpki-roots = \"^1\"` (locked to 1.0.11)\ncandidate versions found which didn't match: 1.0.10, 1.0.9, 1.0.8, ...\nlocation searched: crates.io index";
        assert_eq!(missing_locked_version(stderr), Some(("webpki-roots".into(), "1.0.10".into())));
        assert_eq!(missing_locked_version("error: something else"), None);
    }
}
