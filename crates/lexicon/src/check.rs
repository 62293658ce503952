use crate::{CompanySource, Issue, Lexicon, Location, Severity};
use std::collections::HashMap;

/// Who uses a term.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Theme(usize),
    Company(usize),
}

/// Checks that depend on the normal form of terms, given the normalizer the
/// tagger uses: empty terms after normalization, one-character terms,
/// the same term in two entries (an error between two themes or two curated
/// companies; a warning between a theme and a company, which are both
/// reported), duplicate aliases inside one entry, and `exclude` phrases
/// that contain none of their theme's terms (they could never apply).
pub fn check_terms(lex: &Lexicon, normalize: impl Fn(&str) -> String) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut push = |severity, location: &Location, message: String| {
        issues.push(Issue {
            severity,
            location: location.clone(),
            message,
        })
    };
    let key = |s: &str| normalize(s).to_lowercase();
    let mut owners: HashMap<String, (Owner, &Location)> = HashMap::new();
    let describe = |o: Owner| match o {
        Owner::Theme(i) => format!("theme {:?}", lex.themes[i].id),
        Owner::Company(i) => format!("company {:?}", lex.companies[i].name),
    };
    // every term with its key, for the pattern checks
    let mut keyed: Vec<(Owner, &str, &Location, String)> = Vec::new();
    for (owner, aliases) in term_owners(lex) {
        let mut own: HashMap<String, (String, &Location)> = HashMap::new();
        for (term, loc) in aliases {
            if term.trim().is_empty() {
                continue; // reported when the file was read
            }
            let k = key(term);
            keyed.push((owner, term, loc, k.clone()));
            if k.trim().is_empty() {
                push(
                    Severity::Error,
                    loc,
                    format!(
                        "{}: term {term:?} is empty once normalized",
                        describe(owner)
                    ),
                );
                continue;
            }
            if k.chars().count() == 1 && !k.is_ascii() {
                push(
                    Severity::Warning,
                    loc,
                    format!(
                        "{}: one-character term {term:?} is ambiguous",
                        describe(owner)
                    ),
                );
            }
            // a traditional or full-width spelling of a term already listed is
            // redundant but allowed; the same spelling twice is a slip
            let raw = term.to_lowercase();
            if let Some(prev) = own.insert(k.clone(), (raw.clone(), loc)) {
                if prev.0 == raw {
                    push(
                        Severity::Warning,
                        loc,
                        format!(
                            "{}: term {term:?} listed twice (also at {})",
                            describe(owner),
                            prev.1
                        ),
                    );
                }
                continue;
            }
            match owners.get(&k) {
                None => {
                    owners.insert(k, (owner, loc));
                }
                Some(&(other, prev)) => {
                    let companies =
                        matches!((owner, other), (Owner::Company(_), Owner::Company(_)));
                    let themes = matches!((owner, other), (Owner::Theme(_), Owner::Theme(_)));
                    let curated = owner_is_curated(lex, owner) && owner_is_curated(lex, other);
                    // A term shared by a theme and a curated company is a
                    // reviewed double meaning (阿里云 names the cloud theme and
                    // Alibaba): both are reported. A listed name that is also
                    // a theme term usually wants the `strict` flag.
                    let severity = match (themes, companies, curated) {
                        (true, _, _) | (_, true, true) => Some(Severity::Error),
                        (false, false, true) => None,
                        _ => Some(Severity::Warning),
                    };
                    if let Some(severity) = severity {
                        push(
                            severity,
                            loc,
                            format!(
                                "{}: term {term:?} is also used by {} at {prev}",
                                describe(owner),
                                describe(other)
                            ),
                        );
                    }
                }
            }
        }
    }
    check_patterns(lex, &key, &keyed, &mut push);
    for t in &lex.themes {
        let terms: Vec<String> = t.aliases.iter().map(|(a, _)| key(a)).collect();
        for (phrase, loc) in &t.exclude {
            let p = key(phrase);
            if !terms
                .iter()
                .any(|a| !a.is_empty() && p.contains(a.as_str()))
            {
                push(
                    Severity::Error,
                    loc,
                    format!(
                        "theme {:?}: exclude phrase {phrase:?} contains none of the theme's terms",
                        t.id
                    ),
                );
            }
        }
    }
    issues
}

