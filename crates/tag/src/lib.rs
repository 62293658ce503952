//! The tagger: finds themes and companies in a [`Document`].
//!
//! Every lexicon term is compiled through the same [`Normalizer`] as the
//! text, so a traditional or full-width alias matches either script. Over the
//! normalized text, one Aho-Corasick automaton reports every occurrence of
//! every term; a match is valid when
//! * its CJK ends sit on jieba token boundaries (华为 in 中华为了 is not a
//!   mention; 金融街 in 金融街控股 is), with lexicon words injected into the
//!   segmenter; only the jieba block around a candidate is segmented, which
//!   gives exactly the boundaries a full segmentation would;
//! * its Latin ends are word boundaries (ASIC not in BASIC, CPO not in CPOS),
//!   compared ASCII case-insensitively;
//! * no `exclude` phrase of its entity covers it.
//!
//! Among valid matches the leftmost-longest win. Stock codes (`寒武纪(688256)`,
//! `sz300308`, `600519.SH`) link to companies; a code right after a name
//! merges with it into one mention, and an unknown name followed by a valid
//! code is still reported (reason `code`).
//!
//! ```
//! use ticai_lexicon::{Lexicon, SourceFile};
//! use ticai_model::Document;
//! let lexicon = Lexicon::from_files(&[SourceFile {
//!     path: "themes/ai.toml".into(),
//!     text: "[[theme]]\nid = \"supernode\"\nname_zh = \"超节点\"\nname_en = \"Supernode\"\n\
//!            aliases = [\"超節點\"]\ndescription = \"scale-up nodes\"\n".into(),
//! }]);
//! let tagger = ticai_tag::Tagger::new(&lexicon).unwrap();
//! let doc = Document { id: "d".into(), text: "國產超節點發布".into(), ..Default::default() };
//! let out = tagger.tag(&doc);
//! assert_eq!(out.themes[0].id, "supernode");
//! assert_eq!((out.themes[0].evidence[0].start, out.themes[0].evidence[0].end), (2, 5));
//! assert_eq!(out.themes[0].evidence[0].text, "超節點");
//! ```

mod codes;

pub use codes::{CodeHit, CodeScanner};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use ticai_lexicon::{CompanySource, Lexicon, Pattern};
use ticai_model::{
    CompanyHit, Document, Evidence, Exchange, Field, Reason, TaggedDocument, ThemeHit,
};
use ticai_text::{Cuts, Normalizer, Region, Segmenter, TextError, VocabEntry, is_block_char};

#[derive(Debug, thiserror::Error)]
pub enum TagError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("cannot build the term automaton: {0}")]
    Automaton(String),
}

/// What an entity is, as an index into the tagger's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Entity {
    Theme(u32),
    Company(u32),
}

/// One meaning of a term.
#[derive(Clone, Copy, Debug)]
struct Target {
    entity: Entity,
    reason: Reason,
    /// Index into `Tagger::terms`: the alias as the lexicon writes it.
    term: u32,
}

struct ThemeMeta {
    id: String,
    name: String,
    name_en: String,
}

struct CompanyMeta {
    name: String,
    code: Option<String>,
    exchange: Option<Exchange>,
    strict: bool,
    /// Themes the company is a pure play of (indexes into `themes`).
    implies: Vec<u32>,
}

/// Who a mention is about.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Who {
    Known(Entity),
    /// A company the lexicon does not know, named before a valid code.
    Unlisted {
        name: String,
        code: String,
        exchange: Exchange,
    },
}

/// A mention in normalized byte offsets, before it becomes evidence.
#[derive(Clone, Debug)]
struct RawMention {
    who: Who,
    span: Range<usize>,
    term: String,
    reason: Reason,
    /// A stock code follows the name and is part of the span.
    with_code: bool,
    /// For a theme implied by a company (reason `company`): the company.
    implied_by: Option<u32>,
}

/// How companies are told apart when counting.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum CompanyKey {
    Known(u32),
    Code(Exchange, String),
}

/// The normalizer the tagger of `lexicon` uses: OpenCC and the lexicon's
/// cross-strait table.
pub fn normalizer_for(lexicon: &Lexicon) -> Result<Normalizer, TagError> {
    let vocabulary: Vec<VocabEntry> = lexicon
        .cross_strait
        .iter()
        .map(|r| VocabEntry {
            from: r.from.clone(),
            to: r.to.clone(),
            regions: r.regions.clone(),
        })
        .collect();
    Ok(Normalizer::with_vocabulary(&vocabulary)?)
}

/// A reusable tagger: build once per lexicon, share between threads.
pub struct Tagger {
    normalizer: Normalizer,
    segmenter: Segmenter,
    terms_ac: AhoCorasick,
    /// Targets of each automaton pattern, then of each theme pattern
    /// (index `regex_base + r` for `regexes[r]`).
    targets: Vec<Vec<Target>>,
    /// Theme patterns, anchored at the start of the haystack.
    regexes: Vec<regex::Regex>,
    /// For each automaton pattern, the theme patterns it anchors.
    anchored: Vec<Vec<u32>>,
    regex_base: usize,
    exclude_ac: Option<AhoCorasick>,
    exclude_targets: Vec<Vec<Entity>>,
    terms: Vec<String>,
    themes: Vec<ThemeMeta>,
    companies: Vec<CompanyMeta>,
    by_code: HashMap<(Exchange, String), u32>,
    codes: CodeScanner,
    lexicon_version: String,
    /// Whether companies imply the themes they are pure plays of.
    implied: bool,
}

/// Priority of a company term when two companies share it: curated entries
/// first, then a listing's own name, then names derived from it.
fn company_priority(source: CompanySource, is_name: bool) -> u8 {
    match (source, is_name) {
        (CompanySource::Curated, _) => 0,
        (CompanySource::Listing, true) => 1,
        (CompanySource::Listing, false) => 2,
    }
}

