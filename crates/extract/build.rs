//! The extractor's version: a hash of this crate's sources, its manifest
//! and the workspace's Cargo.lock (the versions of the HTML parser,
//! readability, charset detection ... it runs on), so that any change to
//! extraction changes it (stored extractions made by another version are
//! not reused, see `ticai_fetch::State::read_extraction`). A lockfile
//! change that touches no dependency of extraction changes it too: that
//! costs one extraction per page at the next ingest, never a stale one.

use std::path::{Path, PathBuf};

fn main() {
    // read at run time: a build-script binary may be reused by another checkout
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let src = manifest.join("src");
    // the PDF reader's sources are extraction too
    let crates = manifest.parent().unwrap_or(&manifest).to_path_buf();
    let pdf_src = crates.join("pdf/src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    if pdf_src.is_dir() {
        collect(&pdf_src, &mut files);
        println!("cargo:rerun-if-changed={}", pdf_src.display());
    }
    files.sort();
    println!("cargo:rerun-if-changed={}", src.display());
    for extra in [
        manifest.join("Cargo.toml"),
        manifest.join("../../Cargo.lock"),
    ] {
        if extra.exists() {
            println!("cargo:rerun-if-changed={}", extra.display());
            files.push(extra);
        }
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in files {
        let name = f
            .strip_prefix(&manifest)
            .or_else(|_| f.strip_prefix(&crates))
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&f).expect("a source file reads");
        for b in name.bytes().chain([0]).chain(bytes).chain([0]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=TICAI_EXTRACTOR_VERSION={h:016x}");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src reads").flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
