-- Win rates by rep: won / (won + lost) over closed deals, by count and by value.
SELECT
    o.owner_rep_id AS key,
    coalesce(r.team, '(all)') AS parent,
    count(*) FILTER (WHERE o.status = 'won') AS won,
    count(*) FILTER (WHERE o.status = 'lost') AS lost,
    count(*) AS closed,
    count(*) FILTER (WHERE o.status = 'won') / count(*) AS win_rate,
    coalesce(sum(coalesce(o.amount, 0)) FILTER (WHERE o.status = 'won'), 0)
        / nullif(sum(coalesce(o.amount, 0)), 0) AS value_win_rate,
    coalesce(sum(coalesce(o.amount, 0)) FILTER (WHERE o.status = 'won'), 0) AS won_value,
    coalesce(sum(coalesce(o.amount, 0)) FILTER (WHERE o.status = 'lost'), 0) AS lost_value
FROM opportunities AS o
LEFT JOIN reps AS r ON r.rep_id = o.owner_rep_id
WHERE o.status IN ('won', 'lost')
GROUP BY ALL
ORDER BY key
