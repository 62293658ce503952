//! From ticai's query tree ([`crate::query`]) to tantivy queries, the
//! filters of a [`SearchRequest`], and `--explain`.

use crate::query::{self, Leaf, Node, QueryError, Value};
use crate::{IndexError, Result, SearchRequest, TicaiIndex, tantivy_err};
use serde::Serialize;
use std::ops::Bound;
use tantivy::collector::Count;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EnableScoring, ExistsQuery, Occur, PhraseQuery, Query,
    RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::Token;
use tantivy::{DateTime, DocId, DocSet, Score, SegmentReader, Term};

/// Title matches weigh double, as they always have.
pub const TITLE_BOOST: f32 = 2.0;

/// One clause of `--explain`: what was written, what it became after
/// analysis, and how many documents it matches on its own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExplainNode {
    /// and, or, not; term, phrase (text fields); theme, company, source, id,
    /// published.
    pub kind: String,
    /// The clause as written (a group: in canonical syntax).
    pub text: String,
    /// What the index is asked for: analyzed terms, a canonical company
    /// name, a time interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analyzed: Option<String>,
    /// Index fields searched (text clauses), with boosts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Documents this clause matches on its own.
    pub matches: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ExplainNode>,
}

/// What `ticai search --explain` prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub query: String,
    /// The query in canonical syntax: explicit AND, OR, NOT and parentheses.
    pub parsed: String,
    /// None for an empty query (every document).
    pub tree: Option<ExplainNode>,
    /// The request's filters (--theme, --company, --source, --since, --until).
    pub filters: Vec<ExplainNode>,
    /// Documents matching the query and every filter.
    pub total: u64,
    /// Documents in the index.
    pub documents: u64,
}

/// A request filter: its kind, its value as shown, its query.
pub(crate) type Filter = (&'static str, String, Box<dyn Query>);

struct LeafInfo {
    kind: &'static str,
    analyzed: String,
    fields: Vec<String>,
}

fn term_query(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn date_bound(field: Field, secs: Option<i64>, inclusive: bool) -> Bound<Term> {
    match secs {
        None => Bound::Unbounded,
        Some(s) => {
            let t = Term::from_field_date(field, DateTime::from_timestamp_secs(s));
            if inclusive {
                Bound::Included(t)
            } else {
                Bound::Excluded(t)
            }
        }
    }
}

fn not(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(AllQuery)),
        (Occur::MustNot, Box::new(Excluded(q))),
    ]))
}

/// An excluded clause. An exclusion starts by asking its excluded set about
/// the first candidate, which may lie before the set's own first match:
/// tantivy's phrase scorer asserts it is never sought backwards (tantivy
/// issue 2811) and panics in debug builds. This wrapper answers such seeks
/// itself (the current document is the answer) and forwards the rest.
#[derive(Debug)]
struct Excluded(Box<dyn Query>);

impl Clone for Excluded {
    fn clone(&self) -> Self {
        Excluded(self.0.box_clone())
    }
}

impl Query for Excluded {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ExcludedWeight(Box<dyn Weight>);

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardOnly(self.0.scorer(reader, boost)?)))
    }

    fn explain(
        &self,
        reader: &SegmentReader,
        doc: DocId,
    ) -> tantivy::Result<tantivy::query::Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardOnly(Box<dyn Scorer>);