/// Patterns must be written in normal form, and a term that a pattern
/// matches whole is redundant in its own theme (a warning) and a collision
/// in another theme (an error) or a company (a warning, as for terms).
/// `terms`: every term of the lexicon, its owner, location and key.
fn check_patterns(
    lex: &Lexicon,
    key: &dyn Fn(&str) -> String,
    terms: &[(Owner, &str, &Location, String)],
    push: &mut dyn FnMut(Severity, &Location, String),
) {
    for (i, t) in lex.themes.iter().enumerate() {
        for (src, loc) in &t.patterns {
            let Ok(pattern) = crate::Pattern::new(src) else {
                continue; // reported when the file was read
            };
            if key(src) != src.to_lowercase() {
                push(
                    Severity::Error,
                    loc,
                    format!(
                        "theme {:?}: pattern {src:?} is not in normal form (write it as {:?}: simplified script, half-width)",
                        t.id,
                        key(src)
                    ),
                );
            }
            for &(owner, term, term_loc, ref term_key) in terms {
                if !pattern.whole.is_match(term_key) {
                    continue;
                }
                let (severity, what) = match owner {
                    Owner::Theme(j) if j == i => (
                        Severity::Warning,
                        "is redundant: the pattern matches it".to_string(),
                    ),
                    Owner::Theme(j) => (
                        Severity::Error,
                        format!("is a term of theme {:?} at {term_loc}", lex.themes[j].id),
                    ),
                    Owner::Company(j) => (
                        Severity::Warning,
                        format!("names company {:?} at {term_loc}", lex.companies[j].name),
                    ),
                };
                push(
                    severity,
                    loc,
                    format!(
                        "theme {:?}: pattern {src:?} matches {term:?}, which {what}",
                        t.id
                    ),
                );
            }
        }
    }
}

/// Every entry's terms: the themes' (names and aliases), then the
/// companies'.
fn term_owners(lex: &Lexicon) -> impl Iterator<Item = (Owner, &[(String, Location)])> {
    let themes = lex.themes.iter().enumerate();
    let companies = lex.companies.iter().enumerate();
    themes
        .map(|(i, t)| (Owner::Theme(i), t.aliases.as_slice()))
        .chain(companies.map(|(i, c)| (Owner::Company(i), c.aliases.as_slice())))
}

