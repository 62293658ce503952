//! ticai's query language: the grammar (written with winnow) and the query
//! tree it produces. [`crate::TicaiIndex`] turns the tree into a tantivy
//! query (see `compile.rs`); this module knows nothing of the index.
//!
//! ```text
//! query    := or?                                  empty: every document
//! or       := and (("OR" | "||") and)*
//! and      := unary (("AND" | "&&")? unary)*       juxtaposition is AND
//! unary    := ("NOT" | "!") unary | "-" unary | "+" unary | primary
//! primary  := "(" or ")" | FIELD ":" value | value
//! value    := "(" or ")" | '"' phrase '"' ("~" N)? | range | word
//! range    := ("[" | "{") date "TO" date ("]" | "}") | (">=" | ">" | "<=" | "<") date
//! ```
//!
//! Precedence: NOT (and `-`, `!`) binds tightest, then AND (explicit or
//! implied by juxtaposition), then OR: `a OR b c` is `a OR (b AND c)`,
//! `NOT a b` is `(NOT a) AND b`. `+a` is `a` (every clause is required
//! anyway). Operators are upper case; `and`, `or`, `not` are words.
//! `-`, `+` and `!` are operators only at the start of a clause (`A-share`
//! is one word). A backslash escapes the next character.
//!
//! Fields: `title:`, `body:` (text, analysed like the index; no field means
//! both, the title boosted), `source:`, `theme:`/`themes:`,
//! `company:`/`companies:`, `id:` (exact values), `published:` (dates in
//! China time: `2026`, `2026-07`, `2026-07-03`, an RFC 3339 time, ranges
//! and comparisons). `field:(a OR b)` applies the field to each clause inside.

use std::fmt;
use std::ops::Range;
use winnow::combinator::{opt, terminated};
use winnow::error::{ErrMode, ParserError};
use winnow::prelude::*;
use winnow::stream::{LocatingSlice, Location, Stream};
use winnow::token::{any, literal, take_while};

/// A field prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Body,
    Source,
    Theme,
    Company,
    Published,
    Id,
}

/// Field prefixes and what they mean (aliases share a field).
pub const FIELD_NAMES: [(&str, Field); 9] = [
    ("title", Field::Title),
    ("body", Field::Body),
    ("source", Field::Source),
    ("theme", Field::Theme),
    ("themes", Field::Theme),
    ("company", Field::Company),
    ("companies", Field::Company),
    ("published", Field::Published),
    ("id", Field::Id),
];

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Body => "body",
            Field::Source => "source",
            Field::Theme => "theme",
            Field::Company => "company",
            Field::Published => "published",
            Field::Id => "id",
        }
    }

    fn lookup(name: &str) -> Option<Field> {
        FIELD_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| *f)
    }

    /// Whether the field's values go through the text analyzer.
    pub fn is_text(self) -> bool {
        matches!(self, Field::Title | Field::Body)
    }
}

/// What a clause looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A bare word (a text word that segments into several tokens is a phrase).
    Word(String),
    /// A quoted phrase, with its slop (`"a b"~2`).
    Phrase { text: String, slop: u32 },
    /// `published:` from <= t < to, seconds since the epoch; None = open.
    Range { from: Option<i64>, to: Option<i64> },
}

/// One clause: an optional field and a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// None: title and body.
    pub field: Option<Field>,
    pub value: Value,
    /// Byte range of the clause in the query (field prefix included).
    pub span: Range<usize>,
}

/// ticai's query tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Leaf(Leaf),
}

/// A query that does not parse (or names something that does not exist),
/// with the column (in characters, from 1) where the problem is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid query {query:?} at column {column}: {message}")]
pub struct QueryError {
    pub query: String,
    pub column: usize,
    pub message: String,
}

impl QueryError {
    /// An error at byte offset `at` of `query`.
    pub fn at(query: &str, at: usize, message: impl Into<String>) -> QueryError {
        let column = query.get(..at).unwrap_or(query).chars().count() + 1;
        QueryError {
            query: query.to_string(),
            column,
            message: message.into(),
        }
    }

    /// The error as an API returns it:
    /// `{"error": "...", "detail": {"column", "message", "query"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": self.to_string(),
            "detail": {"column": self.column, "message": self.message, "query": self.query},
        })
    }
}

