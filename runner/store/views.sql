-- The store's metric definitions, each written once: cell_summary and the report both read
-- these views. Times are epoch seconds. The measured window of a cell is
-- [t_measure_start, t_measure_end]: warm-up excluded, and for resources and loop lag also the
-- shutdown after t_measure_end.

-- cell_window: each cell's measured window (open-ended where a bound is unknown), and which
-- requests it counts. by_answer: a closed, timed load (the load scenarios' closed loop) counts
-- the requests answered inside [t0, t1], whenever they were sent, and its load stops at t1
-- without draining what is in flight. Otherwise (an open loop, whose queue's tail is the
-- measurement, and the sequential scenario, which stops itself) the load drains and the window
-- counts the requests sent inside it (after the warm-up, up to t1) wherever they end.
CREATE OR REPLACE VIEW cell_window AS
SELECT cell_id, coalesce(t_measure_start, -1e300) AS t0, coalesce(t_measure_end, 1e300) AS t1,
       coalesce(arrival, 'closed') <> 'open' AND scenario <> 'sequential' AS by_answer
FROM cells;

-- measured_requests: requests (both sides) inside the measured window: answered inside it
-- (cell_window.by_answer), else sent inside it. A side's answer time is t_start + duration.
CREATE OR REPLACE VIEW measured_requests AS
SELECT r.* FROM requests r JOIN cell_window w USING (cell_id)
WHERE CASE WHEN w.by_answer THEN r.t_start + r.duration_ms / 1000 BETWEEN w.t0 AND w.t1
           ELSE NOT r.in_warmup AND r.t_start <= w.t1 END;

-- measured_lag: loop-lag samples taken inside the measured window.
CREATE OR REPLACE VIEW measured_lag AS
SELECT l.* FROM loop_lag l JOIN cell_window w USING (cell_id)
WHERE NOT l.in_warmup AND l.t <= w.t1;

-- measured_stalls: loop stalls (watchdog / py-spy) that began inside the measured window.
CREATE OR REPLACE VIEW measured_stalls AS
SELECT s.* FROM stalls s JOIN cell_window w USING (cell_id)
WHERE NOT s.in_warmup AND s.t_start <= w.t1;

-- worker_lag: per worker and cell, its loop-lag samples in the window. A blocked loop wakes
-- rarely, so pooling the samples of an idle and a blocked worker would hide the blocked one.
-- late_*: the samples more than 5 ms late (a stalled loop), their count and sum.
CREATE OR REPLACE VIEW worker_lag AS
SELECT cell_id, pid, count(*) AS samples, avg(lag_ms) AS avg_ms,
       quantile_cont(lag_ms, 0.99) AS p99_ms, max(lag_ms) AS max_ms,
       sum(lag_ms) AS total_ms,
       count(*) FILTER (WHERE lag_ms > 5) AS late_samples,
       coalesce(sum(lag_ms) FILTER (WHERE lag_ms > 5), 0) AS late_total_ms
FROM measured_lag
GROUP BY ALL;

-- role_ticks: CPU % and RSS of each role (server_master, server_worker, load_generator)
-- summed over its processes at each sampling tick (the sampler stamps one t per tick),
-- inside the window (resources are sampled through the shutdown too: left out).
CREATE OR REPLACE VIEW role_ticks AS
SELECT r.cell_id, r.role, r.t, sum(r.cpu_percent) AS cpu_percent,
       CAST(sum(r.rss_bytes) AS BIGINT) AS rss_bytes
FROM resources r JOIN cell_window w USING (cell_id)
WHERE r.t BETWEEN w.t0 AND w.t1
GROUP BY ALL;

-- side_ticks: the same per side: the server (master and workers summed) and the load
-- generator, one row per tick.
CREATE OR REPLACE VIEW side_ticks AS
SELECT cell_id, t,
       sum(cpu_percent) FILTER (WHERE role <> 'load_generator') AS server_cpu,
       CAST(sum(rss_bytes) FILTER (WHERE role <> 'load_generator') AS BIGINT) AS server_rss,
       sum(cpu_percent) FILTER (WHERE role = 'load_generator') AS lg_cpu,
       CAST(sum(rss_bytes) FILTER (WHERE role = 'load_generator') AS BIGINT) AS lg_rss
FROM role_ticks
GROUP BY ALL;

-- worker_share: how the users' measured requests spread over the server's processes (server
-- rows by pid). The steady health probe's requests (client source 'probe', joined on the
-- request id) are left out: the probe is the instrument, on connections of its own, and it
-- would otherwise weigh on whichever worker holds its connection.
CREATE OR REPLACE VIEW worker_share AS
SELECT s.cell_id, s.pid, count(*) AS requests,
       count(*) / sum(count(*)) OVER (PARTITION BY s.cell_id) AS share
