//! SVG line charts of series (share or a count), and a stacked-share
//! variant, drawn with plotters' SVG backend. SVG text is left to the
//! browser's fonts, so Chinese theme names render without bundled fonts.

use crate::{Result, Row, Trends, TrendsError};
use plotters::prelude::*;

/// What the y axis shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Measure {
    #[default]
    Share,
    Articles,
    Stories,
    Mentions,
    TitleArticles,
}

impl std::str::FromStr for Measure {
    type Err = TrendsError;
    fn from_str(s: &str) -> Result<Measure> {
        match s.trim() {
            "share" => Ok(Measure::Share),
            "articles" => Ok(Measure::Articles),
            "stories" => Ok(Measure::Stories),
            "mentions" => Ok(Measure::Mentions),
            "title_articles" | "title-articles" => Ok(Measure::TitleArticles),
            other => Err(TrendsError::Request(format!(
                "unknown value {other:?} (expected share, articles, stories, mentions or title_articles)"
            ))),
        }
    }
}

impl Measure {
    pub fn of(self, r: &Row) -> f64 {
        match self {
            Measure::Share => r.share,
            Measure::Articles => r.articles as f64,
            Measure::Stories => r.stories as f64,
            Measure::Mentions => r.mentions as f64,
            Measure::TitleArticles => r.title_articles as f64,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::Share => "share of articles 占比",
            Measure::Articles => "articles 文章数",
            Measure::Stories => "stories 事件数",
            Measure::Mentions => "mentions 提及次数",
            Measure::TitleArticles => "articles with it in the title 标题提及",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Measure::Share => "share",
            Measure::Articles => "articles",
            Measure::Stories => "stories",
            Measure::Mentions => "mentions",
            Measure::TitleArticles => "title_articles",
        }
    }
}

/// Chart options.
#[derive(Clone, Debug)]
pub struct ChartOptions {
    pub measure: Measure,
    /// Stacked areas of share instead of lines.
    pub stacked: bool,
    pub width: u32,
    pub height: u32,
    pub title: Option<String>,
}

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            measure: Measure::Share,
            stacked: false,
            width: 1000,
            height: 520,
            title: None,
        }
    }
}

fn color(i: usize) -> RGBColor {
    // Tableau 10: distinguishable, colour-blind friendly enough
    const C: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = C[i % C.len()];
    RGBColor(r, g, b)
}

/// The chart as SVG text.
pub fn svg(trends: &Trends, opts: &ChartOptions) -> Result<String> {
    let err = |e: String| TrendsError::Request(format!("chart: {e}"));
    let nb = trends.buckets();
    let ns = trends.series.len();
    if ns == 0 {
        return Err(TrendsError::Request(
            "chart: no series to draw (no theme or company matched in the period)".into(),
        ));
    }
    let measure = if opts.stacked {
        Measure::Share
    } else {
        opts.measure
    };
    let values: Vec<Vec<f64>> = (0..ns)
        .map(|s| (0..nb).map(|b| measure.of(trends.row(b, s))).collect())
        .collect();
    // stacked: cumulative sums, drawn from the top down
    let stacks: Vec<Vec<f64>> = if opts.stacked {
        let mut acc = vec![0.0; nb];
        values
            .iter()
            .map(|v| {
                for (a, x) in acc.iter_mut().zip(v) {
                    *a += x;
                }
                acc.clone()
            })
            .collect()
    } else {
        values.clone()
    };
    let ymax = stacks
        .iter()
        .flatten()
        .fold(0.0f64, |m, &v| m.max(v))
        .max(if measure == Measure::Share { 0.01 } else { 1.0 })
        * 1.08;
    // within one year the axis shows MM-DD and names the year once
    let full: Vec<String> = (0..nb).map(|b| trends.row(b, 0).bucket.clone()).collect();
    let one_year = full.first().map(|f| &f[..4]) == full.last().map(|l| &l[..4]);
    let labels: Vec<String> = if one_year {
        full.iter().map(|d| d[5..].to_string()).collect()
    } else {
        full.clone()
    };
    let x_desc = match (one_year, full.first()) {
        (true, Some(f)) => format!("{} ({}, {})", &f[..4], trends.interval, trends.tz),
        _ => format!("{} ({})", trends.interval, trends.tz),
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (opts.width, opts.height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let title = opts.title.clone().unwrap_or_else(|| {
            format!(
                "{} by {} · {} .. {} ({})",
                measure.name(),
                trends.interval,
                trends.since,
                trends.until,
                trends.tz
            )
        });
        let font = "sans-serif";
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (font, 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..(nb.max(2) - 1) as f64, 0f64..ymax)
            .map_err(|e| err(e.to_string()))?;
        let is_share = measure == Measure::Share;
        chart
            .configure_mesh()
            .x_labels(nb.clamp(2, 16))
            .x_label_formatter(&|x| {
                let i = x.round().max(0.0) as usize;
                labels.get(i).cloned().unwrap_or_default()
            })
            .y_label_formatter(&|y| {
                if is_share {
                    format!("{:.1}%", y * 100.0)
                } else {
                    format!("{y:.0}")
                }
            })
            .y_desc(measure.label())
            .x_desc(x_desc)
            .label_style((font, 12))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        for s in (0..ns).rev().filter(|_| opts.stacked) {
            let c = color(s);
            let lower: Vec<f64> = if s == 0 {
                vec![0.0; nb]
            } else {
                stacks[s - 1].clone()
            };
            let pts: Vec<(f64, f64)> = (0..nb).map(|b| (b as f64, stacks[s][b])).collect();
            let poly: Vec<(f64, f64)> = pts
                .iter()
                .copied()
                .chain((0..nb).rev().map(|b| (b as f64, lower[b])))
                .collect();
            let label = legend(&trends.series[s]);
            chart
                .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.55).filled())))
                .map_err(|e| err(e.to_string()))?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
        }
        for s in (0..ns).filter(|_| !opts.stacked) {
            let c = color(s);
            let pts: Vec<(f64, f64)> = (0..nb).map(|b| (b as f64, values[s][b])).collect();
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                .map_err(|e| err(e.to_string()))?
                .label(legend(&trends.series[s]))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((font, 13))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(out)
}

fn legend(s: &crate::SeriesSpec) -> String {
    if s.name.is_empty() || s.name == s.key {
        s.key.clone()
    } else {
        format!("{} {}", s.name, s.key)
    }
}