/// Parses a query; `None` for an empty (all white space) query.
pub fn parse(query: &str) -> Result<Option<Node>, QueryError> {
    let mut input = LocatingSlice::new(query);
    match top(&mut input) {
        Ok(n) => Ok(n),
        Err(ErrMode::Backtrack(f) | ErrMode::Cut(f)) => Err(QueryError::at(query, f.at, f.message)),
        Err(ErrMode::Incomplete(_)) => Err(QueryError::at(
            query,
            query.len(),
            "unexpected end of the query",
        )),
    }
}

type Input<'a> = LocatingSlice<&'a str>;
type PResult<T> = winnow::ModalResult<T, Fail>;

/// A parse failure at a byte offset.
#[derive(Debug, Clone)]
struct Fail {
    at: usize,
    message: String,
}

impl<'a> ParserError<Input<'a>> for Fail {
    type Inner = Self;

    fn from_input(input: &Input<'a>) -> Self {
        Fail {
            at: input.current_token_start(),
            message: "syntax error".into(),
        }
    }

    fn into_inner(self) -> Result<Self, Self> {
        Ok(self)
    }
}

fn fail<T>(at: usize, message: impl Into<String>) -> PResult<T> {
    Err(ErrMode::Cut(Fail {
        at,
        message: message.into(),
    }))
}

fn pos(i: &Input<'_>) -> usize {
    i.current_token_start()
}

fn ws(i: &mut Input<'_>) -> PResult<()> {
    take_while(0.., char::is_whitespace).void().parse_next(i)
}

/// Characters that end a word (besides `&&` and `||`).
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

/// At the end of the input or of a group.
fn at_close(i: &Input<'_>) -> bool {
    i.is_empty() || i.starts_with(')')
}

/// Consumes `kw` if it is a whole operator word here.
fn keyword(i: &mut Input<'_>, kw: &str) -> bool {
    let rest: &str = i;
    let whole = rest.starts_with(kw) && rest[kw.len()..].chars().next().is_none_or(ends_word);
    if whole {
        i.next_slice(kw.len());
    }
    whole
}