FROM measured_requests s
WHERE s.side = 'server'
  AND NOT EXISTS (
      SELECT 1 FROM requests p
      WHERE p.cell_id = s.cell_id AND p.side = 'client' AND p.source = 'probe'
        AND p.request_id = s.request_id)
GROUP BY s.cell_id, s.pid;

-- joined_requests: each measured client request joined on its request id to the server's
-- row of it: the client's time and the server handler's; their difference is the waiting.
CREATE OR REPLACE VIEW joined_requests AS
SELECT c.cell_id, c.path, c.request_id, c.source, c.duration_ms AS client_ms,
       s.duration_ms AS server_ms, s.pid
FROM measured_requests c
JOIN requests s ON s.cell_id = c.cell_id AND s.side = 'server' AND s.request_id = c.request_id
WHERE c.side = 'client';

-- intended_latency: client rows in the measured window with their latency measured from when
-- they were due. Open loop: from t_intended, the schedule's send time (send lag + response
-- time), so a request that waited behind a stalled server counts its whole wait. Closed loop:
-- t_intended is NULL (no schedule: a user sends when its previous answer came back), so
-- latency_ms = duration_ms there and send_lag_ms = 0.
CREATE OR REPLACE VIEW intended_latency AS
SELECT cell_id, path AS endpoint, source, request_id, t_start, t_intended, duration_ms, ok,
       status, (t_start - coalesce(t_intended, t_start)) * 1000 AS send_lag_ms,
       (t_start - coalesce(t_intended, t_start)) * 1000 + duration_ms AS latency_ms
FROM measured_requests WHERE side = 'client';

-- arrival_stats: one row per cell. offered_rps: load.rate of an open-loop cell (NULL when
-- closed); achieved_rps: the load's requests (not the probe's) answered without failure with
-- the answer inside the measured window, per second of it; dropped: open-loop arrivals that
-- found load.max_in_flight requests in flight, intended inside the window; send_lag_p99_ms:
-- p99 of actual send - intended send over the load's open-loop requests.
CREATE OR REPLACE VIEW arrival_stats AS
WITH answered AS (
    SELECT r.cell_id, count(*) AS n
    FROM requests r JOIN cell_window w USING (cell_id)
    WHERE r.side = 'client' AND coalesce(r.source, 'user') = 'user'
      AND coalesce(r.ok, true) AND r.status BETWEEN 1 AND 399
      AND r.t_start + r.duration_ms / 1000 BETWEEN w.t0 AND w.t1
    GROUP BY ALL
), lag AS (
    SELECT cell_id, quantile_cont(send_lag_ms, 0.99) AS send_lag_p99_ms
    FROM intended_latency
    WHERE t_intended IS NOT NULL AND coalesce(source, 'user') = 'user'
    GROUP BY ALL
)
SELECT k.cell_id, CASE WHEN k.arrival = 'open' THEN k.rate END AS offered_rps,
       coalesce(a.n, 0) / nullif(k.t_measure_end - k.t_measure_start, 0) AS achieved_rps,
       k.dropped, l.send_lag_p99_ms
