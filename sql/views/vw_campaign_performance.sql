-- Daily delivery, spend and attributed conversions per platform and campaign.
-- Conversions attributed with a confidence below 0.5 are not credited to a campaign.
WITH delivery AS (
  SELECT
    metric_date,
    platform,
    campaign_id,
    SUM(impressions) AS impressions,
    SUM(clicks) AS clicks,
    SUM(spend) AS spend
  FROM `{{project}}.{{dataset}}.ad_metrics`
  GROUP BY metric_date, platform, campaign_id
),
credited AS (
  SELECT
    DATE(conversion_timestamp) AS metric_date,
    platform,
    campaign_id,
    COUNT(*) AS conversions,
    SUM(value) AS conversion_value
  FROM `{{project}}.{{dataset}}.conversions`
  WHERE attribution.confidence >= 0.5
  GROUP BY metric_date, platform, campaign_id
)
SELECT
  d.metric_date,
  d.platform,
  d.campaign_id,
  d.impressions,
  d.clicks,
  d.spend,
  IFNULL(c.conversions, 0) AS conversions,
  c.conversion_value,
  SAFE_DIVIDE(d.clicks, d.impressions) AS click_through_rate,
  SAFE_DIVIDE(d.spend, c.conversions) AS cost_per_conversion,
  SAFE_DIVIDE(c.conversion_value, d.spend) AS return_on_ad_spend
FROM delivery AS d
LEFT JOIN credited AS c
  ON c.metric_date = d.metric_date AND c.platform = d.platform AND c.campaign_id = d.campaign_id
