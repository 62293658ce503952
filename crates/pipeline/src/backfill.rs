//! What a backfill on another engine (the Spark job of `deploy/spark/`)
//! needs beside a document's tags to store, bucket and cluster it exactly
//! as `ticai ingest` does: `ticai tag --backfill` adds these keys to each
//! JSON record.

use serde::Serialize;
use ticai_fetch::minhash;
use ticai_model::{Document, TaggedDocument};

/// A `ticai tag --backfill` record: the tag record's keys, then these.
#[derive(Debug, Serialize)]
pub struct BackfillRecord<'a> {
    #[serde(flatten)]
    pub tagged: &'a TaggedDocument,
    pub url: Option<&'a str>,
    pub source: Option<&'a str>,
    /// The text as read (evidence offsets point into it).
    pub text: &'a str,
    /// The region given with the document (`null`: detected from the text).
    pub region: Option<ticai_model::Region>,
    /// The publication instant the index stores (RFC 3339), `null` when the
    /// document has no date ticai can read.
    pub published_rfc3339: Option<String>,
    pub lexicon_version: &'a str,
    /// The text's MinHash signature as the state keeps it for ingested
    /// documents: 128 values cut to 32 bits.
    pub minhash: Vec<u32>,
    /// The signature's LSH band keys that ingest looks up (as the signed
    /// 64-bit integers the state stores); empty for a text too short to
    /// have 3-grams, which is a cluster of its own.
    pub lsh_bands: Vec<i64>,
}

impl<'a> BackfillRecord<'a> {
    pub fn new(doc: &'a Document, tagged: &'a TaggedDocument, lexicon_version: &'a str) -> Self {
        let full = minhash::signature(&doc.text);
        let short = minhash::truncate(&full);
        let lsh_bands = minhash::doc_band_keys(&full)
            .into_iter()
            .map(|b| b as i64)
            .collect();
        BackfillRecord {
            tagged,
            url: doc.url.as_deref(),
            source: doc.source.as_deref(),
            text: &doc.text,
            region: doc.region,
            published_rfc3339: doc
                .published_at
                .as_deref()
                .and_then(|p| ticai_extract::parse_date(p, None))
                .map(|dt| dt.to_rfc3339()),
            lexicon_version,
            minhash: short,
            lsh_bands,
        }
    }
}

/// One document of the Spark backfill's `documents/` output (Parquet, or
/// JSON Lines with the same keys): the document, the tags `ticai tag`
/// gave it on the cluster, with that lexicon's version, and its cluster.
#[derive(Clone, Debug)]
pub struct TaggedInput {
    pub doc: Document,
    pub tagged: TaggedDocument,
    pub lexicon_version: String,
    pub cluster_id: String,
}

/// The columns a tagged input has; the first [`REQUIRED`] must be present.
const TAGGED_COLUMNS: [&str; 9] = [
    "id",
    "text",
    "tag_json",
    "lexicon_version",
    "cluster_id",
    "url",
    "title",
    "source",
    "region",
];
const REQUIRED: usize = 5;

/// A problem with one record or file of a tagged input; reading goes on.
#[derive(Debug)]
pub struct TaggedProblem(pub String);

impl std::error::Error for TaggedProblem {}

impl std::fmt::Display for TaggedProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One record from its columns (in [`TAGGED_COLUMNS`] order).
fn tagged_input(values: [Option<String>; 9], at: &str) -> std::result::Result<TaggedInput, String> {
    let [
        id,
        text,
        tag_json,
        version,
        cluster,
        url,
        title,
        source,
        region,
    ] = values;
    let missing = |what: &str| format!("{at}: no {what}");
    let id = id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("id"))?;
    let text = text.ok_or_else(|| missing("text"))?;
    let tag_json = tag_json.ok_or_else(|| missing("tag_json"))?;
    let lexicon_version = version.ok_or_else(|| missing("lexicon_version"))?;
    let cluster_id = cluster
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("cluster_id"))?;
    let tagged: TaggedDocument = serde_json::from_str(&tag_json)
        .map_err(|e| format!("{at}: tag_json is not a ticai tag record: {e}"))?;
    if tagged.id != id {
        return Err(format!(
            "{at}: tag_json is the record of {:?}, not of {id:?}",
            tagged.id
        ));
    }
    let region = match region.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(r.parse().map_err(|e| format!("{at}: region {r:?}: {e}"))?),
    };
    let doc = Document {
        id,
        // the title and date as `ticai tag` read them (a date in its stored form)
        title: tagged.title.clone().or(title),
        published_at: tagged.published_at.clone(),
        url,
        source,
        text,
        title_span: None,
        region,
    };
    Ok(TaggedInput {
        doc,
        tagged,
        lexicon_version,
        cluster_id,
    })
}