fn or_op(i: &mut Input<'_>) -> Option<&'static str> {
    if keyword(i, "OR") {
        Some("OR")
    } else if i.starts_with("||") {
        i.next_slice(2);
        Some("'||'")
    } else {
        None
    }
}

fn and_op(i: &mut Input<'_>) -> Option<&'static str> {
    if keyword(i, "AND") {
        Some("AND")
    } else if i.starts_with("&&") {
        i.next_slice(2);
        Some("'&&'")
    } else {
        None
    }
}

fn top(i: &mut Input<'_>) -> PResult<Option<Node>> {
    ws(i)?;
    if i.is_empty() {
        return Ok(None);
    }
    let n = or_expr(i, None)?;
    ws(i)?;
    if !i.is_empty() {
        // `or_expr` stops only at the end or at a ')'
        return fail(pos(i), "')' without '('");
    }
    Ok(Some(n))
}

fn flatten(items: Vec<Node>, and: bool) -> Node {
    let mut out = Vec::with_capacity(items.len());
    for n in items {
        match n {
            Node::And(v) if and => out.extend(v),
            Node::Or(v) if !and => out.extend(v),
            n => out.push(n),
        }
    }
    if out.len() == 1 {
        return out.pop().expect("one item");
    }
    if and { Node::And(out) } else { Node::Or(out) }
}

fn or_expr(i: &mut Input<'_>, ctx: Option<Field>) -> PResult<Node> {
    let mut items = vec![and_expr(i, ctx)?];
    loop {
        ws(i)?;
        let at = pos(i);
        let Some(op) = or_op(i) else { break };
        ws(i)?;
        if at_close(i) {
            return fail(at, format!("{op} needs a clause after it"));
        }
        items.push(and_expr(i, ctx)?);
    }
    Ok(flatten(items, false))
}

fn and_expr(i: &mut Input<'_>, ctx: Option<Field>) -> PResult<Node> {
    let mut items = vec![unary(i, ctx)?];
    loop {
        ws(i)?;
        if at_close(i) {
            break;
        }
        let cp = i.checkpoint();
        if or_op(i).is_some() {
            i.reset(&cp);
            break;
        }
        let at = pos(i);
        if let Some(op) = and_op(i) {
            ws(i)?;
            if at_close(i) {
                return fail(at, format!("{op} needs a clause after it"));
            }
        }
        items.push(unary(i, ctx)?);
    }
    Ok(flatten(items, true))
}

fn unary(i: &mut Input<'_>, ctx: Option<Field>) -> PResult<Node> {
    let at = pos(i);
    let not = if keyword(i, "NOT") {
        Some("NOT")
    } else if i.starts_with('!') {
        i.next_slice(1);
        Some("'!'")
    } else {
        None
    };
    if let Some(op) = not {
        ws(i)?;
        if at_close(i) {
            return fail(at, format!("{op} needs a clause after it"));
        }
        return Ok(Node::Not(Box::new(unary(i, ctx)?)));
    }
    if let Some(sign) = opt(winnow::token::one_of(['-', '+'])).parse_next(i)? {
        if i.chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == ')')
        {
            return fail(
                at,
                format!("'{sign}' must be followed directly by a clause, as in {sign}液冷"),
            );
        }
        let inner = unary(i, ctx)?;
        return Ok(if sign == '-' {
            Node::Not(Box::new(inner))
        } else {
            inner
        });
    }
    primary(i, ctx)
}

fn primary(i: &mut Input<'_>, ctx: Option<Field>) -> PResult<Node> {
    let start = pos(i);
    if i.starts_with('(') {
        return group(i, ctx);
    }
    if i.starts_with(')') {
        return fail(start, "')' without '('");
    }
    for op in ["&&", "||"] {
        if i.starts_with(op) {
            return fail(start, format!("'{op}' needs a clause before it"));
        }
    }
    for kw in ["AND", "OR"] {
        let cp = i.checkpoint();
        if keyword(i, kw) {
            i.reset(&cp);
            return fail(start, format!("{kw} needs a clause before it"));
        }
    }
    let cp = i.checkpoint();
    let prefix: PResult<&str> = terminated(
        take_while(1.., |c: char| c.is_ascii_alphabetic() || c == '_'),
        ':',
    )
    .parse_next(i);
    match prefix {
        Ok(name) => {
            let Some(field) = Field::lookup(name) else {
                return fail(
                    start,
                    format!(
                        "unknown field {name:?}; the fields are {} (to search for the word, quote it or write \\:)",
                        FIELD_NAMES.map(|(n, _)| n).join(", ")
                    ),
                );
            };
            if i.chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == ')')
            {
                return fail(
                    start,
                    format!("{name}: needs a value right after the colon"),
                );
            }
            if i.starts_with('(') {
                return group(i, Some(field));
            }
            value(i, Some(field), start)
        }
        Err(_) => {
            i.reset(&cp);
            value(i, ctx, start)
        }
    }
}

fn group(i: &mut Input<'_>, ctx: Option<Field>) -> PResult<Node> {
    let open = pos(i);
    literal('(').void().parse_next(i)?;
    ws(i)?;
    if i.is_empty() {
        return fail(open, "'(' without ')'");
    }
    if i.starts_with(')') {
        return fail(open, "empty parentheses");
    }
    let n = or_expr(i, ctx)?;
    ws(i)?;
    if !i.starts_with(')') {
        return fail(open, "'(' without ')'");
    }
    literal(')').void().parse_next(i)?;
    Ok(n)
}

fn leaf(field: Option<Field>, value: Value, start: usize, i: &Input<'_>) -> Node {
    Node::Leaf(Leaf {
        field,
        value,
        span: start..pos(i),
    })
}