impl Tagger {
    pub fn new(lexicon: &Lexicon) -> Result<Tagger, TagError> {
        let normalizer = normalizer_for(lexicon)?;
        let mut terms: Vec<String> = Vec::new();
        // normalized, lower-cased key -> (pattern index)
        let mut pattern_of: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<(Target, u8)>> = Vec::new();
        let mut add = |term: &str, target: Target, priority: u8, terms: &mut Vec<String>| {
            // a term in Taiwan script matches as the mainland word it
            // converts to (記憶體 -> 内存, in converted Taiwan text) and as its
            // characters alone (光模組 -> 光模组, as mainland text writes it)
            let norm = normalizer.normalize_term(term);
            let chars = normalizer.normalize_in(term, Some(Region::Cn)).text;
            let forms = if chars == norm {
                vec![norm]
            } else {
                vec![norm, chars]
            };
            let mut term_index = None;
            for norm in forms {
                if norm.trim().is_empty() {
                    continue;
                }
                let key = norm.to_ascii_lowercase();
                let idx = *pattern_of.entry(key).or_insert_with(|| {
                    patterns.push(norm.clone());
                    targets.push(Vec::new());
                    patterns.len() - 1
                });
                let list = &mut targets[idx];
                if list.iter().any(|(t, _)| t.entity == target.entity) {
                    continue;
                }
                let term = *term_index.get_or_insert_with(|| {
                    terms.push(term.to_string());
                    (terms.len() - 1) as u32
                });
                list.push((Target { term, ..target }, priority));
            }
        };
        let mut themes = Vec::with_capacity(lexicon.themes.len());
        let mut exclude_patterns: Vec<String> = Vec::new();
        let mut exclude_targets: Vec<Vec<Entity>> = Vec::new();
        for (i, t) in lexicon.themes.iter().enumerate() {
            let entity = Entity::Theme(i as u32);
            for (k, (alias, _)) in t.aliases.iter().enumerate() {
                let reason = if k < t.names {
                    Reason::Name
                } else {
                    Reason::Alias
                };
                add(
                    alias,
                    Target {
                        entity,
                        reason,
                        term: 0,
                    },
                    0,
                    &mut terms,
                );
            }
            for (phrase, _) in &t.exclude {
                let norm = normalizer.normalize_term(phrase);
                match exclude_patterns
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(&norm))
                {
                    Some(j) => exclude_targets[j].push(entity),
                    None if !norm.is_empty() => {
                        exclude_patterns.push(norm);
                        exclude_targets.push(vec![entity]);
                    }
                    None => {}
                }
            }
            themes.push(ThemeMeta {
                id: t.id.clone(),
                name: t.name_zh.clone(),
                name_en: t.name_en.clone(),
            });
        }
        let mut companies = Vec::with_capacity(lexicon.companies.len());
        let mut by_code = HashMap::new();
        for (i, c) in lexicon.companies.iter().enumerate() {
            let entity = Entity::Company(i as u32);
            for (k, (alias, _)) in c.aliases.iter().enumerate() {
                let is_name = *alias == c.name;
                let reason = if is_name { Reason::Name } else { Reason::Alias };
                let priority = company_priority(c.source, is_name || k == 0);
                let target = Target {
                    entity,
                    reason,
                    term: 0,
                };
                add(alias, target, priority, &mut terms);
            }
            if let (Some(ex), Some(code)) = (c.exchange, &c.code) {
                by_code.entry((ex, code.clone())).or_insert(i as u32);
            }
            companies.push(CompanyMeta {
                name: c.name.clone(),
                code: c.code.clone(),
                exchange: c.exchange,
                strict: c.strict,
                implies: c
                    .themes
                    .iter()
                    .filter_map(|id| lexicon.themes.iter().position(|t| t.id == *id))
                    .map(|i| i as u32)
                    .collect(),
            });
        }
        // theme patterns: their anchors join the automaton
        let mut regexes = Vec::new();
        let mut regex_targets = Vec::new();
        let mut anchored: Vec<Vec<u32>> = Vec::new();
        for (i, t) in lexicon.themes.iter().enumerate() {
            for (src, _) in &t.patterns {
                // an invalid pattern is a lexicon error, reported on load
                let Ok(p) = Pattern::new(src) else { continue };
                let r = regexes.len() as u32;
                regexes.push(p.at_start);
                terms.push(src.clone());
                regex_targets.push(vec![Target {
                    entity: Entity::Theme(i as u32),
                    reason: Reason::Pattern,
                    term: (terms.len() - 1) as u32,
                }]);
                for a in p.anchors {
                    let idx = *pattern_of.entry(a.clone()).or_insert_with(|| {
                        patterns.push(a);
                        targets.push(Vec::new());
                        patterns.len() - 1
                    });
                    anchored.resize(patterns.len(), Vec::new());
                    anchored[idx].push(r);
                }
            }
        }
        anchored.resize(patterns.len(), Vec::new());
        // a term shared by companies goes to the highest-priority ones only
        let mut targets: Vec<Vec<Target>> = targets
            .into_iter()
            .map(|list| {
                let best = list
                    .iter()
                    .filter(|(t, _)| matches!(t.entity, Entity::Company(_)))
                    .map(|&(_, p)| p)
                    .min();
                list.into_iter()
                    .filter(|(t, p)| matches!(t.entity, Entity::Theme(_)) || Some(*p) == best)
                    .map(|(t, _)| t)
                    .collect()
            })
            .collect();
        let regex_base = targets.len();
        targets.extend(regex_targets);
        let segmenter = Segmenter::new(
            patterns
                .iter()
                .map(String::as_str)
                .filter(|p| p.chars().any(|c| is_block_char(c) && !c.is_ascii())),
        );
        // measured on the flash corpus: a contiguous NFA scans as fast as a
        // DFA (the overlapping scan is about a quarter of tag's CPU either
        // way) and builds 0.12 s faster, which every command pays at start-up
        let build = |pats: &[String]| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(pats)
                .or_else(|_| {
                    // an NFA has a size limit too; fall back to the automatic choice
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .ascii_case_insensitive(true)
                        .build(pats)
                })
                .map_err(|e| TagError::Automaton(e.to_string()))
        };
        let terms_ac = build(&patterns)?;
        let exclude_ac = if exclude_patterns.is_empty() {
            None
        } else {
            Some(build(&exclude_patterns)?)
        };
        Ok(Tagger {
            normalizer,
            segmenter,
            terms_ac,
            targets,
            regexes,
            anchored,
            regex_base,
            exclude_ac,
            exclude_targets,
            terms,
            themes,
            companies,
            by_code,
            codes: CodeScanner::new(),
            lexicon_version: lexicon.version.clone(),
            implied: true,
        })
    }

    /// Turns company-implied themes on (the default) or off: with them, a
    /// mention of a company that the lexicon lists as a pure play of a
    /// theme (its `themes` column) also counts for the theme, with reason
    /// [`Reason::Company`] on the company's span.
    pub fn set_implied(&mut self, on: bool) -> &mut Self {
        self.implied = on;
        self
    }

    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Whether `word`, already normalized, is a term of the lexicon (a
    /// theme's name or alias, a company's name or alias) or is matched
    /// whole by a theme pattern (HBM4E by `HBM\d[A-Z]?`). ASCII letters
    /// compare case-insensitively, as in matching.
    pub fn is_term(&self, word: &str) -> bool {
        !word.is_empty()
            && self.terms_ac.find_overlapping_iter(word).any(|m| {
                let pat = m.pattern().as_usize();
                m.start() == 0
                    && ((m.end() == word.len() && !self.targets[pat].is_empty())
                        || self.anchored[pat].iter().any(|&r| {
                            self.regexes[r as usize]
                                .find(word)
                                .is_some_and(|f| f.end() == word.len())
                        }))
            })
    }

    /// The mentions the tagger finds in one analyzed text (exclusions and
    /// leftmost-longest applied; company-implied themes when they are on,
    /// without the rule for lists of companies, which needs the whole
    /// item), with byte ranges in `analyzed.norm.text`: for tools that
    /// work on the normalized text, such as lexicon curation. Companies
    /// the lexicon does not know (a name before a valid code) are left out.
    pub fn mentions<'t>(&'t self, analyzed: &Analyzed) -> Vec<Mention<'t>> {
        let mut seg = SegCache::full(&analyzed.cuts);
        self.find(&analyzed.norm.text, &mut seg, &mut Work::default())
            .into_iter()
            .filter_map(|m| {
                let named = match m.who {
                    Who::Known(Entity::Theme(i)) => Named::Theme(&self.themes[i as usize].id),
                    Who::Known(Entity::Company(i)) => {
                        Named::Company(&self.companies[i as usize].name)
                    }
                    Who::Unlisted { .. } => return None,
                };
                Some(Mention {
                    named,
                    span: m.span,
                    reason: m.reason,
                })
            })
            .collect()
    }

    /// The lexicon's theme ids.
    pub fn theme_ids(&self) -> impl Iterator<Item = &str> {
        self.themes.iter().map(|t| t.id.as_str())
    }

    pub fn lexicon_version(&self) -> &str {
        &self.lexicon_version
    }

    /// Number of distinct normalized terms and theme patterns.
    pub fn pattern_count(&self) -> usize {
        self.targets.iter().filter(|t| !t.is_empty()).count()
    }

    /// Tags one document, with every evidence span.
    pub fn tag(&self, doc: &Document) -> TaggedDocument {
        self.tag_with(doc, None)
    }

    /// Tags one document, keeping the first `max_evidence` evidence spans
    /// of each tag (all when `None`); `mentions` stays exact and
    /// `evidence_total` says how many there were when spans were cut.
    /// Spans past the limit are never built (no sentence is cut out for
    /// them), so `Some(0)` costs the matching alone.
    pub fn tag_with(&self, doc: &Document, max_evidence: Option<usize>) -> TaggedDocument {
        self.tag_counted(doc, max_evidence, &mut Work::default())
    }

    /// The work [`Tagger::tag`] does on a document, for tests that check it
    /// grows linearly with the document's length.
    pub fn work(&self, doc: &Document) -> Work {
        let mut work = Work::default();
        self.tag_counted(doc, None, &mut work);
        work
    }

    /// `text` normalized (as written in `region`; `None`: detected) and cut
    /// into jieba tokens once, for the tagger ([`Tagger::tag_analyzed`]) and
    /// the index analyzer alike.
    pub fn analyze(&self, text: &str, region: Option<Region>) -> Analyzed {
        let norm = self.normalizer.normalize_in(text, region);
        let cuts = self.segmenter.cut_bits(&norm.text);
        Analyzed { norm, cuts }
    }

    /// [`Tagger::tag_with`] over texts already analyzed: `body` is
    /// `doc.text` and `title` is `doc.title`, both analyzed with
    /// `doc.region` ([`Tagger::analyze`]). The result is the same as
    /// `tag_with`'s: the full segmentation has, inside every jieba block,
    /// exactly the boundaries of the block segmented alone.
    pub fn tag_analyzed(
        &self,
        doc: &Document,
        max_evidence: Option<usize>,
        body: &Analyzed,
        title: Option<&Analyzed>,
    ) -> TaggedDocument {
        self.tag_fields(doc, max_evidence, Some(body), title, &mut Work::default())
    }

    fn tag_counted(
        &self,
        doc: &Document,
        max_evidence: Option<usize>,
        work: &mut Work,
    ) -> TaggedDocument {
        self.tag_fields(doc, max_evidence, None, None, work)
    }

    fn tag_fields(
        &self,
        doc: &Document,
        max_evidence: Option<usize>,
        body: Option<&Analyzed>,
        title: Option<&Analyzed>,
        work: &mut Work,
    ) -> TaggedDocument {
        let cap = max_evidence.unwrap_or(usize::MAX);
        let mut themes: HashMap<u32, ThemeHit> = HashMap::new();
        let mut companies: HashMap<CompanyKey, CompanyHit> = HashMap::new();
        let mut fields: Vec<(Field, &str, Option<&Analyzed>)> =
            vec![(Field::Text, &doc.text, body)];
        if doc.title_span.is_none()
            && let Some(t) = doc.title.as_deref()
        {
            fields.push((Field::Title, t, title));
        }
        let mut found = Vec::with_capacity(fields.len());
        for (field, original, analyzed) in fields {
            let (norm, mut seg) = match analyzed {
                Some(a) => (Cow::Borrowed(&a.norm), SegCache::full(&a.cuts)),
                None => (
                    Cow::Owned(self.normalizer.normalize_in(original, doc.region)),
                    SegCache::default(),
                ),
            };
            let mentions = self.find(&norm.text, &mut seg, work);
            found.push((field, original, norm, mentions));
        }
        if self.implied {
            keep_central_implied(doc, &mut found);
        }
        for (field, original, norm, mentions) in found {
            if mentions.is_empty() {
                continue;
            }
            let sentences = Sentences::new(original);
            for m in mentions {
                let (start, end) = norm.map.original_range(m.span.start, m.span.end);
                let in_title = field == Field::Title
                    || doc
                        .title_span
                        .is_some_and(|(ts, te)| start >= ts && end <= te);
                let (term, reason) = (m.term, m.reason);
                let evidence = || Evidence {
                    term,
                    start,
                    end,
                    sentence: sentences.around(start, end),
                    reason,
                    text: sentences.slice(start, end),
                    field,
                };
                let (mentions, title_flag, list) = match m.who {
                    Who::Known(Entity::Theme(i)) => {
                        let meta = &self.themes[i as usize];
                        let hit = themes.entry(i).or_insert_with(|| ThemeHit {
                            id: meta.id.clone(),
                            name: meta.name.clone(),
                            name_en: meta.name_en.clone(),
                            mentions: 0,
                            in_title: false,
                            evidence: Vec::new(),
                            evidence_total: None,
                        });
                        (&mut hit.mentions, &mut hit.in_title, &mut hit.evidence)
                    }
                    Who::Known(Entity::Company(i)) => {
                        let meta = &self.companies[i as usize];
                        let hit =
                            companies
                                .entry(CompanyKey::Known(i))
                                .or_insert_with(|| CompanyHit {
                                    name: meta.name.clone(),
                                    code: meta.code.clone(),
                                    exchange: meta.exchange,
                                    mentions: 0,
                                    in_title: false,
                                    evidence: Vec::new(),
                                    evidence_total: None,
                                });
                        (&mut hit.mentions, &mut hit.in_title, &mut hit.evidence)
                    }
                    Who::Unlisted {
                        name,
                        code,
                        exchange,
                    } => {
                        let key = CompanyKey::Code(exchange, code.clone());
                        let hit = companies.entry(key).or_insert_with(|| CompanyHit {
                            name,
                            code: Some(code),
                            exchange: Some(exchange),
                            mentions: 0,
                            in_title: false,
                            evidence: Vec::new(),
                            evidence_total: None,
                        });
                        (&mut hit.mentions, &mut hit.in_title, &mut hit.evidence)
                    }
                };
                *mentions += 1;
                *title_flag |= in_title;
                if list.len() < cap {
                    list.push(evidence());
                }
            }
            work.sentence_chars += sentences.scanned.get();
        }
        let mut themes: Vec<ThemeHit> = themes.into_values().collect();
        let total = |mentions: usize, kept: usize| (kept < mentions).then_some(mentions);
        for t in &mut themes {
            t.evidence_total = total(t.mentions, t.evidence.len());
        }
        for c in companies.values_mut() {
            c.evidence_total = total(c.mentions, c.evidence.len());
        }
        themes.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.id.cmp(&b.id)));
        let mut companies: Vec<CompanyHit> = companies.into_values().collect();
        companies.sort_by(|a, b| {
            b.mentions
                .cmp(&a.mentions)
                .then_with(|| a.name.cmp(&b.name))
        });
        TaggedDocument {
            id: doc.id.clone(),
            title: doc.title.clone(),
            published_at: doc.published_at.clone(),
            themes,
            companies,
        }
    }

    /// All mentions in a normalized text, in order.
    fn find(&self, text: &str, seg: &mut SegCache<'_>, work: &mut Work) -> Vec<RawMention> {
        // 1. every valid occurrence of every term
        let mut cands: Vec<(Range<usize>, usize)> = Vec::new();
        for m in self.terms_ac.find_overlapping_iter(text) {
            let (span, pat) = (m.range(), m.pattern().as_usize());
            if !self.targets[pat].is_empty()
                && self.start_ok(text, span.start, seg)
                && self.end_ok(text, span.end, seg)
            {
                cands.push((span.clone(), pat));
            }
            // theme patterns run where one of their anchors begins
            for &r in &self.anchored[pat] {
                let Some(found) = self.regexes[r as usize].find(&text[span.start..]) else {
                    continue;
                };
                let end = span.start + found.end();
                if self.start_ok(text, span.start, seg) && self.end_ok(text, end, seg) {
                    cands.push((span.start..end, self.regex_base + r as usize));
                }
            }
        }
        // 2. leftmost-longest among them (a pattern reached from two of
        // its anchors at one place counts once)
        cands.sort_by(|a, b| {
            (a.0.start.cmp(&b.0.start))
                .then(b.0.end.cmp(&a.0.end))
                .then(a.1.cmp(&b.1))
        });
        cands.dedup();
        let excluded = Exclusions::new(self.exclusions(text));
        let mut out: Vec<RawMention> = Vec::new();
        let mut last_end = 0;
        for (span, pat) in cands {
            if span.start < last_end {
                continue;
            }
            let mut any = false;
            for t in &self.targets[pat] {
                if excluded.covers(&span, t.entity, work) {
                    continue;
                }
                any = true;
                out.push(RawMention {
                    who: Who::Known(t.entity),
                    span: span.clone(),
                    term: self.terms[t.term as usize].clone(),
                    reason: t.reason,
                    with_code: false,
                    implied_by: None,
                });
            }
            if any {
                last_end = span.end;
            }
        }
        // 3. stock codes, merged with the name right before them
        self.link_codes(text, &mut out, work);
        // 4. strict names need a code, which step 3 attached, an
        // announcement headline, or a place in an enumeration of companies
        self.keep_strict_in_context(text, &mut out);
        // 5. the themes pure-play companies imply, on the company's span
        if self.implied {
            let mut implied = Vec::new();
            for m in &out {
                let Who::Known(Entity::Company(i)) = m.who else {
                    continue;
                };
                let company = &self.companies[i as usize];
                implied.extend(company.implies.iter().map(|&t| RawMention {
                    who: Who::Known(Entity::Theme(t)),
                    span: m.span.clone(),
                    term: company.name.clone(),
                    reason: Reason::Company,
                    with_code: m.with_code,
                    implied_by: Some(i),
                }));
            }
            out.extend(implied);
        }
        out.sort_by_key(|m| m.span.start);
        work.blocks += seg.blocks.len();
        work.segmented_bytes += seg.blocks.iter().map(|(r, _)| r.len()).sum::<usize>();
        work.probes += seg.probes;
        out
    }

    /// Ranges of `exclude` phrases and the entities they silence.
    fn exclusions(&self, text: &str) -> Vec<(Range<usize>, Entity)> {
        let Some(ac) = &self.exclude_ac else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            for &e in &self.exclude_targets[m.pattern().as_usize()] {
                out.push((m.range(), e));
            }
        }
        out
    }

    fn link_codes(&self, text: &str, mentions: &mut Vec<RawMention>, work: &mut Work) {
        // company mentions by where they end (indexes in increasing order),
        // and every mention's span by its start: lookups that stay cheap
        // however many mentions a long document has
        let mut by_end: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut spans = Spans::default();
        // mentions found to be part of a longer name (sorted), removed at the end
        let mut dropped: Vec<usize> = Vec::new();
        for (i, m) in mentions.iter().enumerate() {
            if matches!(m.who, Who::Known(Entity::Company(_))) {
                by_end.entry(m.span.end).or_default().push(i);
            }
            spans.insert(&m.span);
        }
        for hit in self.codes.scan(text) {
            // the company mention ending right before the code (spaces allowed)
            let before = text[..hit.span.start].trim_end();
            work.probes += 1;
            let named = by_end.get(&before.len()).and_then(|v| v.first().copied());
            let known = self.by_code.get(&(hit.exchange, hit.code.clone())).copied();
            if hit.parenthesized && is_index_or_fund(before) {
                continue;
            }
            let named = named.and_then(|n| match mentions[n].who {
                Who::Known(Entity::Company(c)) => Some((n, c)),
                _ => None,
            });
            let mut extend = |n: usize, mentions: &mut Vec<RawMention>| {
                let old = mentions[n].span.clone();
                if let Some(v) = by_end.get_mut(&old.end) {
                    v.retain(|&i| i != n);
                }
                let v = by_end.entry(hit.span.end).or_default();
                let at = v.partition_point(|&i| i < n);
                v.insert(at, n);
                spans.insert(&(old.start..hit.span.end));
                mentions[n].span.end = hit.span.end;
                mentions[n].with_code = true;
            };
            match (named, known) {
                // the name and its code: one mention, found by name
                (Some((n, c)), Some(k)) if c == k => extend(n, mentions),
                // a known name with a code the lexicon lacks (a second listing)
                (Some((n, _)), None) => extend(n, mentions),
                (_, Some(k)) => {
                    by_end
                        .entry(hit.inner.end)
                        .or_default()
                        .push(mentions.len());
                    spans.insert(&hit.inner);
                    mentions.push(RawMention {
                        who: Who::Known(Entity::Company(k)),
                        span: hit.inner.clone(),
                        term: format!("{}.{}", hit.code, hit.exchange),
                        reason: Reason::Code,
                        with_code: true,
                        implied_by: None,
                    })
                }
                (None, None) => {
                    // an unknown name followed by a valid code
                    if !hit.parenthesized {
                        continue;
                    }
                    let Some(name) = self.name_before(before, hit.exchange) else {
                        continue;
                    };
                    let start = before.len() - name.len();
                    if spans.overlaps(&(start..hit.span.end), work) {
                        // a listed name inside the longer one written before
                        // the code (中国黄金 in 中国黄金国际(02099.HK)) is
                        // not that company: the code names the whole
                        let inside: Vec<usize> = (0..mentions.len())
                            .filter(|&i| {
                                dropped.binary_search(&i).is_err()
                                    && mentions[i].span.start < hit.span.end
                                    && start < mentions[i].span.end
                            })
                            .collect();
                        // (a theme word inside the name stays a theme word)
                        let all_inside = inside.iter().all(|&i| {
                            mentions[i].span.start >= start && mentions[i].span.end <= before.len()
                        });
                        if !all_inside {
                            continue;
                        }
                        for i in inside {
                            if !matches!(mentions[i].who, Who::Known(Entity::Company(_))) {
                                continue;
                            }
                            if let Some(v) = by_end.get_mut(&mentions[i].span.end) {
                                v.retain(|&j| j != i);
                            }
                            let at = dropped.partition_point(|&j| j < i);
                            dropped.insert(at, i);
                        }
                    }
                    spans.insert(&(start..hit.span.end));
                    mentions.push(RawMention {
                        who: Who::Unlisted {
                            name,
                            code: hit.code.clone(),
                            exchange: hit.exchange,
                        },
                        span: start..hit.span.end,
                        term: format!("{}.{}", hit.code, hit.exchange),
                        reason: Reason::Code,
                        with_code: true,
                        implied_by: None,
                    });
                }
            }
        }
        if !dropped.is_empty() {
            let mut at = 0;
            mentions.retain(|_| {
                let keep = dropped.binary_search(&at).is_err();
                at += 1;
                keep
            });
        }
    }

    /// The name written right before a code the lexicon does not know: the
    /// run of name characters before it, cut at a token boundary to at most
    /// four characters when longer (成分股合合信息 -> 合合信息), six for a
    /// Hong Kong code (names such as 中国黄金国际 and 国泰君安国际 are longer).
    fn name_before(&self, before: &str, exchange: Exchange) -> Option<String> {
        let longest = if exchange == Exchange::HK { 6 } else { 4 };
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_block_char(c) && c != '.' || c == '*')
            .take(10)
            .last()
            .map(|(i, _)| i)?;
        let mut run = &before[start..];
        if run.chars().count() > longest {
            let tokens = self.segmenter.cut(run);
            run = match tokens
                .iter()
                .find(|t| run[t.start..].chars().count() <= longest)
            {
                Some(t) => &run[t.start..],
                None => "",
            };
        }
        // words that open the run but are no part of a name (由首程控股,
        // 港股金浔资源), while a name is left after them
        while let Some(w) = NOT_NAME_START
            .iter()
            .find(|w| run.starts_with(**w) && run[w.len()..].chars().count() >= 2)
        {
            run = &run[w.len()..];
        }
        let n = run.chars().count();
        let generic = COMPANY_SUFFIXES.contains(&run) || GENERIC_NAMES.contains(&run);
        (n >= 2 && !run.is_ascii() && !generic).then(|| run.to_string())
    }

    fn start_ok(&self, text: &str, start: usize, seg: &mut SegCache<'_>) -> bool {
        let Some(c) = text[start..].chars().next() else {
            return false;
        };
        if c.is_ascii_alphanumeric() {
            return !text[..start]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_alphanumeric());
        }
        if is_block_char(c) {
            return seg.is_boundary(&self.segmenter, text, start, start);
        }
        true
    }

    fn end_ok(&self, text: &str, end: usize, seg: &mut SegCache<'_>) -> bool {
        let Some(c) = text[..end].chars().next_back() else {
            return false;
        };
        if c.is_ascii_alphanumeric() {
            return !text[end..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_alphanumeric());
        }
        if is_block_char(c) {
            if seg.is_boundary(&self.segmenter, text, end - c.len_utf8(), end) {
                return true;
            }
            // jieba knows compounds such as 微软公司 and 中国电信集团: a name
            // followed by a company suffix inside one token still counts
            let rest = &text[end..];
            return COMPANY_SUFFIXES.iter().any(|s| {
                rest.starts_with(s)
                    && seg.is_boundary(&self.segmenter, text, end - c.len_utf8(), end + s.len())
            });
        }
        true
    }
}

