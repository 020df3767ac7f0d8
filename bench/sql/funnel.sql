-- Funnel by rep for the default funnel: outreach -> conversation -> meeting -> qualified -> won.
-- Activity steps count activities by type and output; `qualified` is the first open stage, which
-- every opportunity has reached; `won` its status. Rates: next count / count, except
-- qualified -> won, a cohort rate over the deals that have an answer: won / (won + lost).
WITH per_kind AS (
    SELECT rep_id, type, output, count(*) AS n
    FROM activities
    GROUP BY ALL
),
acts AS (
    SELECT
        rep_id AS key,
        sum(n) FILTER (WHERE type IN ('call', 'email', 'linkedin')) AS outreach,
        sum(n) FILTER (WHERE type IN ('call', 'email', 'linkedin')
                       AND output IN ('connected', 'replied')) AS conversation,
        sum(n) FILTER (WHERE type = 'meeting' AND output = 'held') AS meeting
    FROM per_kind
    GROUP BY ALL
),
opps AS (
    SELECT
        owner_rep_id AS key,
        count(*) AS qualified,
        count(*) FILTER (WHERE status = 'won') AS won,
        count(*) FILTER (WHERE status = 'lost') AS lost,
        count(*) FILTER (WHERE status = 'open') AS still_open
    FROM opportunities
    GROUP BY ALL
),
wide AS (
    SELECT
        key,
        coalesce(r.team, '(all)') AS parent,
        coalesce(a.outreach, 0) AS outreach,
        coalesce(a.conversation, 0) AS conversation,
        coalesce(a.meeting, 0) AS meeting,
        coalesce(o.qualified, 0) AS qualified,
        coalesce(o.won, 0) AS won,
        o.won AS advanced,
        o.lost AS dropped,
        o.still_open AS open
    FROM acts AS a
    FULL JOIN opps AS o USING (key)
    LEFT JOIN reps AS r ON r.rep_id = key
),
steps AS (
    SELECT key, parent, 'outreach' AS step, 0 AS i, outreach AS count,
           NULL::BIGINT AS advanced, NULL::BIGINT AS dropped, NULL::BIGINT AS open,
           conversation / nullif(outreach, 0) AS rate
    FROM wide
    UNION ALL
    SELECT key, parent, 'conversation', 1, conversation, NULL, NULL, NULL,
           meeting / nullif(conversation, 0)
    FROM wide
    UNION ALL
    SELECT key, parent, 'meeting', 2, meeting, NULL, NULL, NULL, qualified / nullif(meeting, 0)
    FROM wide
    UNION ALL
    SELECT key, parent, 'qualified', 3, qualified, advanced, dropped, open,
           advanced / nullif(advanced + dropped, 0)
    FROM wide
    UNION ALL
    SELECT key, parent, 'won', 4, won, NULL, NULL, NULL, NULL
    FROM wide
)
SELECT key, parent, step, count, advanced, dropped, open, rate
FROM steps
ORDER BY key, i
