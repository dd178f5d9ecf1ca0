//! Embeds the built UI (`ui/dist`) into the binary: writes `$OUT_DIR/ui_assets.rs` with an
//! `include_bytes!` per file. A missing `ui/dist` is not an error: the server then answers
//! `/` with a page that says how to build the UI.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let ui = manifest.join("ui");
    let dist = ui.join("dist");

    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
        // Re-embed when anything in dist changes (cargo scans directories recursively).
        println!("cargo:rerun-if-changed={}", dist.display());
    } else if ui.is_dir() {
        // Not built yet: `ui` changes when `dist` appears in it.
        println!("cargo:rerun-if-changed={}", ui.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    files.sort();

    let mut code = String::new();
    let _ = writeln!(
        code,
        "pub(crate) const UI_BUILT: bool = {};",
        !files.is_empty()
    );
    code.push_str("pub(crate) static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        let _ = writeln!(code, "    ({rel:?}, include_bytes!({abs:?})),");
    }
    code.push_str("];\n");
    if let Err(e) = std::fs::write(out.join("ui_assets.rs"), code) {
        panic!("cannot write {}: {e}", out.join("ui_assets.rs").display());
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((rel.join("/"), path.to_string_lossy().into_owned()));
        }
    }
}
