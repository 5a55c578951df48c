-- One row per user and day: Cursor and Claude Code side by side, with productivity and
-- cost ratios per platform. Usage attributed with a confidence below 0.5 is left out:
-- it is not reliable enough to credit to a person. Ratios use SAFE_DIVIDE so a day
-- without activity on a platform yields NULL rather than a failed query.
WITH cursor_usage AS (
  SELECT
    usage_date,
    user_id,
    SUM(IFNULL(lines_added, 0)) AS lines_added,
    SUM(IFNULL(accepted_lines_added, 0)) AS accepted_lines_added,
    SUM(IFNULL(total_accepts, 0)) AS accepts,
    SUM(IFNULL(total_rejects, 0)) AS rejects,
    SUM(IFNULL(total_tabs_shown, 0)) AS tabs_shown,
    SUM(IFNULL(total_tabs_accepted, 0)) AS tabs_accepted,
    MIN(attribution_confidence) AS attribution_confidence
  FROM `{{project}}.{{dataset}}.fact_cursor_daily_usage{{v2}}`
  WHERE platform = 'cursor' AND attribution_confidence >= 0.5
  GROUP BY usage_date, user_id
),
claude_usage AS (
  SELECT
    usage_date,
    user_id,
    SUM(IFNULL(lines_added, 0)) AS lines_added,
    SUM(IFNULL(commits, 0)) AS commits,
    SUM(IFNULL(pull_requests, 0)) AS pull_requests,
    SUM(IFNULL(tool_accepts, 0)) AS tool_accepts,
    SUM(IFNULL(tool_rejects, 0)) AS tool_rejects,
    SUM(total_cost_usd) AS cost_usd,
    MIN(attribution_confidence) AS attribution_confidence
  FROM `{{project}}.{{dataset}}.fact_claude_daily_usage{{v2}}`
  WHERE platform = 'claude_code' AND attribution_confidence >= 0.5
  GROUP BY usage_date, user_id
)
SELECT
  COALESCE(c.usage_date, a.usage_date) AS usage_date,
  COALESCE(c.user_id, a.user_id) AS user_id,
  c.lines_added AS cursor_lines_added,
  c.accepted_lines_added AS cursor_accepted_lines_added,
  SAFE_DIVIDE(c.accepts, c.accepts + c.rejects) AS cursor_acceptance_rate,
  SAFE_DIVIDE(c.tabs_accepted, c.tabs_shown) AS cursor_tab_acceptance_rate,
  a.lines_added AS claude_lines_added,
  a.commits AS claude_commits,
  a.pull_requests AS claude_pull_requests,
  SAFE_DIVIDE(a.tool_accepts, a.tool_accepts + a.tool_rejects) AS claude_tool_acceptance_rate,
  a.cost_usd AS claude_cost_usd,
  SAFE_DIVIDE(a.cost_usd, a.lines_added) AS claude_cost_per_line,
  IFNULL(c.accepted_lines_added, 0) + IFNULL(a.lines_added, 0) AS ai_lines_total,
  CASE
    WHEN c.attribution_confidence IS NULL THEN a.attribution_confidence
    WHEN a.attribution_confidence IS NULL THEN c.attribution_confidence
    ELSE LEAST(c.attribution_confidence, a.attribution_confidence)
  END AS attribution_confidence
FROM cursor_usage AS c
FULL OUTER JOIN claude_usage AS a
  ON c.user_id = a.user_id AND c.usage_date = a.usage_date
