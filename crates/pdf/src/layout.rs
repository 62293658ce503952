//! Glyphs to lines in reading order.
//!
//! 1. Glyphs sharing a baseline, sorted by x, split where the gap is wider
//!    than about a character: *boxes* (a column's line, a table cell).
//! 2. Boxes whose vertical extents overlap form *bands* (one line of the
//!    page, across its columns).
//! 3. A page's column gutter is the x where most bands have a gap between
//!    boxes. A run of bands that no box crosses there, with one wide box
//!    on each side in most bands, is two columns: the left column is read
//!    top to bottom, then the right. Other bands, tables among them, are
//!    read as rows (their boxes left to right, joined by a space).
//! 4. Paragraphs break where a line ends short of its column, the next is
//!    indented, the gap is taller than the usual line pitch, or the size
//!    changes.
//!
//! Across pages, [`mark_running`] marks running headers and footers: a
//! line in the top or bottom margin repeated (digits aside) at the same
//! height on most pages, or a page number.

use crate::Glyph;

/// One line of text on a page, top-down coordinates (points).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Page index, from 0.
    pub page: usize,
    pub x0: f32,
    pub x1: f32,
    /// Baseline, measured from the top of the page.
    pub baseline: f32,
    /// Median glyph size.
    pub size: f32,
    pub text: String,
    /// The first line of a paragraph.
    pub para_start: bool,
    /// A running header or footer, or a page number.
    pub running: bool,
    /// Ends short of its column's right edge (a paragraph's last line).
    pub ends_short: bool,
    /// Starts right of its column's left edge (a paragraph's first line).
    pub indented: bool,
    /// Table cells read as one row (more than one means a table row).
    pub cells: usize,
    pub page_height: f32,
}

#[derive(Clone, Debug)]
struct Bx {
    x0: f32,
    x1: f32,
    baseline: f32,
    size: f32,
    text: String,
    cells: usize,
}

impl Bx {
    fn top(&self) -> f32 {
        self.baseline - 0.75 * self.size
    }
    fn bottom(&self) -> f32 {
        self.baseline + 0.05 * self.size
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x2e80..=0x9fff | 0xf900..=0xfaff | 0xff00..=0xffef | 0x20000..=0x3ffff)
}

fn median(mut v: Vec<f32>) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Boxes of a page: glyphs grouped by baseline, split at wide gaps.
fn boxes(width: f32, height: f32, mut glyphs: Vec<Glyph>) -> Vec<Bx> {
    // off-page text (far outside the page) is not shown, and would make
    // the gutter's histogram unbounded
    let on_page = |g: &Glyph| {
        g.x > -width
            && g.x < 2.0 * width
            && g.y > -height
            && g.y < 2.0 * height
            && g.width.is_finite()
            && g.width.abs() < width
    };
    glyphs.retain(|g| g.upright && g.size > 0.5 && g.size < height && on_page(g));
    // top-down baselines
    for g in &mut glyphs {
        g.y = height - g.y;
    }
    glyphs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    // baseline clusters
    let mut rows: Vec<Vec<Glyph>> = Vec::new();
    for g in glyphs {
        match rows.last_mut() {
            Some(row) if (g.y - row[0].y).abs() <= 0.3 * g.size.min(row[0].size) => row.push(g),
            _ => rows.push(vec![g]),
        }
    }
    let mut out = Vec::new();
    for mut row in rows {
        row.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut cur: Vec<Glyph> = Vec::new();
        // the last glyph of `cur` that is not blank (a run of spaces must
        // not make this quadratic)
        let mut last_ink: Option<Glyph> = None;
        let flush = |cur: &mut Vec<Glyph>, out: &mut Vec<Bx>| {
            let text = box_text(cur);
            if !text.trim().is_empty() {
                let trimmed: Vec<&Glyph> = cur.iter().filter(|g| !g.ch.is_whitespace()).collect();
                out.push(Bx {
                    x0: trimmed.first().map_or(cur[0].x, |g| g.x),
                    x1: trimmed.last().map_or(cur[0].x, |g| g.x + g.width),
                    baseline: median(cur.iter().map(|g| g.y).collect()),
                    size: median(cur.iter().map(|g| g.size).collect()),
                    text: text.trim().to_string(),
                    cells: 1,
                });
            }
            cur.clear();
        };
        for g in row {
            if let Some(last) = last_ink {
                let gap = g.x - (last.x + last.width);
                let size = g.size.max(last.size);
                // overprinted duplicates (fake bold) are dropped
                if g.ch == last.ch && (g.x - last.x).abs() < 0.1 * size {
                    continue;
                }
                if gap > 1.2 * size && !g.ch.is_whitespace() {
                    flush(&mut cur, &mut out);
                    last_ink = None;
                }
            }
            if !g.ch.is_whitespace() {
                last_ink = Some(g);
            }
            cur.push(g);
        }
        if !cur.is_empty() {
            flush(&mut cur, &mut out);
        }
    }
    out
}