/// The most companies an item may name for each of them to be a subject
/// of it: beyond, the item is a list (a market wrap, a digest, a table of
/// top movers) and its companies imply no theme unless named in the title.
pub const MAX_SUBJECT_COMPANIES: usize = 3;

/// One field's mentions, before they become evidence.
type FieldMentions<'a> = (
    Field,
    &'a str,
    Cow<'a, ticai_text::Normalized>,
    Vec<RawMention>,
);

/// Drops the themes implied by companies that are not a subject of the
/// item: a company is a subject when it is named in the title, or when the
/// item names at most [`MAX_SUBJECT_COMPANIES`] companies.
fn keep_central_implied(doc: &Document, found: &mut [FieldMentions<'_>]) {
    let mut named: Vec<&Who> = Vec::new();
    let mut in_title: Vec<u32> = Vec::new();
    for (field, _, norm, mentions) in found.iter() {
        for m in mentions {
            if !matches!(m.who, Who::Known(Entity::Company(_)) | Who::Unlisted { .. }) {
                continue;
            }
            if !named.contains(&&m.who) {
                named.push(&m.who);
            }
            let (start, end) = norm.map.original_range(m.span.start, m.span.end);
            let titled = *field == Field::Title
                || doc
                    .title_span
                    .is_some_and(|(ts, te)| start >= ts && end <= te);
            if let (true, Who::Known(Entity::Company(i))) = (titled, &m.who) {
                in_title.push(*i);
            }
        }
    }
    let list = named.len() > MAX_SUBJECT_COMPANIES;
    if !list {
        return;
    }
    for (_, _, _, mentions) in found.iter_mut() {
        mentions.retain(|m| m.implied_by.is_none_or(|c| in_title.contains(&c)));
    }
}

/// Words that follow a company name inside one jieba token (微软公司).
const COMPANY_SUFFIXES: [&str; 6] = ["公司", "集团", "股份", "控股", "有限公司", "集團"];

/// Words that open a run of name characters before a code without being
/// part of the name: function words that start no company name here (not
/// 和, 为, 以, 至: 和黄医药, 至纯科技) and market words.
const NOT_NAME_START: [&str; 29] = [
    "挂牌的",
    "成分股",
    "港股",
    "美股",
    "A股",
    "包括",
    "调入",
    "调出",
    "纳入",
    "公司",
    "挂牌",
    "旗下",
    "其中",
    "由",
    "将",
    "的",
    "是",
    "在",
    "被",
    "把",
    "从",
    "于",
    "即",
    "据",
    "等",
    "及",
    "与",
    "或",
    "并",
];

/// Runs before a code that are a kind of company, not a name.
const GENERIC_NAMES: [&str; 5] = [
    "股份有限公司",
    "集团有限公司",
    "控股有限公司",
    "有限责任公司",
    "集团公司",
];

impl Tagger {
    /// Drops the mentions of strict (common-word) names that nothing makes
    /// a company: a code after them, an announcement headline they open, or
    /// a neighbour in an enumeration (秋乐种业、康农种业、北大荒、神农种业):
    /// an item next to a company across a 、 is a company too, transitively.
    fn keep_strict_in_context(&self, text: &str, out: &mut Vec<RawMention>) {
        let strict = |m: &RawMention| match m.who {
            Who::Known(Entity::Company(i)) => {
                self.companies[i as usize].strict
                    && !m.with_code
                    && m.reason != Reason::Code
                    && !is_announcement_subject(text, &m.span)
            }
            _ => false,
        };
        let mut keep: Vec<bool> = out.iter().map(|m| !strict(m)).collect();
        if keep.iter().all(|&k| k) {
            return;
        }
        let is_company = |m: &RawMention| !matches!(m.who, Who::Known(Entity::Theme(_)));
        // accepted companies by their first and one-past-last byte
        let mut by_start: HashMap<usize, usize> = HashMap::new();
        let mut by_end: HashMap<usize, usize> = HashMap::new();
        for (i, m) in out.iter().enumerate() {
            if keep[i] && is_company(m) {
                by_start.insert(m.span.start, i);
                by_end.insert(m.span.end, i);
            }
        }
        const SEP: &str = "、";
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..out.len() {
                if keep[i] {
                    continue;
                }
                let span = &out[i].span;
                let (head, rest) = (&text[..span.start], &text[span.end..]);
                // a whole item: a 、 on one side, a company across it, and
                // the list's edge or another 、 on the other (太阳能发电 in
                // 茅台、太阳能发电 is no item)
                let after = rest.starts_with(SEP)
                    && by_start.contains_key(&(span.end + SEP.len()))
                    && item_edge_before(head);
                let before = head.ends_with(SEP)
                    && by_end.contains_key(&(span.start - SEP.len()))
                    && item_edge_after(rest);
                if after || before {
                    keep[i] = true;
                    by_start.insert(span.start, i);
                    by_end.insert(span.end, i);
                    changed = true;
                }
            }
        }
        let mut k = keep.into_iter();
        out.retain(|_| k.next().unwrap_or(true));
    }
}

