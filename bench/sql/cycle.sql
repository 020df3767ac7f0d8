-- Sales cycle by rep: days from creation to win of won deals, linear percentiles.
WITH won AS (
    SELECT
        owner_rep_id,
        (epoch(closed_at) - epoch(created_at)) / 86400 AS days
    FROM opportunities
    WHERE status = 'won' AND created_at IS NOT NULL AND closed_at IS NOT NULL
)
SELECT
    w.owner_rep_id AS key,
    coalesce(r.team, '(all)') AS parent,
    count(*) AS won,
    avg(days) AS mean_days,
    quantile_cont(days, 0.25) AS p25_days,
    quantile_cont(days, 0.5) AS median_days,
    quantile_cont(days, 0.75) AS p75_days,
    quantile_cont(days, 0.9) AS p90_days
FROM won AS w
LEFT JOIN reps AS r ON r.rep_id = w.owner_rep_id
GROUP BY ALL
ORDER BY key
