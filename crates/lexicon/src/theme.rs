use crate::{Issue, Location, Severity, issue, line_of};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use toml::Spanned;

/// A market theme (题材): the words that signal it in text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Stable kebab-case id (`supernode`); exports and other tools rely on it.
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub parent: Option<String>,
    /// Terms that signal the theme, as written (any script or width; they
    /// go through the same normalizer as the text). The parts of `name_zh`
    /// (split at `/`: 光模块/CPO names 光模块 and CPO) come first.
    pub aliases: Vec<(String, Location)>,
    /// How many leading `aliases` come from `name_zh`.
    pub names: usize,
    /// Terms written as patterns (`HBM\d[A-Z]?`, see [`crate::Pattern`]).
    pub patterns: Vec<(String, Location)>,
    /// Phrases in which a match of this theme does not count.
    pub exclude: Vec<(String, Location)>,
    pub description: String,
    pub location: Location,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    theme: Vec<Spanned<RawTheme>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    id: String,
    name_zh: Spanned<String>,
    name_en: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    description: String,
}

pub(crate) fn parse_file(path: &str, text: &str, out: &mut Vec<Theme>, issues: &mut Vec<Issue>) {
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let msg = e.message().to_string();
            issues.push(issue(
                Severity::Error,
                path,
                line,
                format!("invalid theme file: {msg}"),
            ));
            return;
        }
    };
    if raw.theme.is_empty() {
        issues.push(issue(
            Severity::Warning,
            path,
            1,
            "no [[theme]] entries".into(),
        ));
    }
    for t in raw.theme {
        let line = line_of(text, t.span().start);
        let t = t.into_inner();
        let loc = |s: &Spanned<String>| Location {
            file: path.to_string(),
            line: line_of(text, s.span().start),
        };
        let here = Location {
            file: path.to_string(),
            line,
        };
        let name_loc = loc(&t.name_zh);
        let name_zh = t.name_zh.into_inner();
        let mut aliases: Vec<(String, Location)> = name_zh
            .split('/')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| (n.to_string(), name_loc.clone()))
            .collect();
        let names = aliases.len();
        aliases.extend(
            t.aliases
                .iter()
                .map(|a| (a.get_ref().trim().to_string(), loc(a))),
        );
        out.push(Theme {
            id: t.id.trim().to_string(),
            name_zh: name_zh.trim().to_string(),
            name_en: t.name_en.trim().to_string(),
            parent: t
                .parent
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
            aliases,
            names,
            patterns: t
                .patterns
                .iter()
                .map(|p| (p.get_ref().trim().to_string(), loc(p)))
                .collect(),
            exclude: t
                .exclude
                .iter()
                .map(|a| (a.get_ref().trim().to_string(), loc(a)))
                .collect(),
            description: t.description.trim().to_string(),
            location: here,
        });
    }
}

