//! Which fields (JSON keys, CSV and sheet columns) hold a document's parts,
//! and one record -> one document.

use crate::dates::{DateRule, DateTally};
use anyhow::{Result, bail};
use ticai_model::Document;

/// Which fields hold a document's parts; the first one present wins.
/// JSON keys match exactly, column headers without regard to case or
/// surrounding spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMap {
    pub text: Vec<String>,
    pub title: Vec<String>,
    pub published_at: Vec<String>,
    /// A time of day completing a `published_at` that is a date alone (the
    /// `date` + `time` columns of flash-news exports).
    pub time: Vec<String>,
    pub id: Vec<String>,
    pub url: Vec<String>,
    pub source: Vec<String>,
}

/// The keys of [`FieldMap`], as `--field` names them.
pub const KEYS: [&str; 7] = [
    "text",
    "title",
    "published_at",
    "time",
    "id",
    "url",
    "source",
];

impl Default for FieldMap {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        FieldMap {
            text: v(&[
                "text",
                "content",
                "body",
                "正文",
                "内容",
                "新闻内容",
                "摘要",
            ]),
            title: v(&["title", "标题", "新闻标题"]),
            published_at: v(&[
                "published_at",
                "published_iso",
                "datetime",
                "published",
                "pubdate",
                "发布时间",
                "发布日期",
                "date",
                "日期",
                "时间",
            ]),
            time: v(&["time", "时间"]),
            id: v(&["id", "url", "link", "链接", "网址"]),
            url: v(&["url", "link", "链接", "网址"]),
            source: v(&["source", "feed_source", "site", "来源", "媒体"]),
        }
    }
}

impl FieldMap {
    /// Applies `--field KEY=COLUMN` overrides.
    pub fn with_overrides(mut self, overrides: &[String]) -> Result<Self> {
        for o in overrides {
            let Some((key, col)) = o.split_once('=') else {
                bail!("--field {o:?}: expected KEY=COLUMN, e.g. --field text=content");
            };
            let col = col.trim();
            if col.is_empty() {
                bail!("--field {o:?}: empty column name");
            }
            *self.slot(key.trim()).ok_or_else(|| {
                anyhow::anyhow!(
                    "--field {o:?}: unknown key {:?} (known: {})",
                    key.trim(),
                    KEYS.join(", ")
                )
            })? = vec![col.to_string()];
        }
        Ok(self)
    }

    fn slot(&mut self, key: &str) -> Option<&mut Vec<String>> {
        Some(match key {
            "text" => &mut self.text,
            "title" => &mut self.title,
            "published_at" => &mut self.published_at,
            "time" => &mut self.time,
            "id" => &mut self.id,
            "url" => &mut self.url,
            "source" => &mut self.source,
            _ => return None,
        })
    }

    /// The column index of each key among `headers` (first candidate
    /// present wins; the time column is never the date column).
    pub fn columns(&self, headers: &[String]) -> Columns {
        let norm: Vec<String> = headers
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let find = |names: &[String], not: Option<usize>| {
            names.iter().find_map(|n| {
                let n = n.trim().to_lowercase();
                norm.iter()
                    .position(|h| *h == n)
                    .filter(|&i| Some(i) != not)
            })
        };
        let published_at = find(&self.published_at, None);
        Columns {
            text: find(&self.text, None),
            title: find(&self.title, None),
            published_at,
            time: find(&self.time, published_at),
            id: find(&self.id, None),
            url: find(&self.url, None),
            source: find(&self.source, None),
            headers: headers.iter().map(|h| h.trim().to_string()).collect(),
        }
    }
}

/// Column indexes of a table's document parts.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    pub text: Option<usize>,
    pub title: Option<usize>,
    pub published_at: Option<usize>,
    pub time: Option<usize>,
    pub id: Option<usize>,
    pub url: Option<usize>,
    pub source: Option<usize>,
    pub headers: Vec<String>,
}

impl Columns {
    /// `(key, column name)` of every mapped key, for `ticai inspect`.
    pub fn mapping(&self) -> Vec<(String, String)> {
        let keyed = [
            ("text", self.text),
            ("title", self.title),
            ("published_at", self.published_at),
            ("time", self.time),
            ("id", self.id),
            ("url", self.url),
            ("source", self.source),
        ];
        keyed
            .iter()
            .filter_map(|(k, c)| Some((k.to_string(), self.headers.get((*c)?)?.clone())))
            .collect()
    }