fn value(i: &mut Input<'_>, field: Option<Field>, start: usize) -> PResult<Node> {
    if i.starts_with('"') {
        let (text, slop) = phrase(i)?;
        if field == Some(Field::Published) {
            let Some((from, to)) = period(&text) else {
                return fail(start, not_a_date(&text));
            };
            return Ok(leaf(
                field,
                Value::Range {
                    from: Some(from),
                    to: Some(to),
                },
                start,
                i,
            ));
        }
        return Ok(leaf(field, Value::Phrase { text, slop }, start, i));
    }
    if field == Some(Field::Published) && i.starts_with(['[', '{', '>', '<']) {
        let (from, to) = range(i)?;
        return Ok(leaf(field, Value::Range { from, to }, start, i));
    }
    let at = pos(i);
    let w = word(i, &[])?;
    if w.is_empty() {
        return fail(at, "expected a word, a \"phrase\" or '('");
    }
    if field == Some(Field::Published) {
        let Some((from, to)) = period(&w) else {
            return fail(start, not_a_date(&w));
        };
        return Ok(leaf(
            field,
            Value::Range {
                from: Some(from),
                to: Some(to),
            },
            start,
            i,
        ));
    }
    Ok(leaf(field, Value::Word(w), start, i))
}

fn not_a_date(v: &str) -> String {
    format!(
        "published: {v:?} is not a date (use 2026-07, 2026-07-03, [2026-07-01 TO 2026-07-31], >=2026-07-01 or <2026-08-01)"
    )
}

