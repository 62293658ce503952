//! Commands over the stored index: ingest, retag, search, stats, demo.

use crate::input::{InputArgs, InputFormat, reader_of};
use crate::output::read_problems;
use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use ticai_index::{ExplainNode, Explanation, SearchParams, SearchRequest, SearchResults, Sort};
use ticai_lexicon::Lexicon;
use ticai_pipeline::lexicons;

use ticai_pipeline::{BATCH, commit, finish, jobs};
pub use ticai_pipeline::{Store, data_dir};

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Commit (make durable and visible) every N documents.
    #[arg(long, default_value_t = 50_000)]
    pub commit_every: usize,
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Also ingest every article `ticai fetch` stored in the data dir's
    /// archive (ids are canonical URLs; cluster ids are kept).
    #[arg(long)]
    pub fetched: bool,
    /// With --fetched: every stored article, not only those this index
    /// does not hold yet (after restoring the index from a backup, or to
    /// re-extract with a newer ticai).
    #[arg(long, requires = "fetched")]
    pub all: bool,
    /// The inputs are tagged documents of the Spark backfill
    /// (deploy/spark/ticai_backfill.py: its documents/ directory of Parquet
    /// files, or JSON Lines with the same columns). Each keeps its cluster,
    /// and its tags when its lexicon_version is this lexicon's; the others
    /// are tagged again.
    #[arg(long, conflicts_with_all = ["fetched", "fields", "input_format", "sheet", "date_format", "no_extract"])]
    pub tagged: bool,
    /// Files, directories or `-`.
    #[arg(required_unless_present = "fetched")]
    pub paths: Vec<PathBuf>,
}

pub fn ingest(args: IngestArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let data = data_dir(data)?;
    if args.tagged {
        return ingest_tagged(args, &data, lexicon);
    }
    let reader = args.input.reader()?;
    let store = Store::open(&data, lexicon)?;
    let started = Instant::now();
    let mut writer = store.index.writer()?;
    let jobs = jobs(args.jobs);
    let mut batches = Batches::new(args.commit_every);
    let (mut ingested, mut failed, mut bytes) = (0usize, 0usize, 0usize);
    let mut upsert = |batch: &mut Vec<_>, writer: &mut _| -> Result<usize> {
        let n = store.ingest(batch, writer, jobs)?;
        ingested += n;
        Ok(n)
    };
    reader.read_all(
        &args.paths,
        &mut |doc| {
            bytes += doc.text.len() + doc.title.as_deref().map_or(0, str::len);
            batches.push(doc, &mut writer, &mut upsert)
        },
        &mut |err| {
            failed += 1;
            eprintln!("ticai: {err}");
        },
    )?;
    batches.flush(&mut writer, &mut upsert)?;
    if args.fetched {
        let (n, bad) = store.ingest_fetched(
            &mut writer,
            jobs,
            batches.commit_every,
            args.all,
            &Default::default(),
            &|_, _| {},
        )?;
        ingested += n;
        failed += bad;
    }
    finish(writer)?;
    let secs = started.elapsed().as_secs_f64();
    outln!(
        "ingested {ingested} documents ({:.1} MB of text, {:.1} MB/s) into {}; the index holds {} documents",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs.max(1e-9),
        store.dir.display(),
        store.index.num_docs()?
    )?;
    Ok(read_problems(failed, "everything else was ingested"))
}

/// Inputs gathered into batches of at most [`BATCH`] (and `commit_every`),
/// each upserted by the caller's `upsert` (which says how many it stored),
/// with a commit every `commit_every` documents; [`finish`] makes the rest
/// durable.
struct Batches<T> {
    items: Vec<T>,
    size: usize,
    commit_every: usize,
    since_commit: usize,
}

