-- Parity of the legacy Claude Code usage export (one row per user, day and model)
-- against its v2 fact (one row per user and day, models nested), per usage day.
WITH legacy AS (
  SELECT
    date AS partition_date,
    COUNT(DISTINCT user_email) AS row_count,
    SUM(lines_added) AS lines_added,
    SUM(commits) AS commits,
    SUM(input_tokens) AS input_tokens,
    SUM(output_tokens) AS output_tokens
  FROM `{{project}}.{{dataset}}.raw_anthropic_usage`
  WHERE date >= DATE '2000-01-01'
  GROUP BY partition_date
),
v2 AS (
  SELECT
    f.usage_date AS partition_date,
    COUNT(*) AS row_count,
    SUM(f.lines_added) AS lines_added,
    SUM(f.commits) AS commits,
    SUM((SELECT SUM(m.input_tokens) FROM UNNEST(f.model_usage) AS m)) AS input_tokens,
    SUM((SELECT SUM(m.output_tokens) FROM UNNEST(f.model_usage) AS m)) AS output_tokens
  FROM `{{project}}.{{dataset}}.fact_claude_daily_usage_v2` AS f
  WHERE f.usage_date >= DATE '2000-01-01'
  GROUP BY partition_date
)
SELECT
  COALESCE(l.partition_date, n.partition_date) AS partition_date,
  l.row_count AS legacy_rows,
  n.row_count AS v2_rows,
  l.lines_added AS legacy_lines_added,
  n.lines_added AS v2_lines_added,
  l.commits AS legacy_commits,
  n.commits AS v2_commits,
  l.input_tokens AS legacy_input_tokens,
  n.input_tokens AS v2_input_tokens,
  l.output_tokens AS legacy_output_tokens,
  n.output_tokens AS v2_output_tokens
FROM legacy AS l
FULL OUTER JOIN v2 AS n
  ON l.partition_date = n.partition_date
ORDER BY partition_date