/// Reads tagged inputs: files, or directories walked for `*.parquet`,
/// `*.jsonl` and `*.json` files (names starting with `.` or `_`, as Spark's
/// `_SUCCESS` and checksums, skipped), in path order. `on_doc` gets each
/// record; `on_problem` each record or file that cannot be read.
pub fn read_tagged(
    paths: &[std::path::PathBuf],
    on_doc: &mut dyn FnMut(TaggedInput) -> anyhow::Result<()>,
    on_problem: &mut dyn FnMut(TaggedProblem),
) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        } else if p.exists() {
            files.push(p.clone());
        } else {
            on_problem(TaggedProblem(format!("{}: no such file", p.display())));
        }
    }
    for file in files {
        let name = file.display().to_string();
        let parquet = file.extension().is_some_and(|e| e == "parquet");
        let read = if parquet {
            read_parquet(&file, &name, on_doc, on_problem)
        } else {
            read_jsonl(&file, &name, on_doc, on_problem)
        };
        if let Err(e) = read {
            if e.downcast_ref::<TaggedProblem>().is_some() {
                on_problem(TaggedProblem(e.to_string()));
            } else {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The Parquet and JSON Lines files of a Hadoop output directory, sorted.
/// Not `ticai_input::collect_files`: names starting with `_` are Hadoop's
/// (`_SUCCESS`, and `_temporary/` with the parts of a write that failed), and
/// the order must be the same from run to run.
fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if [".parquet", ".jsonl", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            out.push(p);
        }
    }
    Ok(())
}

fn problem(msg: String) -> anyhow::Error {
    anyhow::Error::new(TaggedProblem(msg))
}

fn read_jsonl(
    file: &std::path::Path,
    name: &str,
    on_doc: &mut dyn FnMut(TaggedInput) -> anyhow::Result<()>,
    on_problem: &mut dyn FnMut(TaggedProblem),
) -> anyhow::Result<()> {
    use std::io::BufRead;
    let f = std::fs::File::open(file).map_err(|e| problem(format!("{name}: {e}")))?;
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        let line = line.map_err(|e| problem(format!("{at}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(&line) {
            Ok(o) => o,
            Err(e) => {
                on_problem(TaggedProblem(format!("{at}: not a JSON object: {e}")));
                continue;
            }
        };
        let values = TAGGED_COLUMNS.map(|c| match obj.get(c) {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => None,
        });
        match tagged_input(values, &at) {
            Ok(t) => on_doc(t)?,
            Err(e) => on_problem(TaggedProblem(e)),
        }
    }
    Ok(())
}

fn read_parquet(
    file: &std::path::Path,
    name: &str,
    on_doc: &mut dyn FnMut(TaggedInput) -> anyhow::Result<()>,
    on_problem: &mut dyn FnMut(TaggedProblem),
) -> anyhow::Result<()> {
    use arrow_array::cast::AsArray;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(file).map_err(|e| problem(format!("{name}: {e}")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| problem(format!("{name}: not a readable Parquet file: {e}")))?;
    let schema = builder.schema().clone();
    let at_column: Vec<Option<usize>> = TAGGED_COLUMNS
        .iter()
        .map(|c| schema.index_of(c).ok())
        .collect();
    if let Some(i) = at_column[..REQUIRED].iter().position(Option::is_none) {
        return Err(problem(format!(
            "{name}: no column {:?}: not the documents/ output of the Spark backfill \
             (deploy/spark/ticai_backfill.py)",
            TAGGED_COLUMNS[i]
        )));
    }
    let reader = builder
        .with_batch_size(1024)
        .build()
        .map_err(|e| problem(format!("{name}: {e}")))?;
    let mut row = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| problem(format!("{name}: after row {row}: {e}")))?;
        let mut columns = Vec::with_capacity(TAGGED_COLUMNS.len());
        for (c, at) in TAGGED_COLUMNS.iter().zip(&at_column) {
            let strings = match at {
                None => None,
                Some(i) => {
                    let col = batch.column(*i);
                    let owned = |a: Option<&str>| a.map(str::to_string);
                    let s: Vec<Option<String>> = if let Some(a) = col.as_string_opt::<i32>() {
                        a.iter().map(owned).collect()
                    } else if let Some(a) = col.as_string_opt::<i64>() {
                        a.iter().map(owned).collect()
                    } else {
                        return Err(problem(format!(
                            "{name}: column {c:?} is {}, not strings",
                            col.data_type()
                        )));
                    };
                    Some(s)
                }
            };
            columns.push(strings);
        }
        for r in 0..batch.num_rows() {
            row += 1;
            let values: [Option<String>; 9] = std::array::from_fn(|c| {
                columns[c]
                    .as_ref()
                    .and_then(|v: &Vec<Option<String>>| v[r].clone())
            });
            match tagged_input(values, &format!("{name}: row {row}")) {
                Ok(t) => on_doc(t)?,
                Err(e) => on_problem(TaggedProblem(e)),
            }
        }
    }
    Ok(())
}

/// What [`crate::Store::ingest_tagged`] did with a batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct TaggedCounts {
    /// Documents stored with the tags they came with.
    pub kept: usize,
    /// Documents tagged again: their lexicon version is not this lexicon's.
    pub retagged: usize,
    /// Documents the data dir held already, which kept their stored cluster
    /// rather than the backfill's.
    pub known_clusters: usize,
}