/// A word: up to white space, a parenthesis, a quote, `&&`, `||` or a
/// character of `stop`; `\` escapes the next character.
fn word(i: &mut Input<'_>, stop: &[char]) -> PResult<String> {
    let mut out = String::new();
    while let Some(c) = i.chars().next() {
        if ends_word(c) || stop.contains(&c) || i.starts_with("&&") || i.starts_with("||") {
            break;
        }
        let at = pos(i);
        any.void().parse_next(i)?;
        if c == '\\' {
            match opt(any).parse_next(i)? {
                Some(e) => out.push(e),
                None => return fail(at, "'\\' at the end of the query escapes nothing"),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// `"..."` with `\"` escapes, then an optional `~N` slop.
fn phrase(i: &mut Input<'_>) -> PResult<(String, u32)> {
    let open = pos(i);
    literal('"').void().parse_next(i)?;
    let mut text = String::new();
    loop {
        let Some(c) = opt(any).parse_next(i)? else {
            return fail(open, "'\"' without a closing '\"'");
        };
        match c {
            '"' => break,
            '\\' => match opt(any).parse_next(i)? {
                Some(e) => text.push(e),
                None => return fail(open, "'\"' without a closing '\"'"),
            },
            c => text.push(c),
        }
    }
    if text.trim().is_empty() {
        return fail(open, "empty phrase");
    }
    let mut slop = 0;
    if i.starts_with('~') {
        let at = pos(i);
        literal('~').void().parse_next(i)?;
        let digits: &str = take_while(0.., |c: char| c.is_ascii_digit()).parse_next(i)?;
        slop = match digits.parse::<u32>() {
            Ok(n) if n <= 1000 => n,
            _ => return fail(at, "'~' after a phrase needs a number of words (0 to 1000)"),
        };
    }
    Ok((text, slop))
}

/// `[a TO b]`, `{a TO b}` (mixed brackets allowed, `*` open), or a
/// comparison `>=a`, `>a`, `<=a`, `<a`: the interval from <= t < to.
fn range(i: &mut Input<'_>) -> PResult<(Option<i64>, Option<i64>)> {
    let start = pos(i);
    for op in [">=", "<=", ">", "<"] {
        if i.starts_with(op) {
            i.next_slice(op.len());
            let at = pos(i);
            let v = word(i, &[])?;
            let Some((s, e)) = period(&v) else {
                return fail(at, not_a_date(&v));
            };
            return Ok(match op {
                ">=" => (Some(s), None),
                ">" => (Some(e), None),
                "<=" => (None, Some(e)),
                _ => (None, Some(s)),
            });
        }
    }
    let inclusive_from = i.starts_with('[');
    any.void().parse_next(i)?;
    let bound = |i: &mut Input<'_>| -> PResult<Option<(i64, i64)>> {
        ws(i)?;
        let at = pos(i);
        let v = word(i, &[']', '}'])?;
        if v == "*" {
            return Ok(None);
        }
        if v.is_empty() {
            return fail(at, "expected a date or * in the range");
        }
        match period(&v) {
            Some(p) => Ok(Some(p)),
            None => fail(at, not_a_date(&v)),
        }
    };
    let from = bound(i)?;
    ws(i)?;
    if !keyword(i, "TO") {
        return fail(pos(i), "expected TO between the dates of the range");
    }
    let to = bound(i)?;
    ws(i)?;
    let inclusive_to = match opt(winnow::token::one_of([']', '}'])).parse_next(i)? {
        Some(c) => c == ']',
        None => {
            let open = if inclusive_from { '[' } else { '{' };
            return fail(start, format!("'{open}' without ']' or '}}'"));
        }
    };
    Ok((
        from.map(|(s, e)| if inclusive_from { s } else { e }),
        to.map(|(s, e)| if inclusive_to { e } else { s }),
    ))
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

const CHINA: i64 = 8 * 3600;

/// Midnight in China (+08:00) of a civil date, in seconds since the epoch.
fn china_midnight(y: i64, m: i64, d: i64) -> i64 {
    days_from_civil(y, m, d) * 86_400 - CHINA
}

/// A time as RFC 3339 in China time.
pub fn china_time(secs: i64) -> String {
    let local = secs + CHINA;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// The period a date names, `[start, end)` in seconds: a year (`2026`), a
/// month (`2026-07`), a day (`2026-07-03`, also with `/`), all in China
/// time, or one second for a time (RFC 3339, or any date format the
/// extractor reads).
pub fn period(v: &str) -> Option<(i64, i64)> {
    let parts: Vec<&str> = v.split(['-', '/']).collect();
    if parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return civil_period(&parts);
    }
    let t = ticai_extract::parse_date(v, None)?.timestamp();
    if v.contains([':', 'T']) {
        Some((t, t + 1))
    } else {
        Some((t, t + 86_400))
    }
}

/// `[start, end)` of `yyyy`, `yyyy-mm` or `yyyy-mm-dd` (digits only).
fn civil_period(parts: &[&str]) -> Option<(i64, i64)> {
    let y: i64 = match parts.first() {
        Some(y) if y.len() == 4 => y.parse().ok()?,
        _ => return None,
    };
    let small = |s: &str| -> Option<i64> { (s.len() <= 2).then(|| s.parse().ok()).flatten() };
    match parts {
        [_] => Some((china_midnight(y, 1, 1), china_midnight(y + 1, 1, 1))),
        [_, m] => {
            let m = small(m).filter(|m| (1..=12).contains(m))?;
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Some((china_midnight(y, m, 1), china_midnight(ny, nm, 1)))
        }
        [_, m, d] => {
            let m = small(m).filter(|m| (1..=12).contains(m))?;
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            let days = days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1);
            let d = small(d).filter(|d| (1..=days).contains(d))?;
            let s = china_midnight(y, m, d);
            Some((s, s + 86_400))
        }
        _ => None,
    }
}

/// Ids of `candidates` close to `word` (edit distance, or one inside the
/// other), closest first, at most five.
pub fn close_matches<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let w = word.to_lowercase();
    let limit = (w.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = edit_distance(&w, &c.to_lowercase());
            let inside = w.len() >= 3 && (c.contains(w.as_str()) || w.contains(c));
            (d <= limit || inside).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, c)| c).collect()
}

/// Levenshtein distance over characters (for "closest known" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn escape_word(w: &str, out: &mut String) {
    for (k, c) in w.chars().enumerate() {
        if ends_word(c)
            || matches!(c, '\\' | ':' | '&' | '|' | '[' | '{' | '>' | '<')
            || (k == 0 && matches!(c, '-' | '+' | '!'))
        {
            out.push('\\');
        }
        out.push(c);
    }
}

impl fmt::Display for Leaf {
    /// The clause in canonical syntax (parses back to the same clause).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        if let Some(field) = self.field {
            s.push_str(field.name());
            s.push(':');
        }
        match &self.value {
            Value::Word(w) if matches!(w.as_str(), "AND" | "OR" | "NOT") => {
                s.push('"');
                s.push_str(w);
                s.push('"');
            }
            Value::Word(w) => escape_word(w, &mut s),
            Value::Phrase { text, slop } => {
                s.push('"');
                for c in text.chars() {
                    if matches!(c, '"' | '\\') {
                        s.push('\\');
                    }
                    s.push(c);
                }
                s.push('"');
                if *slop > 0 {
                    s.push_str(&format!("~{slop}"));
                }
            }
            Value::Range { from, to } => {
                let from = from.map_or("*".to_string(), china_time);
                let to = to.map_or("*".to_string(), china_time);
                s.push_str(&format!("[{from} TO {to}}}"));
            }
        }
        f.write_str(&s)
    }
}