/// The text of glyphs on one baseline: spaces where Latin words are apart.
fn box_text(glyphs: &[Glyph]) -> String {
    let mut s = String::new();
    let mut prev: Option<&Glyph> = None;
    for g in glyphs {
        if g.ch.is_whitespace() {
            if !s.ends_with(' ') && !s.is_empty() {
                s.push(' ');
            }
            continue;
        }
        if let Some(p) = prev {
            let gap = g.x - (p.x + p.width);
            if gap > 0.25 * g.size && !s.ends_with(' ') && !(is_cjk(p.ch) && is_cjk(g.ch)) {
                s.push(' ');
            }
        }
        s.push(g.ch);
        prev = Some(g);
    }
    s
}

/// Bands: boxes whose vertical extents overlap, top to bottom.
fn bands(mut bxs: Vec<Bx>) -> Vec<Vec<Bx>> {
    bxs.sort_by(|a, b| a.top().total_cmp(&b.top()));
    let mut out: Vec<(f32, Vec<Bx>)> = Vec::new();
    for b in bxs {
        match out.last_mut() {
            Some((bottom, band)) if b.top() < *bottom => {
                *bottom = bottom.max(b.bottom());
                band.push(b);
            }
            _ => out.push((b.bottom(), vec![b])),
        }
    }
    out.into_iter()
        .map(|(_, mut band)| {
            band.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            band
        })
        .collect()
}

/// The x of the page's column gutter: where the most bands have a gap
/// between two boxes, in the middle of the text's width.
fn gutter(bands: &[Vec<Bx>]) -> Option<f32> {
    let (lo, hi) = bands
        .iter()
        .flatten()
        .fold((f32::MAX, f32::MIN), |(lo, hi), b| {
            (lo.min(b.x0), hi.max(b.x1))
        });
    if hi - lo < 100.0 {
        return None;
    }
    const BIN: f32 = 2.0;
    let n = (((hi - lo) / BIN) as usize).min(4096) + 1;
    let mut count = vec![0usize; n];
    for band in bands {
        for w in band.windows(2) {
            let (a, b) = (w[0].x1, w[1].x0);
            if b - a < 0.8 * w[0].size.min(w[1].size) {
                continue;
            }
            let (i0, i1) = (((a - lo) / BIN) as usize, ((b - lo) / BIN) as usize);
            for c in count.iter_mut().take(i1.min(n)).skip(i0 + 1) {
                *c += 1;
            }
        }
    }
    let (mid_lo, mid_hi) = ((n as f32 * 0.25) as usize, (n as f32 * 0.75) as usize);
    let best = (mid_lo..mid_hi).max_by_key(|&i| (count[i], usize::MAX - i.abs_diff(n / 2)))?;
    if count[best] < 3 {
        return None;
    }
    // the middle of the run of bins as good as the best
    let (mut a, mut b) = (best, best);
    while a > 0 && count[a - 1] == count[best] {
        a -= 1;
    }
    while b + 1 < n && count[b + 1] == count[best] {
        b += 1;
    }
    Some(lo + (a + b) as f32 / 2.0 * BIN + BIN / 2.0)
}

fn crosses(b: &Bx, g: f32) -> bool {
    b.x0 < g - 1.0 && b.x1 > g + 1.0
}