impl crate::Store {
    /// Upserts tagged inputs (and empties `items`): a document tagged with
    /// this lexicon's version keeps its tags, others are tagged again (as
    /// `retag` would); a new document keeps its cluster, recorded in the
    /// state with its signature so that later ingests join it, and one the
    /// data dir knows keeps the cluster it has.
    pub fn ingest_tagged(
        &self,
        items: &mut Vec<TaggedInput>,
        writer: &mut ticai_index::Writer<'_>,
        jobs: usize,
    ) -> anyhow::Result<TaggedCounts> {
        let mut counts = TaggedCounts::default();
        if items.is_empty() {
            return Ok(counts);
        }
        let version = self.lexicon.version.as_str();
        let work = crate::par_map(items, jobs, |t| {
            let analysis = if t.lexicon_version == version {
                let mut tagged = t.tagged.clone();
                keep_evidence(&mut tagged, crate::INDEX_EVIDENCE);
                self.index.analyze_tagged(&t.doc, tagged)
            } else {
                self.index.analyze(&t.doc, crate::INDEX_EVIDENCE)
            };
            (analysis, minhash::signature(&t.doc.text))
        });
        let keys: Vec<(&str, &[u64], &str)> = items
            .iter()
            .zip(&work)
            .map(|(t, (_, sig))| (t.doc.id.as_str(), sig.as_slice(), t.cluster_id.as_str()))
            .collect();
        let clusters =
            self.with_state(|state| state.record_clusters(&keys).map_err(|e| anyhow::anyhow!(e)))?;
        for ((t, (analysis, _)), cluster) in items.iter().zip(work).zip(&clusters) {
            if t.lexicon_version == version {
                counts.kept += 1;
            } else {
                counts.retagged += 1;
            }
            if *cluster != t.cluster_id {
                counts.known_clusters += 1;
            }
            writer.upsert_analysis(&t.doc, analysis, version, Some(cluster))?;
        }
        items.clear();
        Ok(counts)
    }
}

/// Cuts each tag's evidence to `cap` spans, as [`ticai_tag::Tagger::tag_with`]
/// does (`evidence_total` then tells the mentions).
fn keep_evidence(t: &mut TaggedDocument, cap: Option<usize>) {
    let Some(cap) = cap else { return };
    let total = |mentions: usize, kept: usize| (kept < mentions).then_some(mentions);
    for th in &mut t.themes {
        th.evidence.truncate(cap);
        th.evidence_total = total(th.mentions, th.evidence.len());
    }
    for c in &mut t.companies {
        c.evidence.truncate(cap);
        c.evidence_total = total(c.mentions, c.evidence.len());
    }
}
