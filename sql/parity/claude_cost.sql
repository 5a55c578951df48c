-- Parity of the legacy Anthropic cost export against the v2 Claude fact's cost, per day.
-- Legacy rows count user-days, so they compare with v2 rows that carry a cost.
WITH legacy AS (
  SELECT
    date AS partition_date,
    COUNT(DISTINCT user_email) AS row_count,
    SUM(cost_usd) AS cost_usd
  FROM `{{project}}.{{dataset}}.raw_anthropic_cost`
  WHERE date >= DATE '2000-01-01'
  GROUP BY partition_date
),
v2 AS (
  SELECT
    usage_date AS partition_date,
    COUNTIF(total_cost_usd IS NOT NULL) AS row_count,
    SUM(total_cost_usd) AS cost_usd
  FROM `{{project}}.{{dataset}}.fact_claude_daily_usage_v2`
  WHERE usage_date >= DATE '2000-01-01'
  GROUP BY partition_date
)
SELECT
  COALESCE(l.partition_date, n.partition_date) AS partition_date,
  l.row_count AS legacy_rows,
  n.row_count AS v2_rows,
  l.cost_usd AS legacy_cost_usd,
  n.cost_usd AS v2_cost_usd
FROM legacy AS l
FULL OUTER JOIN v2 AS n
  ON l.partition_date = n.partition_date
ORDER BY partition_date