/// Whether a run of bands is two text columns split at `g`: in most bands
/// at most one box on each side, and the sides' boxes mostly fill them.
fn two_columns(run: &[Vec<Bx>], g: f32) -> bool {
    if run.len() < 3 {
        return false;
    }
    let (lo, hi) = run
        .iter()
        .flatten()
        .fold((f32::MAX, f32::MIN), |(lo, hi), b| {
            (lo.min(b.x0), hi.max(b.x1))
        });
    let (left_w, right_w) = (g - lo, hi - g);
    let mut single = 0;
    let mut left_fill = Vec::new();
    let mut right_fill = Vec::new();
    for band in run {
        let l: Vec<&Bx> = band.iter().filter(|b| b.x1 <= g).collect();
        let r: Vec<&Bx> = band.iter().filter(|b| b.x0 >= g).collect();
        if l.len() <= 1 && r.len() <= 1 {
            single += 1;
        }
        if let Some(b) = l.first() {
            left_fill.push((b.x1 - b.x0) / left_w);
        }
        if let Some(b) = r.first() {
            right_fill.push((b.x1 - b.x0) / right_w);
        }
    }
    single * 10 >= run.len() * 9
        && left_fill.len() >= 2
        && right_fill.len() >= 2
        && median(left_fill) > 0.6
        && median(right_fill) > 0.6
}

/// A page's lines in reading order, with paragraph starts.
pub(crate) fn page_lines(page: usize, width: f32, height: f32, glyphs: Vec<Glyph>) -> Vec<Line> {
    let bands = bands(boxes(width, height, glyphs));
    // the top and bottom margins (running headers, footers, page
    // numbers) are rows, never columns
    let margin = |band: &Vec<Bx>| {
        band.iter()
            .all(|b| b.baseline < 0.08 * height || b.baseline > 0.93 * height)
    };
    let g = gutter(
        &bands
            .iter()
            .filter(|b| !margin(b))
            .cloned()
            .collect::<Vec<_>>(),
    );
    // flows: sequences of lines read in order; a paragraph never spans two
    let mut flows: Vec<Vec<Bx>> = Vec::new();
    // rows read in order, until columns interrupt them
    let mut rows: Vec<Bx> = Vec::new();
    let mut i = 0;
    while i < bands.len() {
        let Some(g) = g else {
            rows.extend(bands[i..].iter().map(|b| row(b)));
            break;
        };
        let rows_only = |band: &Vec<Bx>| margin(band) || band.iter().any(|b| crosses(b, g));
        if rows_only(&bands[i]) {
            let start = i;
            while i < bands.len() && rows_only(&bands[i]) {
                i += 1;
            }
            rows.extend(bands[start..i].iter().map(|b| row(b)));
            continue;
        }
        // bands with at most one box on each side of the gutter (a lone
        // other band between two such is let in): candidate columns;
        // others (table rows) are rows
        let single = |band: &Vec<Bx>| {
            band.iter().filter(|b| b.x1 <= g).count() <= 1
                && band.iter().filter(|b| b.x0 >= g).count() <= 1
        };
        let start = i;
        let is_single = single(&bands[i]);
        while i < bands.len() && !rows_only(&bands[i]) {
            let s = single(&bands[i]);
            let lone = !s
                && is_single
                && bands.get(i + 1).is_some_and(|n| !rows_only(n) && single(n))
                && i > start;
            if s != is_single && !lone {
                break;
            }
            i += 1;
        }
        // one-sided bands after a clear gap at the end of a run (a table's
        // title below both columns) are not the columns' last lines
        if is_single && i - start > 3 {
            let one_sided =
                |band: &Vec<Bx>| band.iter().all(|b| b.x1 <= g) || band.iter().all(|b| b.x0 >= g);
            let gaps: Vec<f32> = bands[start..i]
                .windows(2)
                .map(|w| w[1][0].baseline - w[0][0].baseline)
                .collect();
            let pitch = median(gaps);
            let mut e = i - 1;
            while e > start + 2 && one_sided(&bands[e]) {
                if bands[e][0].baseline - bands[e - 1][0].baseline > 2.0 * pitch {
                    i = e;
                    break;
                }
                e -= 1;
            }
        }
        let run = &bands[start..i];
        if is_single && two_columns(run, g) {
            if !rows.is_empty() {
                flows.push(std::mem::take(&mut rows));
            }
            for side in [true, false] {
                let col: Vec<Bx> = run
                    .iter()
                    .filter_map(|band| {
                        let parts: Vec<&Bx> = band
                            .iter()
                            .filter(|b| if side { b.x1 <= g } else { b.x0 >= g })
                            .collect();
                        (!parts.is_empty()).then(|| join(&parts))
                    })
                    .collect();
                flows.push(col);
            }
        } else {
            rows.extend(run.iter().map(|b| row(b)));
        }
    }
    if !rows.is_empty() {
        flows.push(rows);
    }
    let mut out: Vec<Line> = Vec::new();
    for flow in flows {
        let k = out.len();
        paragraphs(page, height, flow, &mut out);
        // a paragraph goes on from the foot of one column to the head of
        // the next unless the text before ended one
        if k > 0 && k < out.len() {
            let (p, l) = (&out[k - 1], &out[k]);
            let size = p.size.max(l.size);
            out[k].para_start = p.ends_short
                || l.indented
                || (p.size - l.size).abs() > 0.12 * size
                || p.cells > 1
                || l.cells > 1;
        }
    }
    out
}

