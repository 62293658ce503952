//! `ticai trends`, `export mentions`, `cooccur`, `alerts`, `chart`: thin
//! layers over `ticai_trends`.

use crate::cmd::store::{Store, data_dir};
use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ticai_index::SearchRequest;
use ticai_trends::params::{AlertParams, CooccurParams, FilterParams, SeriesParams, WindowParams};
use ticai_trends::{Calendar, Format, Interval, Measure, Out, TrendRequest};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum IntervalArg {
    #[default]
    Day,
    Week,
    Month,
}

impl From<IntervalArg> for Interval {
    fn from(i: IntervalArg) -> Interval {
        match i {
            IntervalArg::Day => Interval::Day,
            IntervalArg::Week => Interval::Week,
            IntervalArg::Month => Interval::Month,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ValueArg {
    Share,
    Articles,
    Stories,
    Mentions,
    TitleArticles,
}

impl From<ValueArg> for Measure {
    fn from(v: ValueArg) -> Measure {
        match v {
            ValueArg::Share => Measure::Share,
            ValueArg::Articles => Measure::Articles,
            ValueArg::Stories => Measure::Stories,
            ValueArg::Mentions => Measure::Mentions,
            ValueArg::TitleArticles => Measure::TitleArticles,
        }
    }
}

/// The period and the documents counted: shared by every trends command.
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// First day counted (YYYY-MM-DD in --tz; default: the first publication day in the index).
    #[arg(long)]
    pub since: Option<String>,
    /// Last day counted, included (default: the last publication day in the index).
    #[arg(long)]
    pub until: Option<String>,
    /// Time zone of the calendar (IANA name).
    #[arg(long, default_value = "Asia/Shanghai")]
    pub tz: String,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// The documents counted: shared by every trends command.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only documents matching this full-text query (the search language);
    /// restricts the denominator too.
    #[arg(long)]
    pub query: Option<String>,
    /// Only documents from this source (repeatable: any of them).
    #[arg(long = "source", value_name = "SOURCE")]
    pub sources: Vec<String>,
}

impl FilterArgs {
    pub fn params(&self) -> FilterParams {
        FilterParams {
            query: self.query.clone(),
            sources: self.sources.clone(),
        }
    }

    fn request(&self) -> SearchRequest {
        self.params().request()
    }
}

impl WindowArgs {
    pub fn params(&self) -> WindowParams {
        WindowParams {
            since: self.since.clone(),
            until: self.until.clone(),
            tz: self.tz.clone(),
            filter: self.filter.params(),
        }
    }

    fn filter(&self) -> SearchRequest {
        self.filter.request()
    }

    fn calendar(&self, store: &Store, interval: Interval) -> Result<Calendar> {
        Ok(self.params().calendar(&store.index, interval)?)
    }

    /// The days of --since/--until, or `None` (every document) without them.
    fn days(&self, store: &Store) -> Result<Option<Calendar>> {
        if self.since.is_some() || self.until.is_some() {
            Ok(Some(self.calendar(store, Interval::Day)?))
        } else {
            Ok(None)
        }
    }
}

/// Which series: themes, companies, or the top themes.
#[derive(Debug, Args)]
pub struct SeriesArgs {
    /// A theme id (repeatable).
    #[arg(long = "theme", value_name = "ID")]
    pub themes: Vec<String>,
    /// A company: name, alias or code (repeatable).
    #[arg(long = "company", value_name = "NAME|CODE")]
    pub companies: Vec<String>,
    /// Without --theme/--company: the N themes with most articles in the period.
    #[arg(long)]
    pub top: Option<usize>,
    #[arg(long, value_enum, default_value_t)]
    pub interval: IntervalArg,
    /// Count each theme alone, not with its descendants in the lexicon hierarchy.
    #[arg(long)]
    pub no_rollup: bool,
    #[command(flatten)]
    pub window: WindowArgs,
}

impl SeriesArgs {
    pub fn params(&self) -> SeriesParams {
        SeriesParams {
            themes: self.themes.clone(),
            companies: self.companies.clone(),
            top: self.top,
            interval: self.interval.into(),
            no_rollup: self.no_rollup,
            window: self.window.params(),
        }
    }

    fn request(&self, store: &Store, default_top: usize) -> Result<TrendRequest> {
        Ok(self
            .params()
            .request(&store.index, &store.lexicon, &store.tagger, default_top)?)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    #[default]
    Csv,
    Json,
    Parquet,
}

impl From<TableFormat> for Format {
    fn from(f: TableFormat) -> Format {
        match f {
            TableFormat::Csv => Format::Csv,
            TableFormat::Json => Format::Json,
            TableFormat::Parquet => Format::Parquet,
        }
    }
}

fn out_for(format: Format, out: Option<&Path>) -> Result<Out> {
    if format == Format::Parquet && out.is_none_or(|p| p.as_os_str() == "-") {
        bail!("--format parquet needs --out FILE (Parquet is not written to a terminal)");
    }
    Ok(Out::open(out)?)
}

#[derive(Debug, Args)]
pub struct TrendsArgs {
    #[command(flatten)]
    pub series: SeriesArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: TableFormat,
    /// One row per bucket and one column per series (for spreadsheets).
    #[arg(long)]
    pub wide: bool,
    /// The value in --wide columns.
    #[arg(long, value_enum, requires = "wide")]
    pub value: Option<ValueArg>,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn report_undated(undated: u64) {
    if undated > 0 {
        eprintln!(
            "ticai: {undated} matching document(s) have no publication date and are in no bucket"
        );
    }
}

pub fn trends(args: TrendsArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let store = Store::open_existing(&data_dir(data)?, lexicon)?;
    let req = args.series.request(&store, 10)?;
    let t = ticai_trends::trends(&store.index, &store.lexicon, &req)?;
    report_undated(t.undated);
    let format = args.format.into();
    let wide = args
        .wide
        .then(|| args.value.map_or(Measure::Share, Measure::from));
    ticai_trends::write_trends(&t, format, wide, out_for(format, args.out.as_deref())?)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// One row per (document, tag), plus one `kind = document` row per document.
    Mentions(MentionsArgs),
    /// Every stored field and the tags of each document, for a search tier:
    /// NDJSON (Quickwit) or an Elasticsearch/OpenSearch _bulk body.
    Documents(DocumentsArgs),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DocumentsFormatArg {
    /// One JSON document per line (Quickwit's ingest API, `quickwit tool local-ingest`).
    #[default]
    Ndjson,
    /// An action line before each document (`POST _bulk` of Elasticsearch/OpenSearch).
    Bulk,
}

/// With neither --since nor --until every document is exported, undated
/// ones too.
#[derive(Debug, Args)]
pub struct DocumentsArgs {
    #[command(flatten)]
    pub window: WindowArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: DocumentsFormatArg,
    /// The index named in bulk action lines.
    #[arg(long, default_value = "ticai")]
    pub index: String,
    /// Add ticai's index terms of the title and text (`title_terms`,
    /// `text_terms`: normalized, segmented, company aliases folded), so that
    /// the search tier matches as ticai does (README "Scaling out").
    #[arg(long)]
    pub terms: bool,
    /// The file to write (atomically); `-` for stdout.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum MentionsFormat {
    #[default]
    Parquet,
    Csv,
    Jsonl,
}

/// With neither --since nor --until every document is exported, undated
/// ones too; `bucket_day` is the publication day in --tz.
#[derive(Debug, Args)]
pub struct MentionsArgs {
    #[command(flatten)]
    pub window: WindowArgs,
    #[arg(long, value_enum, default_value_t)]
    pub format: MentionsFormat,
    /// The file to write (atomically); `-` for stdout (not for parquet).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn export(cmd: ExportCommand, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let args = match cmd {
        ExportCommand::Mentions(args) => args,
        ExportCommand::Documents(args) => return export_documents(args, data, lexicon),
    };
    let store = Store::open_existing(&data_dir(data)?, lexicon)?;
    let window = &args.window;
    let calendar = window.days(&store)?;
    let tz = ticai_trends::parse_tz(&window.tz)?;
    let format = match args.format {
        MentionsFormat::Parquet => Format::Parquet,
        MentionsFormat::Csv => Format::Csv,
        MentionsFormat::Jsonl => Format::Jsonl,
    };
    let out = out_for(format, Some(&args.out))?;
    let started = std::time::Instant::now();
    let mut table = ticai_trends::table::Table::new(
        format,
        ticai_trends::mentions::columns(),
        out,
        Default::default(),
        "rows",
    )?;
    let (docs, rows) = ticai_trends::mentions::export(
        &store.index,
        &window.filter(),
        calendar.as_ref(),
        tz,
        &mut table,
    )?;
    table.finish()?;
    if args.out.as_os_str() != "-" {
        eprintln!(
            "exported {rows} rows for {docs} documents to {} in {:.1} s",
            args.out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn export_documents(
    args: DocumentsArgs,
    data: Option<&Path>,
    lexicon: Option<&Path>,
) -> Result<ExitCode> {
    use std::io::Write;
    use ticai_trends::documents::{self, DocumentsFormat};
    let store = Store::open_existing(&data_dir(data)?, lexicon)?;
    let calendar = args.window.days(&store)?;
    let format = match args.format {
        DocumentsFormatArg::Ndjson => DocumentsFormat::Ndjson,
        DocumentsFormatArg::Bulk => DocumentsFormat::Bulk,
    };
    let started = std::time::Instant::now();
    let mut out = std::io::BufWriter::new(Out::open(Some(&args.out))?);
    let n = documents::for_each(
        &store.index,
        &args.window.filter(),
        calendar.as_ref(),
        args.terms,
        |d| -> Result<()> { Ok(documents::write(&mut out, &d, format, &args.index)?) },
    )?;
    out.flush()?;
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("{}: {}", args.out.display(), e.error()))?
        .finish()?;
    if args.out.as_os_str() != "-" {
        eprintln!(
            "exported {n} documents to {} in {:.1} s",
            args.out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PairKindArg {
    #[default]
    ThemeCompany,
    ThemeTheme,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CsvJson {
    #[default]
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct CooccurArgs {
    #[command(flatten)]
    pub window: WindowArgs,
    #[arg(long, value_enum, default_value_t)]
    pub kind: PairKindArg,
    /// Only pairs that appear together in at least N articles.
    #[arg(long, default_value_t = 3)]
    pub min_articles: u64,
    /// At most N pairs (most articles first); 0 = all.
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: CsvJson,
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl CooccurArgs {
    pub fn params(&self) -> CooccurParams {
        CooccurParams {
            window: self.window.params(),
            kind: match self.kind {
                PairKindArg::ThemeCompany => ticai_trends::cooccur::PairKind::ThemeCompany,
                PairKindArg::ThemeTheme => ticai_trends::cooccur::PairKind::ThemeTheme,
            },
            min_articles: self.min_articles,
            limit: self.limit,
        }
    }
}

pub fn cooccur(args: CooccurArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let store = Store::open_existing(&data_dir(data)?, lexicon)?;
    let (pairs, header) = args.params().run(&store.index, &store.lexicon)?;
    let format = match args.format {
        CsvJson::Csv => Format::Csv,
        CsvJson::Json => Format::Json,
    };
    ticai_trends::write_pairs(&pairs, header, format, Out::open(args.out.as_deref())?)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum JsonTable {
    Json,
    #[default]
    Table,
}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[arg(long, value_enum, default_value_t)]
    pub interval: IntervalArg,
    /// Trailing buckets the latest one is compared with.
    #[arg(long, default_value_t = 28)]
    pub window: usize,
    /// A day in the latest bucket (YYYY-MM-DD in --tz; default: the last publication day).
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long, default_value = "Asia/Shanghai")]
    pub tz: String,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// A theme needs at least this many articles in the latest bucket.
    #[arg(long, default_value_t = 3)]
    pub min_articles: u64,
    /// Minimum score, -log10 of the Poisson tail probability (3 = one in a thousand).
    #[arg(long, default_value_t = 3.0)]
    pub min_score: f64,
    /// Evidence articles per alert.
    #[arg(long, default_value_t = 3)]
    pub evidence: usize,
    #[arg(long)]
    pub no_rollup: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: JsonTable,
}

impl AlertsArgs {
    pub fn params(&self) -> AlertParams {
        AlertParams {
            interval: self.interval.into(),
            window: self.window,
            until: self.until.clone(),
            tz: self.tz.clone(),
            filter: self.filter.params(),
            min_articles: self.min_articles,
            min_score: self.min_score,
            evidence: self.evidence,
            no_rollup: self.no_rollup,
        }
    }
}

pub fn alerts(args: AlertsArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let params = args.params();
    params.check()?;
    let store = Store::open_existing(&data_dir(data)?, lexicon)?;
    let req = params.request(&store.index)?;
    let a = ticai_trends::alerts::alerts(&store.index, &store.lexicon, &store.tagger, &req)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        JsonTable::Json => writeln!(out, "{}", serde_json::to_string(&a)?)?,
        JsonTable::Table => {
            writeln!(
                out,
                "rising themes in the {} of {} ({} articles; window: {} {}s, {} articles)",
                a.interval, a.bucket, a.total, a.window, a.interval, a.window_total
            )?;
            if a.alerts.is_empty() {
                writeln!(
                    out,
                    "  none (min articles {}, min score {})",
                    args.min_articles, args.min_score
                )?;
            }
            for al in &a.alerts {
                writeln!(
                    out,
                    "\n  {} {}: {} articles, expected {:.1} (baseline {:.1}/{}), score {:.1}",
                    al.theme, al.name, al.count, al.expected, al.baseline, a.interval, al.score
                )?;
                for e in &al.evidence {
                    writeln!(
                        out,
                        "    {}  {}  {}",
                        e.published_at.as_deref().unwrap_or("-"),
                        e.source.as_deref().unwrap_or("-"),
                        e.title.as_deref().unwrap_or("(no title)")
                    )?;
                    if let Some(s) = &e.sentence {
                        writeln!(out, "      「{}」", s.trim())?;
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct ChartArgs {
    #[command(flatten)]
    pub series: SeriesArgs,
    /// What the y axis shows.
    #[arg(long, value_enum, default_value_t = ValueArg::Share)]
    pub value: ValueArg,
    /// Stacked areas of share.
    #[arg(long)]
    pub stacked: bool,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long, default_value_t = 1000)]
    pub width: u32,
    #[arg(long, default_value_t = 520)]
    pub height: u32,
    /// The SVG file to write.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn chart(args: ChartArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    if !(200..=10_000).contains(&args.width) || !(150..=10_000).contains(&args.height) {
        bail!("--width/--height: between 200x150 and 10000x10000 pixels");
    }
    let store = Store::open_existing(&data_dir(data)?, lexicon)?;
    let req = args.series.request(&store, 5)?;
    let t = ticai_trends::trends(&store.index, &store.lexicon, &req)?;
    report_undated(t.undated);
    let svg = ticai_trends::chart::svg(
        &t,
        &ticai_trends::chart::ChartOptions {
            measure: args.value.into(),
            stacked: args.stacked,
            width: args.width,
            height: args.height,
            title: args.title.clone(),
        },
    )?;
    let mut f = ticai_trends::table::AtomicFile::create(&args.out)?;
    f.write_all(svg.as_bytes())?;
    f.commit()?;
    eprintln!(
        "wrote {} ({} series, {} buckets)",
        args.out.display(),
        t.series.len(),
        t.buckets()
    );
    Ok(ExitCode::SUCCESS)
}
