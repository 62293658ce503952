-- The `ticai trends` rows, computed in Spark SQL from the mentions table
-- (`ticai export mentions`, or mentions/ of deploy/spark/ticai_backfill.py).
-- This file is the definition of each column of `ticai trends`;
-- deploy/spark/check_backfill.py checks it row by row against `ticai trends`
-- over an index of the same documents.
--
-- Views it reads:
--   mentions(doc_id, url, published_at, bucket_day, source, cluster_id, kind,
--            key, name, code, mentions, in_title, lexicon_version)
--            one row per (document, tag) and one `kind = 'document'` row per
--            document; bucket_day is the publication day in the series' time
--            zone, NULL for an undated document (in no bucket)
--   theme_names(id, name)                 the lexicon's themes
--   theme_family(theme, ancestor, own)    each theme with itself (own) and
--                                         every ancestor in the hierarchy
-- Parameters, replaced before the query runs:
--   ${interval}  day | week | month      ${since}, ${until}  YYYY-MM-DD
--   ${rollup}    true: a theme's series counts its descendants' tags too
--
-- Series: every theme of the lexicon, and every company tagged in the period.
-- Every bucket of the period is present for every series, zeros included.
WITH
days AS (
  SELECT explode(sequence(DATE '${since}', DATE '${until}', INTERVAL 1 DAY)) AS d
),
-- bucket: the first day of the day, week (Monday to Sunday) or month; the
-- first and last buckets count only the days inside the period
buckets AS (
  SELECT d,
         CASE '${interval}' WHEN 'day' THEN d
                            WHEN 'week' THEN trunc(d, 'week')
                            ELSE trunc(d, 'month') END AS bucket
  FROM days
),
rows_in_period AS (
  SELECT b.bucket, m.doc_id, m.cluster_id, m.kind, m.key, m.name, m.code, m.mentions, m.in_title
  FROM mentions m
  JOIN buckets b ON CAST(m.bucket_day AS DATE) = b.d
),
-- total_articles: every dated document of the bucket (the denominator)
totals AS (
  SELECT bucket, count(*) AS total_articles
  FROM rows_in_period WHERE kind = 'document'
  GROUP BY bucket
),
-- a theme tag counts for its theme and, with rollup, for each ancestor
hits AS (
  SELECT r.bucket, 'theme' AS kind, f.ancestor AS key, r.doc_id, r.cluster_id,
         r.mentions, r.in_title
  FROM rows_in_period r
  JOIN theme_family f ON f.theme = r.key AND (${rollup} OR f.own)
  WHERE r.kind = 'theme'
  UNION ALL
  SELECT bucket, 'company', key, doc_id, cluster_id, mentions, in_title
  FROM rows_in_period WHERE kind = 'company'
),
-- a document counts once per series, however many of the series' themes (a
-- parent and its children) it carries: their mentions add up, and it is in
-- the title when any of them is
per_document AS (
  SELECT bucket, kind, key, doc_id, first(cluster_id) AS cluster_id,
         sum(mentions) AS mentions, bool_or(in_title) AS in_title
  FROM hits
  GROUP BY bucket, kind, key, doc_id
),
cells AS (
  SELECT bucket, kind, key,
         count(*) AS articles,                      -- documents with the tag
         count(DISTINCT cluster_id) AS stories,     -- distinct near-duplicate clusters among them
         sum(mentions) AS mentions,                 -- the mentions counted in them
         count_if(in_title) AS title_articles       -- those with the tag in the title
  FROM per_document
  GROUP BY bucket, kind, key
),
series AS (
  SELECT 'theme' AS kind, id AS key, name, '' AS code FROM theme_names
  UNION ALL
  -- a company's code: the smallest its tags carry in the period (two
  -- companies outside the lexicon may share a name)
  SELECT 'company', key, first(name), coalesce(min(nullif(code, '')), '')
  FROM rows_in_period WHERE kind = 'company'
  GROUP BY key
)
SELECT date_format(b.bucket, 'yyyy-MM-dd') AS bucket,
       s.kind, s.key, s.name, s.code,
       coalesce(c.articles, 0) AS articles,
       coalesce(c.stories, 0) AS stories,
       coalesce(c.mentions, 0) AS mentions,
       coalesce(c.title_articles, 0) AS title_articles,
       coalesce(t.total_articles, 0) AS total_articles,
       -- share: articles / total_articles, 0 for an empty bucket
       CASE WHEN coalesce(t.total_articles, 0) = 0 THEN CAST(0 AS DOUBLE)
            ELSE CAST(coalesce(c.articles, 0) AS DOUBLE) / CAST(t.total_articles AS DOUBLE)
       END AS share
FROM (SELECT DISTINCT bucket FROM buckets) b
CROSS JOIN series s
LEFT JOIN cells c ON c.bucket = b.bucket AND c.kind = s.kind AND c.key = s.key
LEFT JOIN totals t ON t.bucket = b.bucket
ORDER BY bucket, kind DESC, key