impl DocSet for ForwardOnly {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if target <= doc {
            doc
        } else {
            self.0.seek(target)
        }
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for ForwardOnly {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

impl TicaiIndex {
    /// The tantivy query for a tree parsed from `q`.
    pub(crate) fn compile(&self, q: &str, node: &Node) -> Result<Box<dyn Query>> {
        Ok(match node {
            Node::Leaf(l) => self.leaf_query(q, l)?.0,
            Node::Not(inner) => not(self.compile(q, inner)?),
            Node::And(items) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(items.len());
                let mut positive = false;
                for n in items {
                    match n {
                        Node::Not(inner) => clauses
                            .push((Occur::MustNot, Box::new(Excluded(self.compile(q, inner)?)))),
                        n => {
                            positive = true;
                            clauses.push((Occur::Must, self.compile(q, n)?));
                        }
                    }
                }
                // only exclusions: everything minus the excluded sets
                if !positive {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Or(items) => Box::new(BooleanQuery::new(
                items
                    .iter()
                    .map(|n| Ok((Occur::Should, self.compile(q, n)?)))
                    .collect::<Result<Vec<_>>>()?,
            )),
        })
    }

    /// The text clauses that are not negated, for highlighting snippets.
    pub(crate) fn snippet_query(&self, q: &str, node: &Node) -> Box<dyn Query> {
        fn walk(
            index: &TicaiIndex,
            q: &str,
            node: &Node,
            negated: bool,
            out: &mut Vec<(Occur, Box<dyn Query>)>,
        ) {
            match node {
                Node::Leaf(l) if !negated && l.field.is_none_or(query::Field::is_text) => {
                    if let Ok((query, _)) = index.leaf_query(q, l) {
                        out.push((Occur::Should, query));
                    }
                }
                Node::Leaf(_) => {}
                Node::Not(n) => walk(index, q, n, !negated, out),
                Node::And(v) | Node::Or(v) => {
                    for n in v {
                        walk(index, q, n, negated, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(self, q, node, false, &mut out);
        Box::new(BooleanQuery::new(out))
    }

    fn leaf_query(&self, q: &str, leaf: &Leaf) -> Result<(Box<dyn Query>, LeafInfo)> {
        let f = self.fields;
        let err = |message: String| IndexError::from(QueryError::at(q, leaf.span.start, message));
        let field_name = leaf.field.map_or("", query::Field::name);
        let (text, slop) = match &leaf.value {
            Value::Word(w) => (w.as_str(), 0),
            Value::Phrase { text, slop } => (text.as_str(), *slop),
            Value::Range { from, to } => {
                if leaf.field != Some(query::Field::Published) {
                    return Err(err(format!("{field_name}: does not take a range")));
                }
                let show = |t: Option<i64>| t.map(query::china_time);
                let analyzed = match (show(*from), show(*to)) {
                    (Some(a), Some(b)) => format!("{a} <= published < {b}"),
                    (Some(a), None) => format!("published >= {a}"),
                    (None, Some(b)) => format!("published < {b}"),
                    (None, None) => "any publication time".into(),
                };
                let query: Box<dyn Query> = if from.is_none() && to.is_none() {
                    // tantivy's range query needs one bound to know its field
                    Box::new(ExistsQuery::new("published_at".into(), false))
                } else {
                    Box::new(RangeQuery::new(
                        date_bound(f.published_at, *from, true),
                        date_bound(f.published_at, *to, false),
                    ))
                };
                return Ok((
                    query,
                    LeafInfo {
                        kind: "published",
                        analyzed,
                        fields: vec![],
                    },
                ));
            }
        };
        let exact = |kind: &'static str, field: Field, value: &str| {
            (
                term_query(field, value),
                LeafInfo {
                    kind,
                    analyzed: value.to_string(),
                    fields: vec![],
                },
            )
        };
        match leaf.field {
            None | Some(query::Field::Title) | Some(query::Field::Body) => {}
            Some(query::Field::Source) => return Ok(exact("source", f.source, text)),
            Some(query::Field::Id) => return Ok(exact("id", f.id, text)),
            Some(query::Field::Theme) => {
                self.check_theme(text).map_err(err)?;
                return Ok(exact("theme", f.themes, text));
            }
            Some(query::Field::Company) => {
                let analyzed = self
                    .tokenizer
                    .canonical_company(text)
                    .unwrap_or(text)
                    .to_string();
                return Ok((
                    self.company_filter(text),
                    LeafInfo {
                        kind: "company",
                        analyzed,
                        fields: vec![],
                    },
                ));
            }
            Some(query::Field::Published) => {
                return Err(err(format!("published: {text:?} is not a date")));
            }
        }
        let forms = self.tokenizer.query_forms(text);
        let tokens = &forms[0];
        if tokens.is_empty() {
            return Err(err(format!(
                "{text:?} has no searchable word (punctuation and one-character function words such as 的 are not indexed)"
            )));
        }
        let fields: Vec<Field> = match leaf.field {
            Some(query::Field::Title) => vec![f.title],
            Some(query::Field::Body) => vec![f.body],
            _ => vec![f.title, f.body],
        };
        let one_form = |tokens: &[Token]| -> Box<dyn Query> {
            let mut per_field: Vec<(Occur, Box<dyn Query>)> = fields
                .iter()
                .map(|&field| {
                    let query: Box<dyn Query> = if let [t] = tokens {
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, &t.text),
                            IndexRecordOption::WithFreqs,
                        ))
                    } else {
                        Box::new(PhraseQuery::new_with_offset_and_slop(
                            tokens
                                .iter()
                                .map(|t| (t.position, Term::from_field_text(field, &t.text)))
                                .collect(),
                            slop,
                        ))
                    };
                    let query: Box<dyn Query> = if field == f.title {
                        Box::new(BoostQuery::new(query, TITLE_BOOST))
                    } else {
                        query
                    };
                    (Occur::Should, query)
                })
                .collect();
            if per_field.len() == 1 {
                per_field.pop().expect("one field").1
            } else {
                Box::new(BooleanQuery::new(per_field))
            }
        };
        // Taiwan and Hong Kong vocabulary: 伺服器 also finds 服务器
        let query: Box<dyn Query> = if forms.len() == 1 {
            one_form(tokens)
        } else {
            Box::new(BooleanQuery::new(
                forms
                    .iter()
                    .map(|form| (Occur::Should, one_form(form)))
                    .collect(),
            ))
        };
        let show = |tokens: &[Token]| {
            let words: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
            match (words.len(), slop) {
                (1, _) => words[0].to_string(),
                (_, 0) => format!("\"{}\"", words.join(" ")),
                _ => format!("\"{}\"~{slop}", words.join(" ")),
            }
        };
        let info = LeafInfo {
            kind: if tokens.len() == 1 { "term" } else { "phrase" },
            analyzed: forms
                .iter()
                .map(|f| show(f))
                .collect::<Vec<_>>()
                .join(" OR "),
            fields: vec![],
        };
        let fields = fields
            .iter()
            .map(|&x| {
                if x == f.title {
                    format!("title^{TITLE_BOOST}")
                } else {
                    "body".to_string()
                }
            })
            .collect();
        Ok((query, LeafInfo { fields, ..info }))
    }

    /// An error naming close ids when `id` is not a theme of the lexicon.
    fn check_theme(&self, id: &str) -> std::result::Result<(), String> {
        let tagger = self.tokenizer.tagger();
        if tagger.theme_ids().any(|t| t == id) {
            return Ok(());
        }
        let close = query::close_matches(id, tagger.theme_ids());
        Err(if close.is_empty() {
            format!("unknown theme id {id:?} (`ticai lexicon themes` lists them)")
        } else {
            format!(
                "unknown theme id {id:?}; close: {} (`ticai lexicon themes` lists them all)",
                close.join(", ")
            )
        })
    }

    /// The request's filters (all required), each with its kind and value.
    pub(crate) fn filter_clauses(&self, req: &SearchRequest) -> Result<Vec<Filter>> {
        let f = self.fields;
        let mut out: Vec<Filter> = Vec::new();
        for t in &req.themes {
            self.check_theme(t)
                .map_err(|m| IndexError::Request(format!("theme filter: {m}")))?;
            out.push(("theme", t.clone(), term_query(f.themes, t)));
        }
        for c in &req.companies {
            out.push(("company", c.clone(), self.company_filter(c)));
        }
        if !req.sources.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = req
                .sources
                .iter()
                .map(|s| (Occur::Should, term_query(f.source, s)))
                .collect();
            out.push((
                "source",
                req.sources.join(" OR "),
                Box::new(BooleanQuery::new(any)),
            ));
        }
        if req.since.is_some() || req.until.is_some() {
            let secs = |d: Option<DateTime>| d.map(|d| d.into_timestamp_secs());
            let (since, until) = (secs(req.since), secs(req.until));
            let text = match (since, until) {
                (Some(a), Some(b)) => format!(
                    "{} <= published <= {}",
                    query::china_time(a),
                    query::china_time(b)
                ),
                (Some(a), None) => format!("published >= {}", query::china_time(a)),
                (None, b) => format!("published <= {}", query::china_time(b.unwrap_or(0))),
            };
            let range = RangeQuery::new(
                date_bound(f.published_at, since, true),
                date_bound(f.published_at, until, true),
            );
            out.push(("published", text, Box::new(range)));
        }
        Ok(out)
    }

    /// The parsed query, the analyzed terms and document counts of every
    /// clause and filter.
    pub fn explain(&self, req: &SearchRequest) -> Result<Explanation> {
        let searcher = self.searcher()?;
        let count = |q: &dyn Query| -> Result<u64> {
            searcher
                .search(q, &Count)
                .map(|n| n as u64)
                .map_err(tantivy_err(&self.path))
        };
        let parsed = query::parse(&req.query)?;
        let tree = parsed
            .as_ref()
            .map(|n| self.explain_node(&req.query, n, &count))
            .transpose()?;
        let mut filters = Vec::new();
        for (kind, text, q) in self.filter_clauses(req)? {
            filters.push(ExplainNode {
                kind: kind.to_string(),
                text,
                analyzed: None,
                fields: vec![],
                matches: count(&*q)?,
                children: vec![],
            });
        }
        let total = count(&*self.build_query(req)?.0)?;
        Ok(Explanation {
            query: req.query.clone(),
            parsed: parsed.as_ref().map(Node::to_string).unwrap_or_default(),
            tree,
            filters,
            total,
            documents: searcher.num_docs(),
        })
    }

    fn explain_node(
        &self,
        q: &str,
        node: &Node,
        count: &dyn Fn(&dyn Query) -> Result<u64>,
    ) -> Result<ExplainNode> {
        let matches = count(&*self.compile(q, node)?)?;
        let (kind, children) = match node {
            Node::Leaf(l) => {
                let (_, info) = self.leaf_query(q, l)?;
                return Ok(ExplainNode {
                    kind: info.kind.to_string(),
                    text: q.get(l.span.clone()).unwrap_or_default().to_string(),
                    analyzed: Some(info.analyzed),
                    fields: info.fields,
                    matches,
                    children: vec![],
                });
            }
            Node::Not(n) => ("not", vec![self.explain_node(q, n, count)?]),
            Node::And(v) | Node::Or(v) => (
                if matches!(node, Node::And(_)) {
                    "and"
                } else {
                    "or"
                },
                v.iter()
                    .map(|n| self.explain_node(q, n, count))
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        Ok(ExplainNode {
            kind: kind.to_string(),
            text: node.to_string(),
            analyzed: None,
            fields: vec![],
            matches,
            children,
        })
    }
}