/// Whether an enumeration item may begin after `head`: at the start, after
/// punctuation or a space, or after another 、.
fn item_edge_before(head: &str) -> bool {
    head.chars()
        .next_back()
        .is_none_or(|c| !is_block_char(c) || c == '、')
}

/// Whether an enumeration item may end before `rest`: at the end, before
/// punctuation or a space, another 、, or the 等 that closes a list.
fn item_edge_after(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_none_or(|c| !is_block_char(c) || c == '、' || c == '等')
}

/// A name that opens a sentence and is followed by a colon or 公告, as in
/// announcement headlines (一品红：子公司获得注册证书; 太阳能公告，...): the
/// context that makes a strict (common-word) name a company.
fn is_announcement_subject(text: &str, span: &Range<usize>) -> bool {
    let opens = text[..span.start]
        .chars()
        .next_back()
        .is_none_or(|p| !is_block_char(p) || p.is_ascii_digit());
    let rest = &text[span.end..];
    opens && (rest.starts_with(':') || rest.starts_with("公告"))
}

/// `(000001)` after 上证指数 is an index, not 平安银行.
fn is_index_or_fund(before: &str) -> bool {
    ["指数", "ETF", "etf", "基金", "LOF", "板块", "概念"]
        .iter()
        .any(|s| before.ends_with(s))
}