/// A band read as one row: boxes left to right, a space between.
fn row(band: &[Bx]) -> Bx {
    // boxes on clearly different baselines in one band (a superscript, a
    // tight leading) are read top to bottom
    let refs: Vec<&Bx> = band.iter().collect();
    join(&refs)
}

fn join(parts: &[&Bx]) -> Bx {
    let mut parts = parts.to_vec();
    parts.sort_by(|a, b| {
        let same = (a.baseline - b.baseline).abs() <= 0.5 * a.size.min(b.size);
        if same {
            a.x0.total_cmp(&b.x0)
        } else {
            a.baseline.total_cmp(&b.baseline)
        }
    });
    let mut text = String::new();
    for p in &parts {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&p.text);
    }
    Bx {
        x0: parts.iter().map(|p| p.x0).fold(f32::MAX, f32::min),
        x1: parts.iter().map(|p| p.x1).fold(f32::MIN, f32::max),
        baseline: parts.iter().map(|p| p.baseline).fold(f32::MIN, f32::max),
        size: median(parts.iter().map(|p| p.size).collect()),
        text,
        cells: parts.iter().map(|p| p.cells).sum(),
    }
}

fn paragraphs(page: usize, height: f32, flow: Vec<Bx>, out: &mut Vec<Line>) {
    if flow.is_empty() {
        return;
    }
    let left = median(flow.iter().map(|b| b.x0).collect());
    // the column's right edge: where most lines end (justified text)
    let right = {
        let mut ends: Vec<f32> = flow.iter().map(|b| b.x1).collect();
        ends.sort_by(f32::total_cmp);
        ends[(ends.len() * 3 / 4).min(ends.len() - 1)]
    };
    // the line pitch inside paragraphs: the lower quartile of the gaps
    // (paragraph gaps are as frequent as line gaps when paragraphs are short)
    let pitch = {
        let mut d: Vec<f32> = flow
            .windows(2)
            .map(|w| w[1].baseline - w[0].baseline)
            .filter(|d| *d > 0.0)
            .collect();
        d.sort_by(f32::total_cmp);
        d.get(d.len() / 4).copied().unwrap_or(0.0)
    };
    let mut prev: Option<&Bx> = None;
    for b in &flow {
        let indented = b.x0 > left + 1.5 * b.size;
        let start = match prev {
            None => true,
            Some(p) => {
                let size = p.size.max(b.size);
                let short = p.x1 < right - 2.0 * size;
                let gap = b.baseline - p.baseline;
                let tall = pitch > 0.0 && gap > 1.4 * pitch;
                let resized = (b.size - p.size).abs() > 0.12 * size;
                // a table row is a paragraph of its own
                let table = p.cells > 1 || b.cells > 1;
                short || indented || tall || resized || table
            }
        };
        out.push(Line {
            page,
            x0: b.x0,
            x1: b.x1,
            baseline: b.baseline,
            size: b.size,
            text: b.text.clone(),
            para_start: start,
            running: false,
            ends_short: b.x1 < right - 2.0 * b.size || b.cells > 1,
            indented: indented || b.cells > 1,
            cells: b.cells,
            page_height: height,
        });
        prev = Some(b);
    }
}

fn is_page_number(s: &str) -> bool {
    let s = s.trim();
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars().count() <= 16
        && s.chars().all(|c| {
            c.is_ascii_digit() || c.is_whitespace() || "/-—–.|第页共Page of()（）".contains(c)
        })
}

