-- Weekly roll-up per user of the daily productivity view (weeks start on Monday).
SELECT
  DATE_TRUNC(usage_date, WEEK(MONDAY)) AS week_start,
  user_id,
  SUM(ai_lines_total) AS ai_lines_total,
  SUM(claude_cost_usd) AS claude_cost_usd,
  SAFE_DIVIDE(SUM(claude_cost_usd), SUM(claude_lines_added)) AS claude_cost_per_line,
  MIN(attribution_confidence) AS min_attribution_confidence
FROM `{{project}}.{{dataset}}.vw_ai_coding_productivity{{v2}}`
GROUP BY week_start, user_id
