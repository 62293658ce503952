//! Compiles the repository's `lexicons/` into the binary, so that `ticai`
//! works from any directory without configuration.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // read at run time: a build script compiled for one checkout may be
    // reused for another one sharing the target directory
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let manifest = Path::new(&manifest);
    let root = manifest.join("../../lexicons");
    let mut code = String::from("pub static FILES: &[(&str, &str)] = &[\n");
    for sub in ["themes", "companies", "vocabulary"] {
        let dir = root.join(sub);
        println!("cargo::rerun-if-changed={}", dir.display());
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "toml" | "tsv") {
                continue;
            }
            println!("cargo::rerun-if-changed={}", p.display());
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .expect("lexicon file names are UTF-8");
            let abs = p.canonicalize().expect("lexicon file exists");
            writeln!(
                code,
                "    ({:?}, include_str!({:?})),",
                format!("{sub}/{name}"),
                abs
            )
            .unwrap();
        }
    }
    code.push_str("];\n");
    // the sample corpus, for `ticai demo` outside the repository
    code.push_str("pub static SAMPLE: &[(&str, &[u8])] = &[\n");
    let sample = manifest.join("../../corpus/sample");
    println!("cargo::rerun-if-changed={}", sample.display());
    if let Ok(rd) = std::fs::read_dir(&sample) {
        let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .expect("sample file names are UTF-8")
                .to_string();
            if name == "README.md" {
                continue;
            }
            println!("cargo::rerun-if-changed={}", p.display());
            let abs = p.canonicalize().expect("sample file exists");
            writeln!(
                code,
                "    ({:?}, include_bytes!({:?})),",
                format!("corpus/sample/{name}"),
                abs
            )
            .unwrap();
        }
    }
    code.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lexicon_files.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