fn owner_is_curated(lex: &Lexicon, owner: Owner) -> bool {
    match owner {
        Owner::Theme(_) => true,
        Owner::Company(i) => lex.companies[i].source == CompanySource::Curated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceFile;

    fn lex(themes: &str, companies: &str) -> Lexicon {
        Lexicon::from_files(&[
            SourceFile {
                path: "themes/a.toml".into(),
                text: themes.into(),
            },
            SourceFile {
                path: "companies/curated.tsv".into(),
                text: format!("{}\n{companies}", crate::company::CURATED_HEADER_V1),
            },
        ])
    }

    const T: &str = "[[theme]]\nid = \"a\"\nname_zh = \"超节点\"\nname_en = \"A\"\naliases = [\"超節點\", \"SuperPod\", \"superpod\"]\nexclude = [\"超节点服务\", \"液冷\"]\ndescription = \"d\"\n\n[[theme]]\nid = \"b\"\nname_zh = \"液冷\"\nname_en = \"B\"\naliases = [\"superpod\", \"冷\"]\ndescription = \"d\"\n";

    #[test]
    fn collisions_after_normalization() {
        // a toy normalizer: traditional 節點 -> 节点
        let norm = |s: &str| s.replace("節點", "节点");
        let l = lex(
            T,
            "英伟达\tNVIDIA\tUS\tNVDA\t輝達|超節點\t\t\n辉达\t\t\t\t\t\t\n",
        );
        assert!(l.issues.is_empty(), "{:?}", l.issues);
        let issues = check_terms(&l, norm);
        let msgs: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        let has = |s: &str| msgs.iter().any(|m| m.contains(s));
        // a traditional spelling of the theme's name is redundant but allowed
        assert!(!has("term \"超節點\" listed twice"), "{msgs:#?}");
        // the same spelling twice is a slip
        assert!(
            has("themes/a.toml:5: warning: theme \"a\": term \"superpod\" listed twice"),
            "{msgs:#?}"
        );
        // case-insensitive collision between two themes
        assert!(
            has(
                "themes/a.toml:13: error: theme \"b\": term \"superpod\" is also used by theme \"a\""
            ),
            "{msgs:#?}"
        );
        assert!(
            has("warning: theme \"b\": one-character term \"冷\""),
            "{msgs:#?}"
        );
        assert!(
            has("error: theme \"a\": exclude phrase \"液冷\" contains none"),
            "{msgs:#?}"
        );
        assert!(!has("exclude phrase \"超节点服务\""), "{msgs:#?}");
        // theme vs curated company: a reviewed double meaning, not reported
        assert!(!has("term \"超節點\" is also used by"), "{msgs:#?}");
    }

    #[test]
    fn patterns_against_terms() {
        let themes = format!(
            "{T}\n[[theme]]\nid = \"m\"\nname_zh = \"存储\"\nname_en = \"M\"\naliases = [\"HBM4\"]\npatterns = ['HBM\\d[A-Z]?', 'SUPERPOD\\d?', '光模組\\d']\ndescription = \"d\"\n"
        );
        let l = lex(&themes, "海力士\t\t\t\tHBM3E\t\t\n");
        assert!(l.issues.is_empty(), "{:?}", l.issues);
        let norm = |s: &str| s.replace('組', "组");
        let msgs: Vec<String> = check_terms(&l, norm)
            .iter()
            .map(|i| i.to_string())
            .collect();
        let has = |s: &str| msgs.iter().any(|m| m.contains(s));
        assert!(
            has(
                "warning: theme \"m\": pattern \"HBM\\\\d[A-Z]?\" matches \"HBM4\", which is redundant"
            ),
            "{msgs:#?}"
        );
        assert!(
            has(
                "error: theme \"m\": pattern \"SUPERPOD\\\\d?\" matches \"SuperPod\", which is a term of theme \"a\" at themes/a.toml:5"
            ),
            "{msgs:#?}"
        );
        assert!(
            has(
                "warning: theme \"m\": pattern \"HBM\\\\d[A-Z]?\" matches \"HBM3E\", which names company \"海力士\""
            ),
            "{msgs:#?}"
        );
        assert!(
            has(
                "error: theme \"m\": pattern \"光模組\\\\d\" is not in normal form (write it as \"光模组\\\\d\""
            ),
            "{msgs:#?}"
        );
    }

    #[test]
    fn listed_name_that_is_a_theme_term_is_a_warning() {
        let l = Lexicon::from_files(&[
            SourceFile { path: "themes/a.toml".into(), text: T.into() },
            SourceFile {
                path: "companies/listings.tsv".into(),
                text: "code\texchange\tname\tindustry\tlist_date\n300024\tSZ\t液冷\t专用机械\t20091030\n".into(),
            },
        ]);
        let issues = check_terms(&l, |s: &str| s.to_string());
        assert!(
            issues.iter().any(|i| i.severity == Severity::Warning
                && i.location
                    == Location {
                        file: "companies/listings.tsv".into(),
                        line: 2
                    }
                && i.message
                    .contains("company \"液冷\": term \"液冷\" is also used by theme \"b\"")),
            "{issues:?}"
        );
    }

    #[test]
    fn curated_company_collision_is_an_error() {
        let l = lex(T, "英伟达\t\t\t\t辉达\t\t\n辉达科技\t\t\t\t辉达\t\t\n");
        let issues = check_terms(&l, |s: &str| s.to_string());
        assert!(
            issues.iter().any(|i| i.severity == Severity::Error
                && i.location.line == 3
                && i.message
                    .contains("\"辉达\" is also used by company \"英伟达\"")),
            "{issues:?}"
        );
    }
}
