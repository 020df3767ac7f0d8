-- What `funnelwise plan --period Q` reads per rep, Q the quarter after the review date's (the
-- temporary table `cut` of review.sql), default funnel and options, all history: the funnel
-- counts of each step (k and n of every rate), won deals' size and cycle, and the quota. The
-- same figures by team and for everyone: a rep with fewer than 10 closed opportunities, or a
-- step with no data, plans with its team's figures (everyone's when the team has none). A
-- rep's deal-size spread (cv) is its own from 30 wins, else the spread pooled over the reps
-- (over the teams, for team figures). The rates themselves are shrunk posteriors in
-- funnelwise: compared are the other figures.
WITH period AS (
    SELECT CAST(date_trunc('quarter', cut) + INTERVAL 3 MONTH AS DATE) AS first_day,
           CAST(date_trunc('quarter', cut) + INTERVAL 6 MONTH AS DATE) - 1 AS last_day
    FROM cut
),
quota AS (
    SELECT q.rep_id AS key, coalesce(r.team, '(all)') AS parent,
           sum(q.amount * (least(p.last_day, q.period_end) - greatest(p.first_day, q.period_start)
                           + 1) / (q.period_end - q.period_start + 1)) AS quota
    FROM quotas AS q
    CROSS JOIN period AS p
    LEFT JOIN reps AS r USING (rep_id)
    WHERE q.period_end >= p.first_day AND q.period_start <= p.last_day
    GROUP BY ALL
    HAVING sum(q.amount * (least(p.last_day, q.period_end) - greatest(p.first_day, q.period_start)
                           + 1) / (q.period_end - q.period_start + 1)) > 0
),
team_of AS (SELECT rep_id AS rep, coalesce(team, '(none)') AS team FROM reps),
per_kind AS (
    SELECT rep_id AS rep, type, output, count(*) AS n FROM activities GROUP BY ALL
),
steps AS (     -- the n of each rate: outreach, conversation, meeting, closed qualified deals
    SELECT rep,
           sum(n) FILTER (WHERE type IN ('call', 'email', 'linkedin')) AS outreach,
           sum(n) FILTER (WHERE type IN ('call', 'email', 'linkedin')
                          AND output IN ('connected', 'replied')) AS conversation,
           sum(n) FILTER (WHERE type = 'meeting' AND output = 'held') AS meeting,
           NULL::HUGEINT AS closed
    FROM per_kind
    GROUP BY ALL
    UNION ALL
    SELECT owner_rep_id, NULL, NULL, NULL, count(*) FILTER (WHERE status IN ('won', 'lost'))
    FROM opportunities
    GROUP BY ALL
),
counts AS (    -- per rep, then added up by team and for everyone
    SELECT s.rep, coalesce(t.team, '(none)') AS team, sum(s.outreach) AS outreach,
           sum(s.conversation) AS conversation, sum(s.meeting) AS meeting,
           sum(s.closed) AS closed
    FROM steps AS s
    LEFT JOIN team_of AS t USING (rep)
    GROUP BY ALL
),
rolled AS (
    SELECT CASE WHEN grouping(rep) = 0 THEN 'rep' WHEN grouping(team) = 0 THEN 'team'
                ELSE 'all' END AS level,
           coalesce(CASE WHEN grouping(rep) = 0 THEN rep WHEN grouping(team) = 0 THEN team END,
                    '(all)') AS key,
           coalesce(sum(outreach), 0) > 0 AND coalesce(sum(conversation), 0) > 0
               AND coalesce(sum(meeting), 0) > 0 AND coalesce(sum(closed), 0) > 0 AS all_steps,
           coalesce(sum(closed), 0) AS closed
    FROM counts
    GROUP BY GROUPING SETS ((rep, team), (team), ())
),
won AS (
    SELECT o.owner_rep_id AS rep, coalesce(t.team, '(none)') AS team, o.amount,
           (epoch(o.closed_at) - epoch(o.created_at)) / 86400 AS days
    FROM opportunities AS o
    LEFT JOIN team_of AS t ON t.rep = o.owner_rep_id
    WHERE o.status = 'won'
),
deals AS (
    SELECT CASE WHEN grouping(rep) = 0 THEN 'rep' WHEN grouping(team) = 0 THEN 'team'
                ELSE 'all' END AS level,
           coalesce(CASE WHEN grouping(rep) = 0 THEN rep WHEN grouping(team) = 0 THEN team END,
                    '(all)') AS key,
           count(amount) AS wins, avg(amount) AS mean, stddev_samp(amount) AS sd,
           quantile_cont(days, 0.5) AS median_days, quantile_cont(days, 0.9) AS p90_days,
           count(days) AS dated
    FROM won
    GROUP BY GROUPING SETS ((rep, team), (team), ())
),
pooled AS (
    SELECT level, sqrt(sum((wins - 1) * (sd / mean) ^ 2) / greatest(sum(wins - 1), 1)) AS cv
    FROM deals
    WHERE wins >= 2
    GROUP BY level
),
figures AS (   -- a group with figures to plan from: won deals with an amount and dates
    SELECT d.level, d.key, d.wins, d.mean,
           CASE WHEN d.wins >= 30 THEN d.sd / d.mean ELSE p.cv END AS cv,
           d.median_days, d.p90_days, r.closed, r.all_steps
    FROM deals AS d
    JOIN rolled AS r USING (level, key)
    LEFT JOIN pooled AS p USING (level)
    WHERE d.wins > 0 AND d.dated > 0
),
chosen AS (
    SELECT q.key, q.quota,
           CASE WHEN own.closed >= 10 AND own.all_steps THEN own.wins
                ELSE coalesce(team.wins, everyone.wins) END AS wins,
           CASE WHEN own.closed >= 10 AND own.all_steps THEN own.mean
                ELSE coalesce(team.mean, everyone.mean) END AS deal_size,
           CASE WHEN own.closed >= 10 AND own.all_steps THEN own.cv
                ELSE coalesce(team.cv, everyone.cv) END AS deal_cv,
           CASE WHEN own.closed >= 10 AND own.all_steps THEN own.median_days
                ELSE coalesce(team.median_days, everyone.median_days) END AS cycle_days,
           CASE WHEN own.closed >= 10 AND own.all_steps THEN own.p90_days
                ELSE coalesce(team.p90_days, everyone.p90_days) END AS cycle_late_days,
           CASE WHEN own.closed >= 10 AND own.all_steps THEN 'own' ELSE 'team' END AS source
    FROM quota AS q
    LEFT JOIN figures AS own ON own.level = 'rep' AND own.key = q.key
    LEFT JOIN figures AS team ON team.level = 'team' AND team.key = q.parent
    CROSS JOIN (SELECT * FROM figures WHERE level = 'all') AS everyone
)
SELECT key, source, quota, wins, deal_size, deal_cv, cycle_days, cycle_late_days FROM chosen
UNION ALL
SELECT '(all)', 'team', (SELECT sum(quota) FROM quota), wins, mean, cv, median_days, p90_days
FROM figures
WHERE level = 'all'
ORDER BY key
