//! `ticai serve` over real HTTP: the binary started by the test on a free
//! port of 127.0.0.1 over a fixture index built here, every endpoint
//! compared with the command line (one code path, so the same answers),
//! bad parameters, unknown ids, ids with `/`, `#` and non-ASCII characters,
//! and a commit made while the server runs.

mod serving;

use serde_json::Value;
use serving::{DOCS, Server, chars, fixture_data, ok, scratch, ticai_in};
use std::collections::BTreeSet;

/// The CLI's JSON for `args`.
fn cli_json(data: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(data, args)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// A search response without the fields the API adds to the CLI's shape.
fn strip_api_fields(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("offset");
    o.remove("limit");
    for h in o["results"].as_array_mut().unwrap() {
        h.as_object_mut().unwrap().remove("copies");
    }
    v
}

fn fixture_ids() -> Vec<String> {
    DOCS.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn hit_ids(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_answers_what_the_cli_prints() {
    let data = fixture_data();
    let s = Server::start(&data);
    for (query, flags) in [
        ("液冷", vec![]),
        ("超节点 OR 英伟达", vec!["--sort", "date"]),
        ("", vec!["--theme", "supernode", "--source", "A"]),
        (
            "NOT 液冷",
            vec!["--since", "2026-07-06", "--until", "2026-07-07"],
        ),
        ("英伟达", vec!["--company", "NVDA"]),
    ] {
        let mut args = vec!["search", "--format", "json", "--limit", "50", "--", query];
        args.splice(3..3, flags.iter().copied());
        let cli = cli_json(&data, &args);
        let mut qs: Vec<(&str, &str)> = vec![("q", query), ("limit", "50")];
        for pair in flags.chunks(2) {
            qs.push((pair[0].trim_start_matches("--"), pair[1]));
        }
        let (status, api) = s.get_json("/api/search", &qs);
        assert_eq!(status, 200, "{api}");
        assert_eq!(api["offset"], 0);
        assert_eq!(api["limit"], 50);
        assert_eq!(strip_api_fields(api), cli, "{query} {flags:?}");
    }
    // what the fixture says, checked on its own: 液冷 is in these documents
    let (_, v) = s.get_json("/api/search", &[("q", "液冷"), ("limit", "200")]);
    let want: BTreeSet<String> = DOCS
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|d| {
            d["text"].as_str().unwrap().contains("液冷")
                || d["title"].as_str().unwrap().contains("液冷")
        })
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(hit_ids(&v).into_iter().collect::<BTreeSet<_>>(), want);
}

#[test]
fn offset_pages_join_into_one_list_and_copies_count_the_cluster() {
    let data = fixture_data();
    let s = Server::start(&data);
    for sort in ["relevance", "date"] {
        let (_, all) = s.get_json("/api/search", &[("sort", sort), ("limit", "200")]);
        let whole = hit_ids(&all);
        assert_eq!(whole.len(), DOCS.lines().count());
        let mut paged = Vec::new();
        for page in 0..10 {
            let off = (page * 2).to_string();
            let (st, v) = s.get_json(
                "/api/search",
                &[("sort", sort), ("limit", "2"), ("offset", &off)],
            );
            assert_eq!(st, 200);
            assert_eq!(v["total"], all["total"]);
            paged.extend(hit_ids(&v));
        }
        assert_eq!(paged, whole, "{sort}");
    }
    // `copies`: the number of hits of the whole index sharing the cluster
    let (_, all) = s.get_json("/api/search", &[("limit", "200")]);
    let hits = all["results"].as_array().unwrap();
    for h in hits {
        let same = hits
            .iter()
            .filter(|o| o["cluster_id"] == h["cluster_id"])
            .count();
        assert_eq!(h["copies"], same, "{}", h["id"]);
    }
    assert!(
        hits.iter().any(|h| h["copies"].as_u64() >= Some(2)),
        "the two syndicated copies form one cluster"
    );
}

#[test]
fn documents_by_percent_encoded_id_with_every_evidence_span() {
    let data = fixture_data();
    let s = Server::start(&data);
    let ids = fixture_ids();
    assert!(ids.iter().any(|i| i.contains('/')) && ids.iter().any(|i| i.contains('#')));
    assert!(ids.iter().any(|i| !i.is_ascii()));
    let mut spans = 0;
    for (id, line) in ids.iter().zip(DOCS.lines()) {
        let fixture: Value = serde_json::from_str(line).unwrap();
        let (status, d) = s.get_document(id);
        assert_eq!(status, 200, "{id}: {d}");
        assert_eq!(d["id"], *id);
        assert_eq!(d["text"], fixture["text"]);
        assert_eq!(d["title"], fixture["title"]);
        assert_eq!(d["source"], fixture["source"]);
        // the tags are those `ticai tag` gives the same document
        let tagged = {
            let dir = scratch(&format!("serve-tag-{}", spans));
            let f = dir.join("one.jsonl");
            std::fs::write(&f, format!("{line}\n")).unwrap();
            cli_json(&dir, &["tag", f.to_str().unwrap()])
        };
        assert_eq!(d["themes"], tagged["themes"], "{id}");
        assert_eq!(d["companies"], tagged["companies"], "{id}");
        let text = chars(d["text"].as_str().unwrap());
        let title = chars(d["title"].as_str().unwrap_or(""));
        for tag in d["themes"]
            .as_array()
            .unwrap()
            .iter()
            .chain(d["companies"].as_array().unwrap())
        {
            for e in tag["evidence"].as_array().unwrap() {
                let (a, b) = (
                    e["start"].as_u64().unwrap() as usize,
                    e["end"].as_u64().unwrap() as usize,
                );
                let field = if e["field"] == "title" { &title } else { &text };
                let got: String = field[a..b].iter().collect();
                assert_eq!(got, e["text"].as_str().unwrap(), "{id} {e}");
                spans += 1;
            }
        }
    }
    assert!(spans >= 10, "{spans} evidence spans");
    // unknown ids: 404 with the id; a near miss is not a match
    for id in [
        "nope",
        "notes/2026-07/液冷#",
        "https://example.com/nope?x=1#y",
    ] {
        let (status, v) = s.get_document(id);
        assert_eq!(status, 404, "{id}: {v}");
        assert_eq!(v["detail"]["id"], id);
        assert!(v["error"].as_str().unwrap().contains("no document"), "{v}");
    }
    // an id with a raw `/` (not encoded) reaches the same document
    let raw = ids
        .iter()
        .find(|i| i.contains('/') && !i.contains(['#', '?']))
        .unwrap();
    let (status, v) = s.get_raw(&format!("/api/documents/{raw}"));
    assert_eq!(status, 200, "{raw}");
    assert_eq!(serde_json::from_str::<Value>(&v).unwrap()["id"], *raw);
}

/// A long report names its themes more often than one answer shows: the
/// spans come a page at a time, and the pages join into what `ticai tag`
/// gives the document.
#[test]
fn a_long_articles_spans_come_a_page_at_a_time() {
    let dir = scratch("serve-long");
    let sentence = "液冷方案落地，中际旭创的光模块放量。";
    let text = sentence.repeat(130);
    let line = serde_json::json!({
        "id": "long-report",
        "title": "液冷年报",
        "text": text,
        "published_at": "2026-07-01T08:00:00+08:00",
        "source": "fixture",
    })
    .to_string();
    let f = dir.join("long.jsonl");
    std::fs::write(&f, format!("{line}\n")).unwrap();
    let data = dir.join("data");
    ok(&data, &["ingest", f.to_str().unwrap()]);
    let tagged = cli_json(&dir, &["tag", f.to_str().unwrap()]);
    let want = |kind: &str, key: &str, name: &str| -> Vec<Value> {
        tagged[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t[key] == name)
            .unwrap_or_else(|| panic!("{name} tagged"))["evidence"]
            .as_array()
            .unwrap()
            .clone()
    };
    let cooling = want("themes", "id", "liquid-cooling");
    let innolight = want("companies", "name", "中际旭创");
    // 130 in the text (and one in the title)
    let all = cooling.len() as u64;
    assert!(all >= 130, "{all}");
    assert_eq!(innolight.len(), 130);

    let s = Server::start(&data);
    let path = s.document_url("long-report").path().to_string();
    let page = |query: &[(&str, &str)]| -> Value {
        let (status, v) = s.get_json(&path, query);
        assert_eq!(status, 200, "{query:?}: {v}");
        v
    };
    let spans = |v: &Value, kind: &str, key: &str, name: &str| -> (Vec<Value>, Option<u64>) {
        let t = v[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t[key] == name)
            .unwrap()
            .clone();
        (
            t["evidence"].as_array().unwrap().clone(),
            t["evidence_total"].as_u64(),
        )
    };
    // the default page: 50 spans a tag, the exact counts, the text
    let first = page(&[]);
    assert_eq!(first["text"].as_str().unwrap(), text);
    assert_eq!(first["evidence_offset"], 0);
    assert_eq!(first["evidence_limit"], 50);
    let (ev, total) = spans(&first, "themes", "id", "liquid-cooling");
    assert_eq!((ev.len(), total), (50, Some(all)));
    assert_eq!(ev[..], cooling[..50]);
    let theme = first["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "liquid-cooling")
        .unwrap();
    assert_eq!(theme["mentions"], all, "mentions stay exact");
    // the next pages, spans only
    let mut joined = ev;
    let mut companies = spans(&first, "companies", "name", "中际旭创").0;
    for offset in ["50", "100"] {
        let v = page(&[("evidence_offset", offset), ("text", "false")]);
        assert!(v.get("text").is_none(), "text=false leaves the text out");
        let (ev, total) = spans(&v, "themes", "id", "liquid-cooling");
        assert_eq!(total, Some(all));
        joined.extend(ev);
        companies.extend(spans(&v, "companies", "name", "中际旭创").0);
    }
    assert_eq!(joined, cooling, "the pages join into every span");
    assert_eq!(companies, innolight);
    // past the end: no spans, the total still there
    let (ev, total) = spans(
        &page(&[("evidence_offset", "500")]),
        "themes",
        "id",
        "liquid-cooling",
    );
    assert_eq!((ev.len(), total), (0, Some(all)));
    // a larger page on request, up to the cap
    let (ev, total) = spans(
        &page(&[("evidence_limit", "1000")]),
        "themes",
        "id",
        "liquid-cooling",
    );
    assert_eq!((ev.len(), total), (131, None), "everything fits: no total");
    for (query, param) in [
        (("evidence_limit", "1001"), "evidence_limit"),
        (("evidence_limit", "-1"), "evidence_limit"),
        (("evidence_offset", "x"), "evidence_offset"),
        (("text", "maybe"), "text"),
        (("evidence", "5"), "evidence"),
    ] {
        let (status, v) = s.get_json(&path, &[query]);
        assert_eq!(status, 400, "{query:?}: {v}");
        assert!(
            v["error"].as_str().unwrap().contains(param),
            "{query:?}: {v}"
        );
    }
    let (_, stats) = s.get_json("/api/stats", &[]);
    assert_eq!(stats["article_evidence_per_tag"], 50);
    assert_eq!(stats["evidence_spans_stored_per_tag"], 0);
    drop(s);

    // `--max-evidence` sets the page size
    let s = Server::start_with(&data, &["--max-evidence", "20"]);
    let (status, v) = s.get_document("long-report");
    assert_eq!(status, 200);
    assert_eq!(v["evidence_limit"], 20);
    let (ev, total) = spans(&v, "themes", "id", "liquid-cooling");
    assert_eq!((ev.len(), total), (20, Some(all)));
    let (_, stats) = s.get_json("/api/stats", &[]);
    assert_eq!(stats["article_evidence_per_tag"], 20);
    drop(s);
    let out = ticai_in(&data, &["serve", "--max-evidence", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-evidence"));
}

#[test]
fn bad_parameters_are_400_with_json_errors() {
    let data = fixture_data();
    let s = Server::start(&data);
    let long = "液".repeat(1001);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        ("/api/search", vec![("limit", "0")], "limit"),
        ("/api/search", vec![("limit", "201")], "limit"),
        ("/api/search", vec![("limit", "ten")], "limit"),
        ("/api/search", vec![("offset", "-1")], "offset"),
        ("/api/search", vec![("offset", "10001")], "offset"),
        ("/api/search", vec![("sort", "newest")], "sort"),
        ("/api/search", vec![("theme", "supernod")], "theme"),
        ("/api/search", vec![("since", "yesterday")], "since"),
        ("/api/search", vec![("q", &long)], "q"),
        ("/api/search", vec![("colour", "red")], "colour"),
        ("/api/trends", vec![("interval", "hour")], "interval"),
        ("/api/trends", vec![("rollup", "maybe")], "rollup"),
        ("/api/trends", vec![("top", "1000")], "top"),
        ("/api/cooccur", vec![("kind", "company-company")], "kind"),
        ("/api/alerts", vec![("since", "2026-07-01")], "since"),
    ];
    for (path, qs, param) in cases {
        let (status, v) = s.get_json(path, &qs);
        assert_eq!(status, 400, "{path} {qs:?}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
        assert_eq!(v["detail"]["parameter"], param, "{path} {qs:?}: {v}");
    }
    // a wrong theme id names the closest one
    let (_, v) = s.get_json("/api/search", &[("theme", "supernod")]);
    assert!(v["error"].as_str().unwrap().contains("supernode"), "{v}");
    // a malformed query says where, on every endpoint that takes one
    for path in ["/api/search", "/api/trends", "/api/cooccur", "/api/alerts"] {
        let (status, v) = s.get_json(path, &[("q", "英伟达 AND 液冷)")]);
        assert_eq!(status, 400, "{path}: {v}");
        assert_eq!(v["detail"]["column"], 11, "{path}: {v}");
        assert_eq!(v["detail"]["query"], "英伟达 AND 液冷)");
        let (status, v) = s.get_json(path, &[("q", "英伟达 theme:supernod")]);
        assert_eq!(
            (status, v["detail"]["column"].clone()),
            (400, Value::from(5)),
            "{path}: {v}"
        );
    }
    // requests the CLI also refuses: the same messages
    for (path, qs, flags) in [
        (
            "/api/trends",
            vec![("theme", "no-such-theme")],
            vec!["trends", "--theme", "no-such-theme"],
        ),
        (
            "/api/trends",
            vec![("company", "不存在公司")],
            vec!["trends", "--company", "不存在公司"],
        ),
        (
            "/api/trends",
            vec![("theme", "supernode"), ("top", "3")],
            vec!["trends", "--theme", "supernode", "--top", "3"],
        ),
        (
            "/api/alerts",
            vec![("window", "0")],
            vec!["alerts", "--window", "0"],
        ),
        (
            "/api/trends",
            vec![("since", "2026-13-01")],
            vec!["trends", "--since", "2026-13-01"],
        ),
    ] {
        let (status, v) = s.get_json(path, &qs);
        assert_eq!(status, 400, "{path} {qs:?}: {v}");
        let out = ticai_in(&data, &flags);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(v["error"].as_str().unwrap()),
            "{path}: {v} vs {stderr}"
        );
    }
    let (status, v) = s.get_json("/api/nothing-here", &[]);
    assert_eq!((status, v["error"].as_str()), (404, Some("no such route")));
}

#[test]
fn trends_cooccur_alerts_themes_stats_answer_what_the_cli_prints() {
    let data = fixture_data();
    let s = Server::start(&data);
    // trends: the very bytes of `ticai trends --format json`
    for (qs, flags) in [
        (
            vec![("theme", "liquid-cooling"), ("theme", "supernode")],
            vec!["--theme", "liquid-cooling", "--theme", "supernode"],
        ),
        (
            vec![("top", "3"), ("interval", "week")],
            vec!["--top", "3", "--interval", "week"],
        ),
        (
            vec![("company", "英伟达"), ("rollup", "false"), ("q", "订单")],
            vec!["--company", "英伟达", "--no-rollup", "--query", "订单"],
        ),
        (
            vec![
                ("theme", "supernode"),
                ("since", "2026-07-01"),
                ("until", "2026-07-31"),
                ("source", "A"),
                ("tz", "UTC"),
            ],
            vec![
                "--theme",
                "supernode",
                "--since",
                "2026-07-01",
                "--until",
                "2026-07-31",
                "--source",
                "A",
                "--tz",
                "UTC",
            ],
        ),
    ] {
        let (status, body) = s.get("/api/trends", &qs);
        assert_eq!(status, 200, "{body}");
        let mut args = vec!["trends", "--format", "json"];
        args.extend(&flags);
        assert_eq!(body, ok(&data, &args), "{qs:?}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(!v["series"].as_array().unwrap().is_empty(), "{qs:?}");
    }
    // co-occurrence
    let (status, body) = s.get(
        "/api/cooccur",
        &[("min_articles", "1"), ("kind", "theme-theme")],
    );
    assert_eq!(status, 200);
    assert_eq!(
        body,
        ok(
            &data,
            &[
                "cooccur",
                "--format",
                "json",
                "--min-articles",
                "1",
                "--kind",
                "theme-theme",
                "--limit",
                "50"
            ]
        )
    );
    assert!(
        !serde_json::from_str::<Value>(&body).unwrap()["pairs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // alerts
    let qs = [
        ("window", "3"),
        ("min_articles", "1"),
        ("min_score", "0"),
        ("until", "2026-07-07"),
    ];
    let (status, v) = s.get_json("/api/alerts", &qs);
    assert_eq!(status, 200, "{v}");
    let cli = cli_json(
        &data,
        &[
            "alerts",
            "--format",
            "json",
            "--window",
            "3",
            "--min-articles",
            "1",
            "--min-score",
            "0",
            "--until",
            "2026-07-07",
        ],
    );
    assert_eq!(v, cli);
    assert!(!v["alerts"].as_array().unwrap().is_empty(), "{v}");
    // themes: the lexicon, as `ticai lexicon themes --format json` lists it
    let (status, v) = s.get_json("/api/themes", &[]);
    assert_eq!(status, 200);
    let listed: Vec<Value> = ok(&data, &["lexicon", "themes", "--format", "json"])
        .lines()
        .map(|l| {
            let mut t: Value = serde_json::from_str(l).unwrap();
            t.as_object_mut().unwrap().remove("exclude");
            t
        })
        .collect();
    assert_eq!(v["themes"].as_array().unwrap(), &listed);
    // stats and health
    let (status, v) = s.get_json("/api/stats", &[]);
    assert_eq!(status, 200);
    assert_eq!(v, cli_json(&data, &["stats", "--format", "json"]));
    assert_eq!(v["documents"], DOCS.lines().count());
    let (status, v) = s.get_json("/healthz", &[]);
    assert_eq!((status, v["status"].as_str()), (200, Some("ok")));
}

#[test]
fn the_page_and_its_headers() {
    let data = fixture_data();
    let s = Server::start(&data);
    let r = s.response("/");
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let script_src: Vec<&str> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| d.starts_with("script-src"))
        .collect();
    assert_eq!(script_src, ["script-src 'self'"], "{csp}");
    let html = r.text().unwrap();
    // no inline script: every <script> has a src on this server; no handlers
    for tag in html.split("<script").skip(1) {
        let head = tag.split('>').next().unwrap();
        assert!(
            head.contains("src=\"/static/"),
            "inline or foreign script: {head}"
        );
    }
    let lower = html.to_lowercase();
    for handler in [
        "onclick=",
        "onload=",
        "onerror=",
        "onchange=",
        "onsubmit=",
        "javascript:",
    ] {
        assert!(!lower.contains(handler), "{handler}");
    }
    for file in [
        "/static/app.js",
        "/static/app.css",
        "/static/vendor/uPlot.iife.min.js",
    ] {
        let r = s.response(file);
        assert_eq!(r.status(), 200, "{file}");
        assert!(r.headers().contains_key("content-security-policy"));
    }
    let r = s.response("/api/stats");
    assert!(r.headers().contains_key("content-security-policy"));
    assert_eq!(s.response("/static/nope.js").status(), 404);
}

#[test]
fn a_commit_while_serving_shows_up_without_a_restart() {
    let dir = scratch("serve-live");
    let f = dir.join("docs.jsonl");
    std::fs::write(&f, DOCS).unwrap();
    let data = dir.join("data");
    ok(&data, &["ingest", f.to_str().unwrap()]);
    let s = Server::start(&data);
    let before = DOCS.lines().count() as u64;
    let (_, v) = s.get_json("/healthz", &[]);
    assert_eq!(v["documents"], before);
    let (_, v) = s.get_json("/api/search", &[("q", "钠离子电池")]);
    assert_eq!(v["total"], 0);
    let more = dir.join("more.jsonl");
    std::fs::write(
        &more,
        "{\"id\":\"late/钠电#1\",\"title\":\"钠离子电池\",\"text\":\"钠离子电池量产，液冷储能系统同步发布。\",\"published_at\":\"2026-07-09T10:00:00+08:00\",\"source\":\"B\"}\n",
    )
    .unwrap();
    ok(&data, &["ingest", more.to_str().unwrap()]);
    let (_, v) = s.get_json("/healthz", &[]);
    assert_eq!(v["documents"], before + 1);
    let (_, v) = s.get_json("/api/search", &[("q", "钠离子电池")]);
    assert_eq!(hit_ids(&v), ["late/钠电#1"]);
    let (status, d) = s.get_document("late/钠电#1");
    assert_eq!((status, d["source"].as_str()), (200, Some("B")));
}
