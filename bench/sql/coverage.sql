-- Win-rate-aware coverage per rep for the default period of the review date (its quarter if a
-- third of it remains, else the next), from the review of
-- review.sql (temporary tables `cut` and `reviewed`): quota pro rata to its days in the
-- quarter, won so far, the open pipeline expected to close by the quarter's end (overdue deals
-- included), its disqualified part, and the value win rate over the year before the review.
WITH here AS (
    SELECT CAST(cut AS DATE) AS as_of, CAST(date_trunc('quarter', cut) AS DATE) AS q0,
           CAST(date_trunc('quarter', cut) + INTERVAL 3 MONTH AS DATE) AS q1
    FROM cut
),
chosen AS (
    SELECT as_of, CASE WHEN 3 * (q1 - as_of) >= q1 - q0 THEN q0 ELSE q1 END AS first_day
    FROM here
),
period AS (
    SELECT as_of, first_day,
           CAST(first_day + INTERVAL 3 MONTH AS DATE) - 1 AS last_day
    FROM chosen
),
quota AS (
    SELECT q.rep_id AS key,
           sum(q.amount * (least(p.last_day, q.period_end) - greatest(p.first_day, q.period_start)
                           + 1) / (q.period_end - q.period_start + 1)) AS quota
    FROM quotas AS q, period AS p
    WHERE q.period_end >= p.first_day AND q.period_start <= p.last_day
    GROUP BY ALL
    HAVING sum(q.amount * (least(p.last_day, q.period_end) - greatest(p.first_day, q.period_start)
                           + 1) / (q.period_end - q.period_start + 1)) > 0
),
won AS (
    SELECT o.owner_rep_id AS key, sum(coalesce(o.amount, 0.0)) AS won
    FROM opportunities AS o, period AS p
    WHERE o.status = 'won' AND o.closed_at >= p.first_day
      AND o.closed_at < least(p.last_day + 1, p.as_of)
    GROUP BY ALL
),
closed AS (
    SELECT o.owner_rep_id AS key,
           sum(coalesce(o.amount, 0.0)) FILTER (WHERE o.status = 'won') AS won_value,
           sum(coalesce(o.amount, 0.0)) AS closed_value
    FROM opportunities AS o, period AS p
    WHERE o.status IN ('won', 'lost') AND o.closed_at >= p.as_of - 365
      AND o.closed_at < p.as_of
    GROUP BY ALL
),
pipeline AS (
    SELECT r.rep AS key, sum(r.amount) AS open_pipeline, count(*) AS deals,
           sum(r.amount) FILTER (WHERE NOT r.qualified) AS disqualified_value
    FROM reviewed AS r, period AS p
    WHERE r.expected_close_date <= p.last_day
      AND (r.expected_close_date >= p.first_day OR r.expected_close_date < p.as_of)
    GROUP BY ALL
),
joined AS (
    SELECT q.key, coalesce(t.team, '(all)') AS parent, q.quota,
           coalesce(w.won, 0.0) AS won,
           coalesce(l.pipe, 0.0) AS open_pipeline,
           coalesce(l.deals, 0) AS deals,
           coalesce(l.bad, 0.0) AS disqualified_value,
           coalesce(c.won_value, 0.0) / nullif(c.closed_value, 0) AS value_win_rate
    FROM quota AS q
    LEFT JOIN won AS w USING (key)
    LEFT JOIN closed AS c USING (key)
    LEFT JOIN (SELECT key, open_pipeline AS pipe, deals, disqualified_value AS bad
               FROM pipeline) AS l USING (key)
    LEFT JOIN reps AS t ON t.rep_id = q.key
)
SELECT key, parent, quota, won, greatest(quota - won, 0.0) AS remaining_target, open_pipeline,
       deals, open_pipeline / nullif(greatest(quota - won, 0.0), 0) AS coverage,
       value_win_rate, disqualified_value,
       coalesce(disqualified_value / nullif(open_pipeline, 0), 0.0) AS disqualified_share
FROM joined
ORDER BY key