/// What tagging one document cost, counted (see [`Tagger::work`]): each
/// figure grows linearly with the length of a document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// jieba blocks segmented, and their bytes.
    pub blocks: usize,
    pub segmented_bytes: usize,
    /// Entries looked at to find a block, an exclusion phrase or a mention
    /// next to a stock code.
    pub probes: usize,
    /// Characters scanned to cut evidence sentences.
    pub sentence_chars: usize,
}

/// What a mention found by [`Tagger::mentions`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named<'t> {
    /// A theme, by id.
    Theme(&'t str),
    /// A company of the lexicon, by canonical name.
    Company(&'t str),
}

/// One mention in a normalized text ([`Tagger::mentions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention<'t> {
    pub named: Named<'t>,
    /// Byte range in the normalized text.
    pub span: Range<usize>,
    pub reason: Reason,
}

/// A text normalized and cut into jieba tokens ([`Tagger::analyze`]).
#[derive(Clone, Debug)]
pub struct Analyzed {
    pub norm: ticai_text::Normalized,
    /// The tokens of `norm.text`, covering it.
    pub cuts: Cuts,
}

/// Token boundaries of the jieba blocks seen so far in one text, in text
/// order (blocks do not overlap), so that a lookup is a binary search; or,
/// when the whole text was segmented already, every boundary as a bit.
#[derive(Default)]
struct SegCache<'a> {
    blocks: Vec<(Range<usize>, Vec<usize>)>,
    probes: usize,
    /// The full cut of the text, when there is one.
    full: Option<&'a Cuts>,
}