/// Marks running headers and footers across pages.
pub(crate) fn mark_running(pages: &mut [Vec<Line>]) {
    use std::collections::HashMap;
    let in_margin = |l: &Line| l.baseline < 0.1 * l.page_height || l.baseline > 0.9 * l.page_height;
    let key = |l: &Line| {
        let text: String = l
            .text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect();
        (text, (l.baseline / 4.0).round() as i64)
    };
    let mut seen: HashMap<(String, i64), usize> = HashMap::new();
    for lines in pages.iter() {
        let mut keys: Vec<_> = lines.iter().filter(|l| in_margin(l)).map(key).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            *seen.entry(k).or_default() += 1;
        }
    }
    let need = (pages.len() / 2).max(2);
    for lines in pages.iter_mut() {
        for l in lines.iter_mut() {
            if in_margin(l)
                && (is_page_number(&l.text) || seen.get(&key(l)).is_some_and(|&n| n >= need))
            {
                l.running = true;
            }
        }
    }
    // a line after a running one or a page break starts a paragraph only
    // when the text before it ended one (paragraphs go on across pages)
    // (ends short, page, size) of the last line kept
    let mut last: Option<(bool, usize, f32)> = None;
    let mut after_gap;
    for lines in pages.iter_mut() {
        after_gap = true;
        for l in lines.iter_mut() {
            if l.running {
                after_gap = true;
                continue;
            }
            if after_gap {
                l.para_start = match last {
                    None => true,
                    // the cover ends its own paragraphs
                    Some((short, page, size)) => {
                        short
                            || l.indented
                            || page == 0
                            || (size - l.size).abs() > 0.12 * size.max(l.size)
                    }
                };
            }
            after_gap = false;
            last = Some((l.ends_short, l.page, l.size));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(text: &str, x: f32, y: f32, size: f32) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .map(|(i, ch)| Glyph {
                x: x + i as f32 * size,
                y,
                size,
                width: size,
                ch,
                upright: true,
            })
            .collect()
    }

    #[test]
    fn two_columns_are_read_one_after_the_other() {
        let mut g = Vec::new();
        // left column x 50..250, right 300..500, same baselines
        for (k, y) in [700.0, 686.0, 672.0, 658.0].iter().enumerate() {
            g.extend(glyphs(
                &format!("左栏第{k}行文字内容很长很长很长很长"),
                50.0,
                *y,
                10.0,
            ));
            g.extend(glyphs(
                &format!("右栏第{k}行文字内容很长很长很长很长"),
                300.0,
                *y,
                10.0,
            ));
        }
        let lines = page_lines(0, 595.0, 842.0, g);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts.len(), 8, "{texts:?}");
        assert!(
            texts[..4].iter().all(|t| t.starts_with("左栏")),
            "{texts:?}"
        );
        assert!(
            texts[4..].iter().all(|t| t.starts_with("右栏")),
            "{texts:?}"
        );
    }

    #[test]
    fn table_rows_stay_rows() {
        let mut g = Vec::new();
        for (k, y) in [700.0, 686.0, 672.0, 658.0].iter().enumerate() {
            g.extend(glyphs(&format!("公司{k}"), 50.0, *y, 10.0));
            g.extend(glyphs("30030", 180.0, *y, 10.0));
            g.extend(glyphs("320.5", 310.0, *y, 10.0));
            g.extend(glyphs("买入", 440.0, *y, 10.0));
        }
        let lines = page_lines(0, 595.0, 842.0, g);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts[1], "公司1 30030 320.5 买入", "{texts:?}");
    }

    #[test]
    fn hostile_glyphs_cost_linear_work() {
        // a baseline of 200k spaces (quadratic before), and a glyph far
        // off the page (an unbounded gutter histogram before)
        let mut g = glyphs("液冷", 50.0, 700.0, 10.0);
        g.extend(glyphs(&" ".repeat(200_000), 70.0, 700.0, 10.0));
        g.extend(glyphs("铜缆", 1.0e12, 700.0, 10.0));
        let lines = page_lines(0, 595.0, 842.0, g);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "液冷");
    }

    #[test]
    fn page_numbers() {
        assert!(is_page_number("第 2 页 共 5 页"));
        assert!(is_page_number("- 3 -"));
        assert!(is_page_number("2 / 5"));
        assert!(!is_page_number("2026年营收"));
    }
}