type Upsert<'a, 'w, T> = dyn FnMut(&mut Vec<T>, &mut ticai_index::Writer<'w>) -> Result<usize> + 'a;

impl<T> Batches<T> {
    fn new(commit_every: usize) -> Self {
        let commit_every = commit_every.max(1);
        let size = BATCH.min(commit_every);
        Batches {
            items: Vec::with_capacity(size),
            size,
            commit_every,
            since_commit: 0,
        }
    }

    /// Adds one input; a full batch is upserted, and committed when due.
    fn push<'w>(
        &mut self,
        item: T,
        writer: &mut ticai_index::Writer<'w>,
        upsert: &mut Upsert<'_, 'w, T>,
    ) -> Result<()> {
        self.items.push(item);
        if self.items.len() >= self.size {
            self.since_commit += upsert(&mut self.items, writer)?;
            if self.since_commit >= self.commit_every {
                commit(writer)?;
                self.since_commit = 0;
            }
        }
        Ok(())
    }

    /// Upserts what is left.
    fn flush<'w>(
        &mut self,
        writer: &mut ticai_index::Writer<'w>,
        upsert: &mut Upsert<'_, 'w, T>,
    ) -> Result<()> {
        upsert(&mut self.items, writer)?;
        Ok(())
    }
}

/// `ingest --tagged`: the Spark backfill's tagged documents.
fn ingest_tagged(args: IngestArgs, data: &Path, lexicon: Option<&Path>) -> Result<ExitCode> {
    use ticai_pipeline::backfill::{TaggedCounts, read_tagged};
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        anyhow::bail!("--tagged reads files and directories, not standard input");
    }
    let store = Store::open(data, lexicon)?;
    let started = Instant::now();
    let mut writer = store.index.writer()?;
    let jobs = jobs(args.jobs);
    let mut batches = Batches::new(args.commit_every);
    let mut counts = TaggedCounts::default();
    let (mut failed, mut bytes) = (0usize, 0usize);
    let mut versions = std::collections::BTreeSet::new();
    let mut upsert = |batch: &mut Vec<_>, writer: &mut _| -> Result<usize> {
        let c = store.ingest_tagged(batch, writer, jobs)?;
        counts.kept += c.kept;
        counts.retagged += c.retagged;
        counts.known_clusters += c.known_clusters;
        Ok(c.kept + c.retagged)
    };
    read_tagged(
        &args.paths,
        &mut |t| {
            bytes += t.doc.text.len() + t.doc.title.as_deref().map_or(0, str::len);
            if t.lexicon_version != store.lexicon.version {
                versions.insert(t.lexicon_version.clone());
            }
            batches.push(t, &mut writer, &mut upsert)
        },
        &mut |problem| {
            failed += 1;
            eprintln!("ticai: {problem}");
        },
    )?;
    batches.flush(&mut writer, &mut upsert)?;
    finish(writer)?;
    let secs = started.elapsed().as_secs_f64();
    let retagged = if counts.retagged == 0 {
        String::new()
    } else {
        let theirs: Vec<&str> = versions.iter().map(String::as_str).collect();
        format!(
            ", {} tagged again (lexicon {}, not {})",
            counts.retagged,
            theirs.join(", "),
            store.lexicon.version
        )
    };
    let clusters = if counts.known_clusters == 0 {
        "every cluster kept".to_string()
    } else {
        format!(
            "every cluster kept but {} of documents this data dir held already, which keep theirs",
            counts.known_clusters
        )
    };
    outln!(
        "ingested {} tagged documents ({} kept their tags{retagged}; {clusters}; {:.1} MB of text, {:.1} MB/s) into {}; the index holds {} documents",
        counts.kept + counts.retagged,
        counts.kept,
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs.max(1e-9),
        store.dir.display(),
        store.index.num_docs()?
    )?;
    Ok(read_problems(failed, "everything else was ingested"))
}

#[derive(Debug, Args)]
pub struct RetagArgs {
    /// Re-tag every document, not only those tagged with another lexicon version.
    #[arg(long)]
    pub all: bool,
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Commit (make durable and visible) every N documents. A document's
    /// lexicon version is committed with its new tags, so a retag that is
    /// stopped resumes with the documents not committed yet.
    #[arg(long, default_value_t = 50_000)]
    pub commit_every: usize,
}

