-- Activity effectiveness by rep and activity type, default settings: each outcome is credited
-- to the rep's closest preceding activity on the same lead or the same opportunity, at most 30
-- days before it (the latest by the second; within one second the larger activity id). An
-- outcome without a rep belongs to its opportunity's owner. Positive outputs: connected,
-- replied, held.
-- Each branch has its own outcomes CTE: one CTE read twice is materialised by DuckDB, which
-- costs about a third more memory.
WITH o_lead AS (
    SELECT x.outcome_id, x.achieved_at, x.lead_id, coalesce(x.rep_id, op.owner_rep_id) AS rep
    FROM outcomes AS x
    LEFT JOIN opportunities AS op ON op.opportunity_id = x.opportunity_id
    WHERE x.lead_id IS NOT NULL
),
o_opp AS (
    SELECT x.outcome_id, x.achieved_at, x.lead_id, x.opportunity_id,
           coalesce(x.rep_id, op.owner_rep_id) AS rep
    FROM outcomes AS x
    LEFT JOIN opportunities AS op ON op.opportunity_id = x.opportunity_id
    WHERE x.opportunity_id IS NOT NULL
),
pairs AS (
    SELECT o.outcome_id, a.activity_id, a.occurred_at
    FROM o_lead AS o
    JOIN activities AS a
      ON a.rep_id = o.rep AND a.lead_id = o.lead_id
     AND a.occurred_at <= o.achieved_at
     AND epoch(a.occurred_at) >= epoch(o.achieved_at) - 30 * 86400
    UNION ALL
    SELECT o.outcome_id, a.activity_id, a.occurred_at
    FROM o_opp AS o
    JOIN activities AS a
      ON a.rep_id = o.rep AND a.opportunity_id = o.opportunity_id
     AND a.occurred_at <= o.achieved_at
     AND epoch(a.occurred_at) >= epoch(o.achieved_at) - 30 * 86400
     -- an activity on the outcome's own lead is already a pair above
     AND (a.lead_id IS NULL OR o.lead_id IS NULL OR a.lead_id <> o.lead_id)
),
credited AS (
    SELECT substr(max(CAST(CAST(floor(epoch(occurred_at)) AS BIGINT) + 100000000000 AS VARCHAR)
                      || activity_id), 13) AS activity_id
    FROM pairs
    GROUP BY outcome_id
),
per_activity AS (
    SELECT activity_id, count(*) AS n FROM credited GROUP BY ALL
),
got AS (
    SELECT a.rep_id, a.type, sum(p.n) AS outcomes, count(*) AS productive,
           count(*) FILTER (WHERE a.output IN ('connected', 'replied', 'held'))
               AS productive_outputs
    FROM per_activity AS p
    JOIN activities AS a USING (activity_id)
    GROUP BY ALL
),
vol AS (
    SELECT rep_id, type, count(*) AS volume,
           count(*) FILTER (WHERE output IN ('connected', 'replied', 'held')) AS outputs
    FROM activities
    GROUP BY ALL
)
SELECT
    v.rep_id AS key,
    coalesce(r.team, '(all)') AS parent,
    v.type,
    v.volume,
    v.outputs,
    coalesce(g.outcomes, 0) AS outcomes,
    coalesce(g.productive, 0) AS productive,
    coalesce(g.productive_outputs, 0) AS productive_outputs
FROM vol AS v
LEFT JOIN got AS g USING (rep_id, type)
LEFT JOIN reps AS r ON r.rep_id = v.rep_id
ORDER BY v.type, key