    fn name(&self, c: Option<usize>) -> &str {
        c.and_then(|i| self.headers.get(i))
            .map_or("date", String::as_str)
    }
}

/// Why a row gave no document.
pub enum RowProblem {
    NoText,
}

/// One table row as a document; `cells` holds the row's values by column
/// (`None`: empty). `at` labels the row in messages (`row 7`).
pub fn row_document(
    cols: &Columns,
    cells: &[Option<String>],
    default_id: String,
    at: &str,
    dates: &DateRule,
    tally: &mut DateTally,
) -> Result<Document, RowProblem> {
    let get = |c: Option<usize>| {
        c.and_then(|i| cells.get(i))
            .and_then(|v| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(text) = get(cols.text) else {
        return Err(RowProblem::NoText);
    };
    let published_at = date_of(
        get(cols.published_at),
        get(cols.time),
        cols.name(cols.published_at),
        at,
        dates,
        tally,
    );
    Ok(Document {
        id: get(cols.id).map_or(default_id, str::to_string),
        title: get(cols.title).map(str::to_string),
        text: text.to_string(),
        published_at,
        url: get(cols.url).map(str::to_string),
        source: get(cols.source).map(str::to_string),
        title_span: None,
        region: None,
    })
}

/// A record's date, counting the rows that have one and the values that
/// are not dates: as written when the index reads it the same way (the
/// forms [`ticai_extract::parse_date`] knows, in China time: what `ticai
/// tag` has always echoed), else as RFC 3339.
pub fn date_of(
    value: Option<&str>,
    time: Option<&str>,
    column: &str,
    at: &str,
    dates: &DateRule,
    tally: &mut DateTally,
) -> Option<String> {
    let value = value?;
    tally.count();
    match dates.parse(value, time) {
        Some(t) if ticai_extract::parse_date(value, None) == Some(t) => Some(value.to_string()),
        Some(t) => Some(t.to_rfc3339()),
        None => {
            tally.bad(column, at.to_string(), value);
            None
        }
    }
}

/// One JSON Lines record as a document, dates read by the default rule
/// (China time); a date that is not one is left out.
pub fn json_document(
    file: &str,
    line: usize,
    json: &str,
    fields: &FieldMap,
) -> Result<Document, String> {
    json_record(
        file,
        line,
        json,
        fields,
        &DateRule::default(),
        &mut DateTally::default(),
    )
}

/// One JSON Lines record as a document, counting its date in `tally`.
pub fn json_record(
    file: &str,
    line: usize,
    json: &str,
    fields: &FieldMap,
    dates: &DateRule,
    tally: &mut DateTally,
) -> Result<Document, String> {
    use serde_json::Value;
    let v: Value = serde_json::from_str(json).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(obj) = v else {
        return Err("expected a JSON object".into());
    };
    let pick = |names: &[String]| -> Option<(String, String)> {
        names.iter().find_map(|n| {
            let v = match obj.get(n)? {
                Value::String(s) => s.clone(),
                Value::Number(x) => x.to_string(),
                _ => return None,
            };
            Some((n.clone(), v))
        })
    };
    let nonblank = |v: Option<(String, String)>| v.map(|(_, s)| s).filter(|s| !s.trim().is_empty());
    let text = pick(&fields.text).map(|(_, s)| s).ok_or_else(|| {
        format!(
            "no text field (tried {}); name it with --field text=FIELD",
            fields.text.join(", ")
        )
    })?;
    let published = pick(&fields.published_at).filter(|(_, s)| !s.trim().is_empty());
    let time = fields
        .time
        .iter()
        .filter(|n| published.as_ref().is_none_or(|(p, _)| p != *n))
        .find_map(|n| obj.get(n)?.as_str().map(str::to_string));
    let published_at = match &published {
        Some((key, value)) => date_of(
            Some(value),
            time.as_deref(),
            key,
            &format!("line {line}"),
            dates,
            tally,
        ),
        None => None,
    };
    // where the text was written: cn, tw or hk (vocabulary conversion)
    let region = match obj.get("region") {
        None | Some(Value::Null) => None,
        Some(Value::String(r)) if r.trim().is_empty() => None,
        Some(Value::String(r)) => Some(r.parse().map_err(|e| format!("field \"region\": {e}"))?),
        Some(other) => {
            return Err(format!(
                "field \"region\": expected a string, found {other}"
            ));
        }
    };
    Ok(Document {
        id: nonblank(pick(&fields.id)).unwrap_or_else(|| format!("{file}:{line}")),
        title: nonblank(pick(&fields.title)),
        published_at,
        url: nonblank(pick(&fields.url)),
        source: nonblank(pick(&fields.source)),
        text,
        title_span: None,
        region,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(line: &str, f: &FieldMap) -> Result<Document, String> {
        json_document("f.jsonl", 3, line, f)
    }

    #[test]
    fn json_field_mapping() {
        let f = FieldMap::default();
        let d = json(r#"{"content":"正文","title":"标题","published_iso":"2026-05-19T00:02:00+08:00","link":"http://x"}"#, &f).unwrap();
        assert_eq!(
            (d.id.as_str(), d.text.as_str(), d.title.as_deref()),
            ("http://x", "正文", Some("标题"))
        );
        assert_eq!(d.published_at.as_deref(), Some("2026-05-19T00:02:00+08:00"));
        let d = json(r#"{"body":"x","id":42}"#, &f).unwrap();
        assert_eq!(d.id, "42");
        let d = json(r#"{"text":"x"}"#, &f).unwrap();
        assert_eq!(d.id, "f.jsonl:3");
        let f2 = FieldMap::default()
            .with_overrides(&["text=msg".into(), "id=key".into()])
            .unwrap();
        let d = json(r#"{"msg":"m","text":"t","key":"k"}"#, &f2).unwrap();
        assert_eq!((d.id.as_str(), d.text.as_str()), ("k", "m"));
        // a date and a time in two fields
        let d = json(r#"{"text":"x","date":"2026-05-19","time":"00:02:00"}"#, &f).unwrap();
        assert_eq!(d.published_at.as_deref(), Some("2026-05-19T00:02:00+08:00"));
        // epoch seconds as a number
        let d = json(
            r#"{"text":"x","ctime":1783042200}"#,
            &FieldMap::default()
                .with_overrides(&["published_at=ctime".into()])
                .unwrap(),
        )
        .unwrap();
        assert_eq!(d.published_at.as_deref(), Some("2026-07-03T09:30:00+08:00"));
    }

    #[test]
    fn json_bad_dates_are_counted() {
        let mut tally = DateTally::default();
        let d = json_record(
            "f.jsonl",
            7,
            r#"{"text":"x","published_at":"07/03/2026"}"#,
            &FieldMap::default(),
            &DateRule::default(),
            &mut tally,
        )
        .unwrap();
        assert_eq!(d.published_at, None);
        assert_eq!((tally.rows, tally.bad), (1, 1));
        assert_eq!(tally.examples[0].0, "line 7");
    }

    #[test]
    fn json_errors() {
        let f = FieldMap::default();
        assert!(json("{oops", &f).unwrap_err().starts_with("invalid JSON"));
        assert!(json("[1]", &f).unwrap_err().contains("object"));
        assert!(
            json(r#"{"msg":"x"}"#, &f)
                .unwrap_err()
                .contains("--field text=")
        );
        assert!(
            FieldMap::default()
                .with_overrides(&["colour=x".into()])
                .is_err()
        );
        assert!(
            FieldMap::default()
                .with_overrides(&["text".into()])
                .is_err()
        );
    }

    #[test]
    fn header_mapping() {
        let h = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = FieldMap::default().columns(&h(&["\u{feff}标题", "内容", " 发布时间 ", "来源"]));
        assert_eq!(
            (c.title, c.text, c.published_at, c.source, c.time),
            (Some(0), Some(1), Some(2), Some(3), None)
        );
        // 时间 is the date when nothing else is, and then not the time
        let c = FieldMap::default().columns(&h(&["Title", "Content", "时间"]));
        assert_eq!(
            (c.title, c.text, c.published_at, c.time),
            (Some(0), Some(1), Some(2), None)
        );
        let c = FieldMap::default().columns(&h(&["日期", "时间", "内容"]));
        assert_eq!((c.published_at, c.time), (Some(0), Some(1)));
    }
}