/// Structural checks that need no normalizer: required fields, id syntax,
/// duplicate ids, empty terms, unknown parents and parent cycles.
pub(crate) fn validate(themes: &[Theme], issues: &mut Vec<Issue>) {
    let mut err = |loc: &Location, msg: String| {
        issues.push(Issue {
            severity: Severity::Error,
            location: loc.clone(),
            message: msg,
        })
    };
    let mut seen: HashMap<&str, &Location> = HashMap::new();
    for t in themes {
        let valid_id = !t.id.is_empty()
            && t.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !t.id.starts_with('-')
            && !t.id.ends_with('-');
        if !valid_id {
            err(
                &t.location,
                format!("theme id {:?} must be kebab-case: a-z, 0-9 and '-'", t.id),
            );
        }
        if let Some(prev) = seen.insert(&t.id, &t.location) {
            err(
                &t.location,
                format!("duplicate theme id {:?} (first defined at {prev})", t.id),
            );
        }
        for (field, value) in [
            ("name_zh", &t.name_zh),
            ("name_en", &t.name_en),
            ("description", &t.description),
        ] {
            if value.is_empty() {
                err(&t.location, format!("theme {:?}: {field} is empty", t.id));
            }
        }
        for (term, loc) in t.aliases.iter().chain(&t.exclude).chain(&t.patterns) {
            if term.is_empty() {
                err(loc, format!("theme {:?}: empty term", t.id));
            }
        }
        for (src, loc) in t.patterns.iter().filter(|(p, _)| !p.is_empty()) {
            if let Err(e) = crate::Pattern::new(src) {
                err(loc, format!("theme {:?}: {e}", t.id));
            }
        }
    }
    let ids: HashSet<&str> = themes.iter().map(|t| t.id.as_str()).collect();
    let parent_of: HashMap<&str, &str> = themes
        .iter()
        .filter_map(|t| t.parent.as_deref().map(|p| (t.id.as_str(), p)))
        .collect();
    for t in themes {
        let Some(p) = t.parent.as_deref() else {
            continue;
        };
        if !ids.contains(p) {
            err(
                &t.location,
                format!("theme {:?}: unknown parent {p:?}", t.id),
            );
            continue;
        }
        // walk up; a walk longer than the number of themes is a cycle
        let mut at = p;
        for _ in 0..=themes.len() {
            if at == t.id {
                err(
                    &t.location,
                    format!("theme {:?}: parent chain loops back to itself", t.id),
                );
                break;
            }
            match parent_of.get(at) {
                Some(next) => at = next,
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Theme>, Vec<Issue>) {
        let mut themes = Vec::new();
        let mut issues = Vec::new();
        parse_file("t.toml", text, &mut themes, &mut issues);
        validate(&themes, &mut issues);
        (themes, issues)
    }

    #[test]
    fn parses_with_lines() {
        let (themes, issues) = parse(
            "# c\n[[theme]]\nid = \"supernode\"\nname_zh = \"超节点\"\nname_en = \"Supernode\"\naliases = [\n  \"超節點\",\n]\ndescription = \"d\"\n",
        );
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(themes[0].location.line, 2);
        assert_eq!(
            themes[0].aliases[0],
            (
                "超节点".to_string(),
                Location {
                    file: "t.toml".into(),
                    line: 4
                }
            )
        );
        assert_eq!(
            themes[0].aliases[1],
            (
                "超節點".to_string(),
                Location {
                    file: "t.toml".into(),
                    line: 7
                }
            )
        );
    }

    #[test]
    fn reports_problems_with_lines() {
        let text = "[[theme]]\nid = \"A b\"\nname_zh = \"x\"\nname_en = \"\"\naliases = [\"\"]\nparent = \"nope\"\ndescription = \"d\"\n\n[[theme]]\nid = \"A b\"\nname_zh = \"y\"\nname_en = \"y\"\ndescription = \"d\"\n";
        let (_, issues) = parse(text);
        let msgs: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        let has = |s: &str| msgs.iter().any(|m| m.contains(s));
        assert!(
            has("t.toml:1: error: theme id \"A b\" must be kebab-case"),
            "{msgs:#?}"
        );
        assert!(
            has("t.toml:9: error: duplicate theme id \"A b\" (first defined at t.toml:1)"),
            "{msgs:#?}"
        );
        assert!(has("name_en is empty"), "{msgs:#?}");
        assert!(
            has("t.toml:5: error: theme \"A b\": empty term"),
            "{msgs:#?}"
        );
        assert!(has("unknown parent \"nope\""), "{msgs:#?}");
    }

    #[test]
    fn patterns_are_read_and_checked_with_lines() {
        let (themes, issues) = parse(
            "[[theme]]\nid = \"m\"\nname_zh = \"存储\"\nname_en = \"M\"\npatterns = [\n  'HBM\\d[A-Z]?',\n  '\\d+G',\n  'DDR(\\d',\n]\ndescription = \"d\"\n",
        );
        assert_eq!(themes[0].patterns.len(), 3);
        assert_eq!(themes[0].patterns[0].0, "HBM\\d[A-Z]?");
        let msgs: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:#?}");
        assert!(
            msgs[0].starts_with(
                "t.toml:7: error: theme \"m\": pattern \"\\\\d+G\" must begin with fixed text"
            ),
            "{msgs:#?}"
        );
        assert!(
            msgs[1].starts_with("t.toml:8: error: theme \"m\": pattern \"DDR(\\\\d\" is not a valid regular expression"),
            "{msgs:#?}"
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let (_, issues) = parse("[[theme]]\nid = \"a\"\nname_zh = \n");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].location.line, 3, "{issues:?}");
        let (_, issues) = parse(
            "[[theme]]\nid = \"a\"\nname_zh = \"x\"\nname_en = \"x\"\ndescription = \"d\"\ncolour = 1\n",
        );
        assert!(issues[0].message.contains("colour"), "{issues:?}");
    }

    #[test]
    fn parent_cycle() {
        let text = "[[theme]]\nid = \"a\"\nname_zh = \"x\"\nname_en = \"x\"\nparent = \"b\"\ndescription = \"d\"\n[[theme]]\nid = \"b\"\nname_zh = \"y\"\nname_en = \"y\"\nparent = \"a\"\ndescription = \"d\"\n";
        let (_, issues) = parse(text);
        assert_eq!(
            issues
                .iter()
                .filter(|i| i.message.contains("loops"))
                .count(),
            2,
            "{issues:?}"
        );
    }
}