impl<'a> SegCache<'a> {
    /// The boundaries of a full segmentation of a text.
    fn full(cuts: &'a Cuts) -> SegCache<'a> {
        SegCache {
            full: Some(cuts),
            ..SegCache::default()
        }
    }

    /// Whether `at` is a token boundary of the block containing byte `inside`.
    fn is_boundary(&mut self, seg: &Segmenter, text: &str, inside: usize, at: usize) -> bool {
        self.probes += 1;
        if let Some(cuts) = self.full {
            // `at` lies inside the block of `inside` or at its end, where
            // the full cut has the block's own boundaries
            return cuts.is_boundary(at);
        }
        // matches arrive in text order: the last block is the usual answer
        let idx = match self.blocks.last() {
            Some((r, _)) if r.start <= inside && inside < r.end => self.blocks.len() - 1,
            _ => {
                let after = self.blocks.partition_point(|(r, _)| r.start <= inside);
                match after.checked_sub(1) {
                    Some(i) if inside < self.blocks[i].0.end => i,
                    _ => {
                        let block = Segmenter::block_around(text, inside);
                        let mut bounds = Vec::new();
                        seg.boundaries(text, block.clone(), &mut bounds);
                        self.blocks.insert(after, (block, bounds));
                        after
                    }
                }
            }
        };
        self.blocks[idx].1.binary_search(&at).is_ok()
    }
}

/// The ranges of exclusion phrases in a text, sorted by start: which ones
/// cover a span is a search over the few that start close enough.
struct Exclusions {
    ranges: Vec<(Range<usize>, Entity)>,
    longest: usize,
}

impl Exclusions {
    fn new(mut ranges: Vec<(Range<usize>, Entity)>) -> Self {
        ranges.sort_by_key(|(r, _)| r.start);
        let longest = ranges.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
        Exclusions { ranges, longest }
    }