FROM cells k LEFT JOIN answered a USING (cell_id) LEFT JOIN lag l USING (cell_id);

-- cell_summary: one row per cell and endpoint, measured window only. A client request failed
-- when locust judged it so (ok = false), saw no response (status 0) or got a status >= 400.
-- Health rows include the steady probe's (requests.source = 'probe').
CREATE OR REPLACE VIEW cell_summary AS
WITH client AS (
    SELECT * FROM measured_requests WHERE side = 'client'
), client_stats AS (
    SELECT cell_id, path AS endpoint, count(*) AS requests,
           avg(duration_ms) AS avg_ms,
           quantile_cont(duration_ms, 0.50) AS p50_ms,
           quantile_cont(duration_ms, 0.95) AS p95_ms,
           quantile_cont(duration_ms, 0.99) AS p99_ms,
           count(*) FILTER (WHERE ok = false OR status = 0 OR status >= 400) AS failures,
           count(*) FILTER (WHERE source = 'probe') AS probe_requests
    FROM client GROUP BY ALL
), server_stats AS (
    SELECT cell_id, path AS endpoint, avg(duration_ms) AS server_avg_ms,
           count(*) AS server_requests, avg(db_ms) AS db_avg_ms
    FROM measured_requests WHERE side = 'server' GROUP BY ALL
), wait_stats AS (   -- client time minus server time of the same request
    SELECT cell_id, path AS endpoint, avg(client_ms - server_ms) AS wait_avg_ms,
           count(*) AS joined, avg(client_ms) AS joined_client_ms,
           avg(server_ms) AS joined_server_ms
    FROM joined_requests
    GROUP BY ALL
), res_stats AS (
    SELECT cell_id,
           avg(server_cpu) AS cpu_avg_percent, max(server_cpu) AS cpu_max_percent,
           max(server_rss) AS rss_max_bytes,
           avg(lg_cpu) AS load_cpu_avg_percent, max(lg_cpu) AS load_cpu_max_percent,
           max(lg_rss) AS load_rss_max_bytes
    FROM side_ticks GROUP BY ALL
), lag_stats AS (   -- the worst worker's p99 and max; the mean over every sample
    SELECT cell_id, max(p99_ms) AS loop_lag_p99_ms, max(max_ms) AS loop_lag_max_ms,
           sum(total_ms) / sum(samples) AS loop_lag_avg_ms
    FROM worker_lag GROUP BY ALL
), latency_stats AS (   -- measured from when each request was due (see intended_latency)
    SELECT cell_id, endpoint, avg(latency_ms) AS latency_avg_ms,
           quantile_cont(latency_ms, 0.50) AS latency_p50_ms,
           quantile_cont(latency_ms, 0.95) AS latency_p95_ms,
           quantile_cont(latency_ms, 0.99) AS latency_p99_ms
    FROM intended_latency GROUP BY ALL
), spread AS (   -- workers_used: processes that served >= 5 % of the cell's requests
    SELECT cell_id, max(share) AS busiest_worker_share,
           count(*) FILTER (WHERE share >= 0.05) AS workers_used
    FROM worker_share GROUP BY ALL
)
SELECT k.sweep_id, k.cell_id, k.cell_key, k.job_num, k.scenario, k.hashing, k.work, k.db,
       k.workers, k.users, k.connections, k.balance, k.arrival, k."repeat", k.bcrypt_rounds,
       k.hash_ms, k.work_ms, k.status, k.foreign_cpu_pct, k.foreign_load,
       k.python_version, k.free_threaded, k.gil_enabled,
       cs.endpoint, cs.requests, cs.probe_requests,
       cs.avg_ms, cs.p50_ms, cs.p95_ms, cs.p99_ms, ss.server_avg_ms, ss.server_requests,
       ss.db_avg_ms, ws.wait_avg_ms, ws.joined AS joined_requests, ws.joined_client_ms,
       ws.joined_server_ms,
       cs.requests / nullif(k.duration_s, 0) AS rps, cs.failures,
       rs.cpu_avg_percent, rs.cpu_max_percent, rs.rss_max_bytes,
       rs.load_cpu_avg_percent, rs.load_cpu_max_percent, rs.load_rss_max_bytes,
       ls.loop_lag_p99_ms, ls.loop_lag_max_ms, ls.loop_lag_avg_ms,
       sp.busiest_worker_share, sp.workers_used,
       lt.latency_avg_ms, lt.latency_p50_ms, lt.latency_p95_ms, lt.latency_p99_ms,
       ar.offered_rps, ar.achieved_rps, ar.dropped, ar.send_lag_p99_ms