impl fmt::Display for Node {
    /// The tree in canonical syntax: explicit AND, OR, NOT and parentheses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, v: &[Node], op: &str| -> fmt::Result {
            f.write_str("(")?;
            for (k, n) in v.iter().enumerate() {
                if k > 0 {
                    write!(f, " {op} ")?;
                }
                write!(f, "{n}")?;
            }
            f.write_str(")")
        };
        match self {
            Node::And(v) => join(f, v, "AND"),
            Node::Or(v) => join(f, v, "OR"),
            Node::Not(n) => write!(f, "NOT {n}"),
            Node::Leaf(l) => write!(f, "{l}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> String {
        parse(q).unwrap().map(|n| n.to_string()).unwrap_or_default()
    }

    fn err(q: &str) -> (usize, String) {
        let e = parse(q).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn precedence_and_operators() {
        assert_eq!(p(""), "");
        assert_eq!(p("  a  "), "a");
        assert_eq!(p("a b"), "(a AND b)");
        assert_eq!(p("a OR b c"), "(a OR (b AND c))");
        assert_eq!(p("a b OR c"), "((a AND b) OR c)");
        assert_eq!(p("NOT a b"), "(NOT a AND b)");
        assert_eq!(p("a AND NOT b"), "(a AND NOT b)");
        assert_eq!(p("a NOT b"), "(a AND NOT b)");
        assert_eq!(p("a -b"), "(a AND NOT b)");
        assert_eq!(p("a && !b"), "(a AND NOT b)");
        assert_eq!(p("a&&!b"), "(a AND NOT b)");
        assert_eq!(p("a || b"), "(a OR b)");
        assert_eq!(p("+a -b"), "(a AND NOT b)");
        assert_eq!(p("a AND (NOT b)"), "(a AND NOT b)");
        assert_eq!(p("(a OR b) AND NOT c"), "((a OR b) AND NOT c)");
        assert_eq!(p("a OR b OR c"), "(a OR b OR c)");
        assert_eq!(p("(a b) c"), "(a AND b AND c)");
        assert_eq!(p("--a"), "NOT NOT a");
        assert_eq!(p("NOT NOT a"), "NOT NOT a");
        // lower case operators and inner dashes are words
        assert_eq!(p("a and b"), "(a AND and AND b)");
        assert_eq!(p("A-share"), "A-share");
        assert_eq!(p("\"AND\""), "\"AND\"");
    }

    #[test]
    fn fields_phrases_and_escapes() {
        assert_eq!(p("title:液冷"), "title:液冷");
        assert_eq!(p("themes:supernode"), "theme:supernode");
        assert_eq!(p("title:(a OR b) c"), "((title:a OR title:b) AND c)");
        assert_eq!(p("\"超节点 万卡\"~2"), "\"超节点 万卡\"~2");
        assert_eq!(p("source:\"Foo Bar\""), "source:\"Foo Bar\"");
        assert_eq!(p("10:30"), "10\\:30");
        assert_eq!(p("http\\://x"), "http\\://x");
        assert_eq!(p("a\\(b"), "a\\(b");
    }

    #[test]
    fn published_periods_in_china_time() {
        let range = |q: &str| match parse(q).unwrap().unwrap() {
            Node::Leaf(Leaf {
                value: Value::Range { from, to },
                ..
            }) => (from.map(china_time), to.map(china_time)),
            n => panic!("{n:?}"),
        };
        let t = |s: &str| Some(s.to_string());
        assert_eq!(
            range("published:2026-07"),
            (
                t("2026-07-01T00:00:00+08:00"),
                t("2026-08-01T00:00:00+08:00")
            )
        );
        assert_eq!(
            range("published:2026-12"),
            (
                t("2026-12-01T00:00:00+08:00"),
                t("2027-01-01T00:00:00+08:00")
            )
        );
        assert_eq!(
            range("published:2026-07-03"),
            (
                t("2026-07-03T00:00:00+08:00"),
                t("2026-07-04T00:00:00+08:00")
            )
        );
        assert_eq!(
            range("published:[2026-07-01 TO 2026-07-31]"),
            (
                t("2026-07-01T00:00:00+08:00"),
                t("2026-08-01T00:00:00+08:00")
            )
        );
        assert_eq!(
            range("published:{2026-07-01 TO 2026-07-31}"),
            (
                t("2026-07-02T00:00:00+08:00"),
                t("2026-07-31T00:00:00+08:00")
            )
        );
        assert_eq!(
            range("published:[* TO 2026-07]"),
            (None, t("2026-08-01T00:00:00+08:00"))
        );
        assert_eq!(
            range("published:>=2026-07-01"),
            (t("2026-07-01T00:00:00+08:00"), None)
        );
        assert_eq!(
            range("published:>2026-07-01"),
            (t("2026-07-02T00:00:00+08:00"), None)
        );
        assert_eq!(
            range("published:<2026-08-01"),
            (None, t("2026-08-01T00:00:00+08:00"))
        );
        assert_eq!(
            range("published:<=2026-07"),
            (None, t("2026-08-01T00:00:00+08:00"))
        );
        assert_eq!(
            range("published:2028-02-29").0,
            t("2028-02-29T00:00:00+08:00")
        );
        assert_eq!(
            range("published:2026-07-03T10:00:00+08:00"),
            (
                t("2026-07-03T10:00:00+08:00"),
                t("2026-07-03T10:00:01+08:00")
            )
        );
        // the canonical form parses back to the same interval
        let q = p("published:[2026-07-01 TO 2026-07-31]");
        assert_eq!(
            range(&q),
            (
                t("2026-07-01T00:00:00+08:00"),
                t("2026-08-01T00:00:00+08:00")
            )
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(err("英伟达 AND 液冷)"), (11, "')' without '('".into()));
        assert_eq!(err("a (b OR c"), (3, "'(' without ')'".into()));
        assert_eq!(err("title:(超节点"), (7, "'(' without ')'".into()));
        assert_eq!(err("a AND"), (3, "AND needs a clause after it".into()));
        assert_eq!(err("a OR"), (3, "OR needs a clause after it".into()));
        assert_eq!(err("OR a"), (1, "OR needs a clause before it".into()));
        assert_eq!(
            err("a || || b"),
            (6, "'||' needs a clause before it".into())
        );
        assert_eq!(err("NOT"), (1, "NOT needs a clause after it".into()));
        assert_eq!(err("a ()"), (3, "empty parentheses".into()));
        assert_eq!(err("a \"b c"), (3, "'\"' without a closing '\"'".into()));
        assert_eq!(err("a - b").0, 3);
        assert_eq!(err("title: x").0, 1);
        let (col, msg) = err("a foo:bar");
        assert_eq!(col, 3);
        assert!(
            msg.contains("unknown field \"foo\"") && msg.contains("title, body"),
            "{msg}"
        );
        let (col, msg) = err("published:2026-13");
        assert_eq!(col, 1);
        assert!(msg.contains("not a date"), "{msg}");
        assert_eq!(
            err("published:[2026-01 2026-02]").1,
            "expected TO between the dates of the range"
        );
        assert_eq!(err("published:[2026-01 TO 2026-02").0, 11);
        assert_eq!(err("x\\").1, "'\\' at the end of the query escapes nothing");
        // columns count characters, not bytes
        let e = parse("液冷)").unwrap_err();
        assert_eq!(e.column, 3);
        assert_eq!(
            e.to_string(),
            "invalid query \"液冷)\" at column 3: ')' without '('"
        );
        assert_eq!(e.to_json()["detail"]["column"], 3);
    }

    #[test]
    fn close_ids() {
        let ids = ["supernode", "wanka-cluster", "liquid-cooling", "ai-compute"];
        assert_eq!(close_matches("supernod", ids), ["supernode"]);
        assert_eq!(close_matches("cooling", ids), ["liquid-cooling"]);
        assert!(close_matches("zzzzzzzz", ids).is_empty());
    }
}