    /// Whether a phrase excluding `entity` covers `span`.
    fn covers(&self, span: &Range<usize>, entity: Entity, work: &mut Work) -> bool {
        if self.ranges.is_empty() {
            return false;
        }
        // a covering range starts at or before the span and no further back
        // than the longest phrase allows
        let upto = self.ranges.partition_point(|(r, _)| r.start <= span.start);
        let from = span.end.saturating_sub(self.longest);
        self.ranges[..upto]
            .iter()
            .rev()
            .take_while(|(r, _)| r.start >= from)
            .inspect(|_| work.probes += 1)
            .any(|(r, e)| *e == entity && span.end <= r.end)
    }
}

/// Mention spans by start (the longest end per start), for overlap tests
/// that look only at spans starting close enough to overlap.
#[derive(Default)]
struct Spans {
    by_start: BTreeMap<usize, usize>,
    longest: usize,
}

impl Spans {
    fn insert(&mut self, r: &Range<usize>) {
        let end = self.by_start.entry(r.start).or_insert(r.end);
        *end = (*end).max(r.end);
        self.longest = self.longest.max(r.len());
    }

    /// Whether a span overlaps `r`.
    fn overlaps(&self, r: &Range<usize>, work: &mut Work) -> bool {
        let from = r.start.saturating_sub(self.longest);
        self.by_start
            .range(from..r.end)
            .inspect(|_| work.probes += 1)
            .any(|(_, &end)| r.start < end)
    }
}

/// Sentences of an original text, for evidence.
struct Sentences<'a> {
    text: &'a str,
    /// Byte offset of every character, plus the length: built by the
    /// first evidence span (ingest builds none, and a long document's
    /// table is 8 bytes a character).
    table: std::cell::OnceCell<Vec<usize>>,
    /// Characters looked at so far (for [`Work`]).
    scanned: Cell<usize>,
}