FROM cells k
JOIN client_stats cs USING (cell_id)
LEFT JOIN server_stats ss ON ss.cell_id = cs.cell_id AND ss.endpoint = cs.endpoint
LEFT JOIN wait_stats ws ON ws.cell_id = cs.cell_id AND ws.endpoint = cs.endpoint
LEFT JOIN res_stats rs ON rs.cell_id = k.cell_id
LEFT JOIN lag_stats ls ON ls.cell_id = k.cell_id
LEFT JOIN spread sp ON sp.cell_id = k.cell_id
LEFT JOIN latency_stats lt ON lt.cell_id = cs.cell_id AND lt.endpoint = cs.endpoint
LEFT JOIN arrival_stats ar ON ar.cell_id = k.cell_id;

-- cell_summary_by_source: cell_summary's client times split by who asked: the closed-loop
-- users ('user') and the steady probe ('probe'), same window rule. A user never collides with
-- its own request; the probe arrives whenever it is due, so at the same cell the two differ.
CREATE OR REPLACE VIEW cell_summary_by_source AS
SELECT cell_id, path AS endpoint, coalesce(source, 'user') AS source, count(*) AS requests,
       avg(duration_ms) AS avg_ms,
       quantile_cont(duration_ms, 0.50) AS p50_ms,
       quantile_cont(duration_ms, 0.95) AS p95_ms,
       quantile_cont(duration_ms, 0.99) AS p99_ms
FROM measured_requests WHERE side = 'client'
GROUP BY ALL;

-- stall_requests: each stall of a worker's loop joined to the requests that worker was serving
-- while it stood still (server rows whose [t_start, t_start + duration] overlaps the stall's).
-- overlap_ms: how much of the request's server time fell inside the stall.
CREATE OR REPLACE VIEW stall_requests AS
SELECT s.cell_id, s.pid, s.source, s.t_start AS stall_t_start, s.duration_ms AS stall_ms,
       s.leaf, s.late, s.in_warmup,
       r.request_id, r.method, r.path, r.status, r.t_start AS request_t_start,
       r.duration_ms AS request_ms,
       (least(s.t_start + s.duration_ms / 1000, r.t_start + r.duration_ms / 1000)
        - greatest(s.t_start, r.t_start)) * 1000 AS overlap_ms
FROM stalls s
JOIN requests r
  ON r.cell_id = s.cell_id AND r.side = 'server' AND r.pid = s.pid
 AND r.t_start < s.t_start + s.duration_ms / 1000
 AND r.t_start + r.duration_ms / 1000 > s.t_start;

-- doctor_routes: the doctor's answer, one row per (cell, route) it measured: how long the
-- route held the loop (s, and its share of all the cell's stalled time), the line, the kind
-- of call and the fix. Routes left out of the load are in doctor_findings with their reason.
CREATE OR REPLACE VIEW doctor_routes AS
SELECT cell_id, route, stalled_s, stalled_share, line, kind, fix,
       call, how, stalls, requests, avg_ms, p95_ms, evidence, suggestion, handler
FROM doctor_findings
WHERE left_out IS NULL;