pub fn retag(args: RetagArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let data = data_dir(data)?;
    let store = Store::open(&data, lexicon)?;
    let r = store.retag(args.all, jobs(args.jobs), args.commit_every)?;
    outln!(
        "re-tagged {} of {} documents with lexicon {}",
        r.retagged,
        r.total,
        r.version
    )?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct ReindexArgs {
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// The daily job's config: its `[[source]] region`s apply to documents
    /// of those sources that have no stored region (indexes written before
    /// the region was stored).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub fn reindex(args: ReindexArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let data = data_dir(data)?;
    let regions = match &args.config {
        Some(path) => ticai_fetch::Config::load(path)
            .map_err(|e| anyhow::anyhow!(e))?
            .sources
            .iter()
            .filter_map(|s| Some((s.name.clone(), s.region?)))
            .collect(),
        None => Default::default(),
    };
    let r = ticai_pipeline::reindex::reindex(&data, lexicon, jobs(args.jobs), &regions)?;
    let added = if r.added_fields.is_empty() {
        "no field added".to_string()
    } else {
        format!("fields added: {}", r.added_fields.join(", "))
    };
    outln!(
        "reindexed {} documents from their stored text with lexicon {} ({added})",
        r.documents,
        r.lexicon_version
    )?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    #[default]
    Relevance,
    Date,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words (ANDed), "phrases", AND/OR/NOT (also && || ! + -), parentheses,
    /// field prefixes (title:, body:, source:, theme:, company:, id:,
    /// published:2026-07 or published:[2026-07-01 TO 2026-07-31]). NOT binds
    /// tightest, then AND, then OR. Empty: every document. A query may start
    /// with `-` (`ticai search -液冷`).
    #[arg(default_value = "", allow_hyphen_values = true)]
    pub query: String,
    /// Only documents tagged with this theme id (repeatable: all of them).
    #[arg(long = "theme", value_name = "ID")]
    pub themes: Vec<String>,
    /// Only documents naming this company: name, alias or code (repeatable).
    #[arg(long = "company", value_name = "NAME|CODE")]
    pub companies: Vec<String>,
    /// Only documents from this source (repeatable: any of them).
    #[arg(long = "source", value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Published on or after (2026-11-01, or an RFC 3339 time).
    #[arg(long)]
    pub since: Option<String>,
    /// Published on or before (a date includes that whole day).
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub sort: SortArg,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: OutFormat,
    /// Print the parsed query, its analyzed terms and the documents each
    /// clause and filter matches, instead of the results.
    #[arg(long)]
    pub explain: bool,
}

/// The search a command line asks for (the parameters are checked by
/// [`SearchParams::request`], the one code path of the CLI and the server).
pub fn params(args: &SearchArgs) -> SearchParams {
    SearchParams {
        query: args.query.clone(),
        themes: args.themes.clone(),
        companies: args.companies.clone(),
        sources: args.sources.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Date => Sort::Date,
        },
        limit: args.limit,
        offset: 0,
    }
}

pub fn request(args: &SearchArgs, lexicon: &Lexicon) -> Result<SearchRequest> {
    // the query may start with '-' (`-液冷`); an unknown --option is not a query
    if let Some(opt) = args.query.strip_prefix("--")
        && !opt.is_empty()
        && opt
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '=')
    {
        bail!(
            "unknown option {:?} for `ticai search` (see --help)",
            args.query
        );
    }
    Ok(params(args).request(lexicon)?)
}