impl<'a> Sentences<'a> {
    const MAX_CHARS: usize = 160;

    fn new(text: &'a str) -> Self {
        Sentences {
            text,
            table: std::cell::OnceCell::new(),
            scanned: Cell::new(0),
        }
    }

    fn bytes(&self) -> &[usize] {
        self.table.get_or_init(|| {
            let mut bytes: Vec<usize> = self.text.char_indices().map(|(b, _)| b).collect();
            bytes.push(self.text.len());
            bytes
        })
    }

    fn slice(&self, start: usize, end: usize) -> String {
        let bytes = self.bytes();
        self.text[bytes[start]..bytes[end]].to_string()
    }

    /// The sentence around chars `[start, end)`, cut to a window when long.
    fn around(&self, start: usize, end: usize) -> String {
        let is_end = |c: char| matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n');
        let bytes = self.bytes();
        let chars = |from: usize, to: usize| self.text[bytes[from]..bytes[to]].chars();
        let n = bytes.len() - 1;
        // no further than a window each way: a sentence longer than that
        // is cut to the window below all the same, and a text without
        // sentence ends costs no more than one with them
        let reach = Self::MAX_CHARS + 1;
        let mut s = start;
        for c in chars(start.saturating_sub(reach), start).rev() {
            if is_end(c) {
                break;
            }
            s -= 1;
        }
        let mut e = end;
        for c in chars(end, (end + reach).min(n)) {
            e += 1;
            if is_end(c) {
                break;
            }
        }
        self.scanned
            .set(self.scanned.get() + (start - s) + (e - end));
        let (mut s, mut e, mut pre, mut post) = (s, e, "", "");
        if e - s > Self::MAX_CHARS {
            let half = Self::MAX_CHARS.saturating_sub(end - start) / 2;
            if start - s > half {
                s = start - half;
                pre = "…";
            }
            if e - end > half {
                e = end + half;
                post = "…";
            }
        }
        format!("{pre}{}{post}", self.text[bytes[s]..bytes[e]].trim())
    }
}
