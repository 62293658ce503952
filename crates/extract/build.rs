//! The extractor's version: a hash of this crate's sources, so that any
//! change to extraction changes it (stored extractions made by another
//! version are not reused, see `ticai_fetch::State::read_extracted`).

use std::path::Path;

fn main() {
    // read at run time: a build-script binary may be reused by another checkout
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("src");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in files {
        let rel = f
            .strip_prefix(&dir)
            .expect("under src")
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&f).expect("a source file reads");
        for b in rel.bytes().chain([0]).chain(bytes).chain([0]) {
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