pub fn search(args: SearchArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let data = data_dir(data)?;
    let store = Store::open_existing(&data, lexicon)?;
    let req = request(&args, &store.lexicon)?;
    let mut out = std::io::stdout().lock();
    if args.explain {
        let e = store.index.explain(&req)?;
        match args.format {
            OutFormat::Json => writeln!(out, "{}", serde_json::to_string(&e)?)?,
            OutFormat::Table => write_explanation(&mut out, &e)?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let res = store.index.search(&req)?;
    match args.format {
        OutFormat::Json => writeln!(out, "{}", serde_json::to_string(&res)?)?,
        OutFormat::Table => write_results(&mut out, &args.query, &res)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `--explain` for a terminal: one clause a line, indented by depth, with
/// the documents it matches on its own.
pub fn write_explanation(out: &mut impl Write, e: &Explanation) -> std::io::Result<()> {
    fn node(out: &mut impl Write, n: &ExplainNode, depth: usize) -> std::io::Result<()> {
        let indent = "  ".repeat(depth);
        let label = match &n.analyzed {
            None => n.kind.to_uppercase(),
            Some(a) => {
                let mut l = format!("{} {a}", n.kind);
                if !n.fields.is_empty() {
                    l.push_str(&format!(" in {}", n.fields.join(", ")));
                }
                if n.text != *a {
                    l.push_str(&format!("  (written {})", n.text));
                }
                l
            }
        };
        writeln!(out, "{:>9}  {indent}{label}", n.matches)?;
        for c in &n.children {
            node(out, c, depth + 1)?;
        }
        Ok(())
    }
    writeln!(out, "query:  {:?}", e.query)?;
    writeln!(
        out,
        "parsed: {}",
        if e.parsed.is_empty() {
            "(empty: every document)"
        } else {
            &e.parsed
        }
    )?;
    writeln!(out, "{:>9}  clause", "documents")?;
    if let Some(t) = &e.tree {
        node(out, t, 0)?;
    }
    for f in &e.filters {
        writeln!(out, "{:>9}  filter {} {}", f.matches, f.kind, f.text)?;
    }
    writeln!(
        out,
        "{:>9}  total: the query and every filter (of {} documents)",
        e.total, e.documents
    )
}

/// Results for a terminal: title, date, source, themes, companies, snippet
/// with matches in 【】.
pub fn write_results(
    out: &mut impl Write,
    query: &str,
    res: &SearchResults,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} result(s) for {query:?} (showing {})",
        res.total,
        res.results.len()
    )?;
    for (i, h) in res.results.iter().enumerate() {
        let names = |v: &serde_json::Value, key: &str| {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x[key].as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        let date = h
            .published_at
            .as_deref()
            .map(|d| d.get(..16).unwrap_or(d).replace('T', " "))
            .unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "\n{:>2}. {}  {}  {}{}",
            i + 1,
            date,
            h.source.as_deref().unwrap_or("-"),
            h.title.as_deref().unwrap_or("(no title)"),
            h.score.map(|s| format!("  [{s:.2}]")).unwrap_or_default()
        )?;
        writeln!(out, "    themes: {}", names(&h.themes, "id"))?;
        writeln!(out, "    companies: {}", names(&h.companies, "name"))?;
        // the snippet is HTML (escaped text, `<b>` highlights): back to text
        let snippet =
            ticai_index::unescape_html(&h.snippet.replace("<b>", "【").replace("</b>", "】"));
        writeln!(
            out,
            "    {}",
            snippet.split_whitespace().collect::<Vec<_>>().join(" ")
        )?;
        writeln!(out, "    id: {}", h.id)?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: OutFormat,
}

pub fn stats(args: StatsArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let data = data_dir(data)?;
    let store = Store::open_existing(&data, lexicon)?;
    let s = store.index.stats()?;
    let report = store.stats_report(&s, ticai_pipeline::ARTICLE_EVIDENCE);
    let mut out = std::io::stdout().lock();
    match args.format {
        OutFormat::Json => writeln!(out, "{report}")?,
        OutFormat::Table => {
            writeln!(out, "data dir:        {}", data.display())?;
            writeln!(
                out,
                "documents:       {} in {} segment(s)",
                s.documents, s.segments
            )?;
            writeln!(
                out,
                "published:       {} .. {}",
                s.first_published.as_deref().unwrap_or("-"),
                s.last_published.as_deref().unwrap_or("-")
            )?;
            let srcs: Vec<String> = s
                .sources
                .iter()
                .take(10)
                .map(|(k, n)| format!("{k} ({n})"))
                .collect();
            writeln!(
                out,
                "sources:         {} distinct; {}",
                s.sources.len(),
                srcs.join(", ")
            )?;
            let vers: Vec<String> = s
                .lexicon_versions
                .iter()
                .map(|(k, n)| format!("{k} ({n})"))
                .collect();
            writeln!(
                out,
                "lexicon:         {} now; indexed with {}",
                store.lexicon.version,
                vers.join(", ")
            )?;
            writeln!(out, "index size:      {:.1} MB", s.index_bytes as f64 / 1e6)?;
            writeln!(
                out,
                "evidence:        counts per tag stored, no spans; an article shows {} spans per tag at a time (`ticai serve --max-evidence`)",
                ticai_pipeline::ARTICLE_EVIDENCE
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct DemoArgs {}

/// The daily series of the top themes as text sparklines: what `ticai
/// trends` is for, in the first command a new user runs.
fn write_demo_trend(out: &mut impl Write, store: &Store) -> Result<()> {
    let calendar = ticai_trends::calendar_for(
        &store.index,
        ticai_trends::Interval::Day,
        "Asia/Shanghai",
        None,
        None,
    )?;
    let req = ticai_trends::TrendRequest {
        series: vec![],
        top: Some(5),
        calendar,
        filter: SearchRequest::default(),
        rollup: true,
    };
    let t = ticai_trends::trends(&store.index, &store.lexicon, &req)?;
    writeln!(
        out,
        "\n$ ticai trends --top 5 --interval day   (articles per day, {} .. {}, Asia/Shanghai)",
        t.since, t.until
    )?;
    let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(" ");
    let totals: Vec<f64> = t.totals.iter().map(|&n| n as f64).collect();
    writeln!(
        out,
        "  {:<22} {}  {}",
        "(all documents)",
        ticai_trends::sparkline(&totals),
        join(&t.totals)
    )?;
    for (s, spec) in t.series.iter().enumerate() {
        let counts: Vec<u64> = (0..t.buckets()).map(|b| t.row(b, s).articles).collect();
        let values: Vec<f64> = counts.iter().map(|&n| n as f64).collect();
        writeln!(
            out,
            "  {:<22} {}  {}  {}",
            spec.key,
            ticai_trends::sparkline(&values),
            join(&counts),
            spec.name
        )?;
    }
    Ok(())
}

/// Builds a fresh index from the bundled sample corpus, runs two searches
/// and prints the top themes and companies.
pub fn demo(_args: DemoArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let data = match data {
        Some(d) => {
            if d.join("index").exists() {
                bail!(
                    "{} already holds an index; the demo builds a fresh one: pass an empty or new directory",
                    d.display()
                );
            }
            d.to_path_buf()
        }
        None => {
            let d = std::env::temp_dir().join(format!("ticai-demo-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&d);
            d
        }
    };
    let started = Instant::now();
    let store = Store::open(&data, lexicon)?;
    let reader = reader_of(InputFormat::Auto, true);
    let mut docs = Vec::new();
    for (name, bytes) in lexicons::sample_corpus() {
        reader.read_named_bytes(
            name,
            bytes,
            &mut |d| {
                docs.push(d);
                Ok(())
            },
            &mut |e| eprintln!("ticai: {e}"),
        )?;
    }
    let mut writer = store.index.writer()?;
    let n = store.ingest(&mut docs, &mut writer, jobs(None))?;
    finish(writer)?;
    let mut out = std::io::stdout().lock();
    let dd = data.display();
    writeln!(
        out,
        "ticai demo: tagged and indexed {n} documents of the bundled sample corpus into {dd} in {:.1} s",
        started.elapsed().as_secs_f64()
    )?;
    let searches = [
        (
            "超节点",
            SearchArgs {
                query: "超节点".into(),
                themes: vec![],
                companies: vec![],
                sources: vec![],
                since: None,
                until: None,
                sort: SortArg::Relevance,
                limit: 3,
                format: OutFormat::Table,
                explain: false,
            },
        ),
        (
            "--company 輝達 --sort date",
            SearchArgs {
                query: String::new(),
                themes: vec![],
                companies: vec!["輝達".into()],
                sources: vec![],
                since: None,
                until: None,
                sort: SortArg::Date,
                limit: 3,
                format: OutFormat::Table,
                explain: false,
            },
        ),
    ];
    for (shown, args) in searches {
        writeln!(out, "\n$ ticai search {shown} --data-dir {dd}")?;
        let res = store.index.search(&request(&args, &store.lexicon)?)?;
        write_results(&mut out, &args.query, &res)?;
    }
    let themes = store.index.top_terms("themes", 8, None)?;
    // the index keeps company names lower-cased; show them as the lexicon writes them
    let names: std::collections::HashMap<String, &str> = store
        .lexicon
        .companies
        .iter()
        .map(|c| (c.name.to_lowercase(), c.name.as_str()))
        .collect();
    let companies: Vec<(String, u64)> = store
        .index
        .top_terms("companies", 8, None)?
        .into_iter()
        .map(|(k, n)| (names.get(&k).map_or(k, |s| s.to_string()), n))
        .collect();
    let fmt = |v: &[(String, u64)]| {
        v.iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(out, "\ntop themes (documents):    {}", fmt(&themes))?;
    writeln!(out, "top companies (documents): {}", fmt(&companies))?;
    write_demo_trend(&mut out, &store)?;
    writeln!(
        out,
        "\nmore: ticai search '\"光模块\" OR 铜缆' --data-dir {dd}; ticai trends --theme liquid-cooling --data-dir {dd}; ticai stats --data-dir {dd}"
    )?;
    Ok(ExitCode::SUCCESS)
}
