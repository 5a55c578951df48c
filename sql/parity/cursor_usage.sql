-- Parity of the legacy Cursor export against its v2 fact, per usage day.
-- Output contract: partition_date, then legacy_<metric> / v2_<metric> pairs.
-- The date filters satisfy require_partition_filter on the v2 table.
WITH legacy AS (
  SELECT
    date AS partition_date,
    COUNT(*) AS row_count,
    SUM(lines_added) AS lines_added,
    SUM(accepted_lines_added) AS accepted_lines_added,
    SUM(accepts) AS accepts,
    SUM(tabs_accepted) AS tabs_accepted
  FROM `{{project}}.{{dataset}}.raw_cursor_usage`
  WHERE date >= DATE '2000-01-01'
  GROUP BY partition_date
),
v2 AS (
  SELECT
    usage_date AS partition_date,
    COUNT(*) AS row_count,
    SUM(lines_added) AS lines_added,
    SUM(accepted_lines_added) AS accepted_lines_added,
    SUM(total_accepts) AS accepts,
    SUM(total_tabs_accepted) AS tabs_accepted
  FROM `{{project}}.{{dataset}}.fact_cursor_daily_usage_v2`
  WHERE usage_date >= DATE '2000-01-01'
  GROUP BY partition_date
)
SELECT
  COALESCE(l.partition_date, n.partition_date) AS partition_date,
  l.row_count AS legacy_rows,
  n.row_count AS v2_rows,
  l.lines_added AS legacy_lines_added,
  n.lines_added AS v2_lines_added,
  l.accepted_lines_added AS legacy_accepted_lines_added,
  n.accepted_lines_added AS v2_accepted_lines_added,
  l.accepts AS legacy_accepts,
  n.accepts AS v2_accepts,
  l.tabs_accepted AS legacy_tabs_accepted,
  n.tabs_accepted AS v2_tabs_accepted
FROM legacy AS l
FULL OUTER JOIN v2 AS n
  ON l.partition_date = n.partition_date
ORDER BY partition_date
