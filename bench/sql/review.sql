-- Evidence-based pipeline review at the latest data, default funnel and thresholds: every open
-- deal with the flags of the seven rules, then per rep the raw and qualified value, the deals
-- disqualified and flagged, and the flags of each rule. The deals are kept in the temporary
-- table `reviewed` and the review date in `cut` for coverage.sql, as funnelwise hands its
-- review to coverage. The review date is the start of the day after the latest event; only
-- what happened before it counts.
CREATE TEMP TABLE cut AS
SELECT (CAST(greatest(
    (SELECT max(created_at) FROM opportunities),
    (SELECT max(closed_at) FROM opportunities),
    (SELECT max(entered_at) FROM stage_history),
    (SELECT max(occurred_at) FROM activities),
    (SELECT max(achieved_at) FROM outcomes)) AS DATE) + 1)::TIMESTAMP AS cut;

CREATE TEMP TABLE reviewed AS
WITH open_at_cut AS (
    SELECT o.*
    FROM opportunities AS o, cut
    WHERE (o.created_at < cut OR (o.created_at IS NULL AND o.status = 'open'))
      AND NOT (o.status IN ('won', 'lost') AND (o.closed_at IS NULL OR o.closed_at < cut))
),
hist AS (      -- the last open stage each open deal entered before the cut
    SELECT opportunity_id, arg_max(stage, entered_at) AS hstage, max(entered_at) AS hentered
    FROM stage_history, cut
    WHERE entered_at < cut AND stage IN ('Qualified', 'Proposal', 'Negotiation')
      AND opportunity_id IN (SELECT opportunity_id FROM open_at_cut)
    GROUP BY opportunity_id
),
ecd AS (       -- the expected close date as last set before the cut
    SELECT opportunity_id, arg_max(expected_close_date, changed_at) AS ecd
    FROM close_date_history, cut
    WHERE changed_at < cut
    GROUP BY opportunity_id
),
staged AS (
    SELECT o.*, h.hstage, h.hentered, e.ecd,
           coalesce(CASE WHEN o.stage IN ('Qualified', 'Proposal', 'Negotiation')
                              AND o.status = 'open' THEN o.stage END,
                    h.hstage, 'Qualified') AS stage_now
    FROM open_at_cut AS o
    LEFT JOIN hist AS h USING (opportunity_id)
    LEFT JOIN ecd AS e USING (opportunity_id)
),
deals AS (
    SELECT opportunity_id, owner_rep_id AS rep, coalesce(amount, 0.0) AS amount, created_at,
           stage_now AS stage, coalesce(ecd, expected_close_date) AS expected_close_date,
           (epoch(cut) - epoch(created_at)) / 86400 AS age_days,
           (epoch(cut) - epoch(CASE WHEN stage_now = hstage THEN hentered ELSE created_at END))
               / 86400 AS stage_days
    FROM staged, cut
),
past AS (      -- deals closed before the cut: what the thresholds are learnt from
    SELECT opportunity_id, owner_rep_id AS rep, status = 'won' AS won,
           coalesce(amount, 0.0) AS amount, created_at, closed_at,
           (epoch(closed_at) - epoch(created_at)) / 86400 AS cycle_days
    FROM opportunities, cut
    WHERE status IN ('won', 'lost') AND closed_at < cut AND created_at IS NOT NULL
),
-- amount_above_history: amount > 3x the rep's average won deal (5+ wins), else the org's
rep_wins AS (
    SELECT rep, count(*) AS wins, avg(amount) AS mean FROM past WHERE won GROUP BY rep
),
org_wins AS (SELECT avg(amount) AS mean FROM past WHERE won),
f_amount AS (
    SELECT d.opportunity_id, true AS dq
    FROM deals AS d
    LEFT JOIN rep_wins AS r USING (rep)
    CROSS JOIN org_wins AS g
    WHERE CASE WHEN coalesce(r.wins, 0) >= 5 THEN r.mean ELSE g.mean END > 0
      AND d.amount / CASE WHEN coalesce(r.wins, 0) >= 5 THEN r.mean ELSE g.mean END > 3.0
),
-- older_than_won_cycle: age > the 90th percentile of won deals' cycle
f_old AS (
    SELECT d.opportunity_id, false AS dq
    FROM deals AS d, (SELECT quantile_cont(cycle_days, 0.9) AS limit_days FROM past WHERE won)
    WHERE d.age_days > limit_days
),
-- missing_outcomes: an outcome required at the deal's stage not achieved before the cut;
-- a warning only where past deals without it won at least half as often as those with it
required(stage, kind, min_rank) AS (
    VALUES ('Proposal', 'goals_agreed', 1), ('Negotiation', 'goals_agreed', 2),
           ('Negotiation', 'sponsor_engaged', 2)
),
achieved AS (
    SELECT DISTINCT opportunity_id, kind
    FROM outcomes, cut
    WHERE opportunity_id IS NOT NULL AND achieved_at < cut
      AND kind IN ('goals_agreed', 'sponsor_engaged')
),
ranked AS (
    SELECT opportunity_id,
           max(CASE stage WHEN 'Qualified' THEN 0 WHEN 'Proposal' THEN 1
                          WHEN 'Negotiation' THEN 2 ELSE -1 END) AS rank
    FROM stage_history
    GROUP BY opportunity_id
),
progress AS (  -- the furthest open stage each closed deal reached
    SELECT o.opportunity_id, o.status,
           CASE WHEN o.status = 'won' THEN 2
                ELSE greatest(coalesce(r.rank, 0),
                              CASE o.stage WHEN 'Qualified' THEN 0 WHEN 'Proposal' THEN 1
                                           WHEN 'Negotiation' THEN 2 ELSE -1 END, 0)
           END AS reached
    FROM opportunities AS o
    CROSS JOIN cut
    LEFT JOIN ranked AS r USING (opportunity_id)
    WHERE o.status IN ('won', 'lost') AND (o.closed_at IS NULL OR o.closed_at < cut)
),
outcome_history AS (
    SELECT q.stage, q.kind,
           count(*) FILTER (WHERE a.opportunity_id IS NOT NULL AND p.status = 'won') AS won_with,
           count(*) FILTER (WHERE a.opportunity_id IS NOT NULL) AS with_n,
           count(*) FILTER (WHERE a.opportunity_id IS NULL AND p.status = 'won') AS won_without,
           count(*) FILTER (WHERE a.opportunity_id IS NULL) AS without_n
    FROM progress AS p
    JOIN required AS q ON p.reached >= q.min_rank
    LEFT JOIN achieved AS a ON a.opportunity_id = p.opportunity_id AND a.kind = q.kind
    GROUP BY ALL
),
f_outcomes AS (
    SELECT d.opportunity_id,
           NOT coalesce(h.with_n >= 10 AND h.without_n >= 10
                        AND won_without / nullif(without_n, 0)
                            >= 0.5 * (won_with / nullif(with_n, 0)), false) AS dq
    FROM deals AS d
    JOIN required AS q USING (stage)
    LEFT JOIN outcome_history AS h USING (stage, kind)
    WHERE NOT EXISTS (SELECT 1 FROM achieved AS a
                      WHERE a.opportunity_id = d.opportunity_id AND a.kind = q.kind)
),
-- close_date_passed: still open after its expected close date
f_passed AS (
    SELECT opportunity_id, false AS dq
    FROM deals, cut
    WHERE CAST(expected_close_date AS TIMESTAMP) < cut
),
-- close_date_pushed: the expected close date moved later at least once
pushes AS (
    SELECT opportunity_id,
           sum(CASE WHEN expected_close_date > prev THEN 1 ELSE 0 END) AS pushes
    FROM (SELECT opportunity_id, expected_close_date,
                 lag(expected_close_date) OVER (PARTITION BY opportunity_id
                                                ORDER BY changed_at) AS prev
          FROM close_date_history, cut
          WHERE changed_at < cut)
    GROUP BY opportunity_id
),
f_pushed AS (
    SELECT opportunity_id, false AS dq
    FROM deals JOIN pushes USING (opportunity_id)
    WHERE pushes >= 1
),
-- no_customer_activity: no activity or outcome on the deal for more than 30 days
touches AS (
    SELECT opportunity_id, max(t) AS last_touch
    FROM (SELECT opportunity_id, occurred_at AS t FROM activities, cut
          WHERE occurred_at < cut AND opportunity_id IN (SELECT opportunity_id FROM deals)
          UNION ALL
          SELECT opportunity_id, achieved_at FROM outcomes, cut
          WHERE achieved_at < cut AND opportunity_id IN (SELECT opportunity_id FROM deals))
    GROUP BY opportunity_id
),
f_quiet AS (
    SELECT d.opportunity_id, true AS dq
    FROM deals AS d CROSS JOIN cut LEFT JOIN touches AS t USING (opportunity_id)
    WHERE (epoch(cut) - epoch(coalesce(t.last_touch, d.created_at))) / 86400 > 30
),
-- stalled_in_stage: days in stage > the 90th percentile of the days won deals spent in it
spells AS (    -- won deals' time in each open stage, from entering it to the next entry
    SELECT h.opportunity_id, h.stage,
           greatest((epoch(h.entered_at) - epoch(p.created_at)) / 86400, 0.0) AS enter_days,
           greatest((epoch(coalesce(lead(h.entered_at) OVER (
                         PARTITION BY h.opportunity_id ORDER BY h.entered_at, h.stage),
                         p.closed_at)) - epoch(p.created_at)) / 86400,
                    greatest((epoch(h.entered_at) - epoch(p.created_at)) / 86400, 0.0))
               AS leave_days
    FROM stage_history AS h
    JOIN (SELECT * FROM past WHERE won) AS p USING (opportunity_id)
    WHERE h.stage IN ('Qualified', 'Proposal', 'Negotiation')
),
won_spells AS (
    SELECT opportunity_id, stage, sum(leave_days - enter_days) AS days
    FROM (SELECT * FROM spells
          UNION ALL    -- won deals without an open-stage history spent it all in the first
          SELECT opportunity_id, 'Qualified', 0.0, cycle_days FROM past
          WHERE won AND opportunity_id NOT IN (SELECT opportunity_id FROM spells))
    GROUP BY ALL
),
thresholds AS (
    SELECT stage, quantile_cont(days, 0.9) AS threshold_days FROM won_spells GROUP BY stage
),
f_stalled AS (
    SELECT d.opportunity_id, false AS dq
    FROM deals AS d JOIN thresholds AS t USING (stage)
    WHERE d.stage_days > t.threshold_days
),
flags AS (
    SELECT 'amount_above_history' AS rule, * FROM f_amount
    UNION ALL SELECT 'older_than_won_cycle', * FROM f_old
    UNION ALL SELECT 'missing_outcomes', * FROM f_outcomes
    UNION ALL SELECT 'close_date_passed', * FROM f_passed
    UNION ALL SELECT 'close_date_pushed', * FROM f_pushed
    UNION ALL SELECT 'no_customer_activity', * FROM f_quiet
    UNION ALL SELECT 'stalled_in_stage', * FROM f_stalled
),
per_deal AS (
    SELECT opportunity_id, count(*) AS flags, bool_or(dq) AS disqualified,
           count(*) FILTER (WHERE rule = 'amount_above_history') AS amount_above_history,
           count(*) FILTER (WHERE rule = 'older_than_won_cycle') AS older_than_won_cycle,
           count(*) FILTER (WHERE rule = 'missing_outcomes') AS missing_outcomes,
           count(*) FILTER (WHERE rule = 'close_date_passed') AS close_date_passed,
           count(*) FILTER (WHERE rule = 'close_date_pushed') AS close_date_pushed,
           count(*) FILTER (WHERE rule = 'no_customer_activity') AS no_customer_activity,
           count(*) FILTER (WHERE rule = 'stalled_in_stage') AS stalled_in_stage
    FROM flags
    GROUP BY opportunity_id
)
SELECT d.opportunity_id, d.rep, d.amount, d.expected_close_date,
       NOT coalesce(f.disqualified, false) AS qualified,
       coalesce(f.flags, 0) AS flags,
       coalesce(f.amount_above_history, 0) AS amount_above_history,
       coalesce(f.older_than_won_cycle, 0) AS older_than_won_cycle,
       coalesce(f.missing_outcomes, 0) AS missing_outcomes,
       coalesce(f.close_date_passed, 0) AS close_date_passed,
       coalesce(f.close_date_pushed, 0) AS close_date_pushed,
       coalesce(f.no_customer_activity, 0) AS no_customer_activity,
       coalesce(f.stalled_in_stage, 0) AS stalled_in_stage
FROM deals AS d
LEFT JOIN per_deal AS f USING (opportunity_id);

SELECT
    rep AS key,
    count(*) AS deals,
    sum(amount) AS raw_value,
    coalesce(sum(amount) FILTER (WHERE qualified), 0.0) AS qualified_value,
    count(*) FILTER (WHERE NOT qualified) AS disqualified_deals,
    count(*) FILTER (WHERE flags > 0) AS flagged_deals,
    sum(amount_above_history) AS amount_above_history,
    sum(older_than_won_cycle) AS older_than_won_cycle,
    sum(missing_outcomes) AS missing_outcomes,
    sum(close_date_passed) AS close_date_passed,
    sum(close_date_pushed) AS close_date_pushed,
    sum(no_customer_activity) AS no_customer_activity,
    sum(stalled_in_stage) AS stalled_in_stage
FROM reviewed
GROUP BY rep
ORDER BY key
