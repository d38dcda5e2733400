-- syncblock store, schema version 1. Times are epoch seconds (DOUBLE) unless named *_at.
CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);

CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, argv VARCHAR,
    git_sha VARCHAR, hostname VARCHAR, cpu_model VARCHAR, cpu_count INTEGER,
    mem_total_bytes BIGINT, python_version VARCHAR, package_versions JSON
);

CREATE TABLE IF NOT EXISTS cells (
    cell_id VARCHAR, sweep_id VARCHAR, cell_key VARCHAR, job_num INTEGER,
    scenario VARCHAR, hashing VARCHAR, db VARCHAR, workers INTEGER, users INTEGER,
    spawn_rate DOUBLE, duration_s DOUBLE, warmup_s DOUBLE, "repeat" INTEGER,
    bcrypt_rounds INTEGER, hash_ms DOUBLE, status VARCHAR, error VARCHAR,
    started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, dir VARCHAR, config JSON,
    load_processes INTEGER, target_url VARCHAR,
    t_load_start DOUBLE,      -- locust started
    t_measure_start DOUBLE,   -- warm-up over: statistics start here
    t_measure_end DOUBLE,     -- load over
    wall_s DOUBLE             -- whole cell, runner overhead included
);

CREATE TABLE IF NOT EXISTS locust_stats (
    cell_id VARCHAR, type VARCHAR, name VARCHAR, request_count BIGINT, failure_count BIGINT,
    median_ms DOUBLE, avg_ms DOUBLE, min_ms DOUBLE, max_ms DOUBLE, rps DOUBLE,
    failures_per_s DOUBLE, p50_ms DOUBLE, p66_ms DOUBLE, p75_ms DOUBLE, p80_ms DOUBLE,
    p90_ms DOUBLE, p95_ms DOUBLE, p98_ms DOUBLE, p99_ms DOUBLE, p999_ms DOUBLE,
    p9999_ms DOUBLE, p100_ms DOUBLE
);

CREATE TABLE IF NOT EXISTS locust_history (
    cell_id VARCHAR, ts DOUBLE, user_count INTEGER, type VARCHAR, name VARCHAR, rps DOUBLE,
    failures_per_s DOUBLE, p50_ms DOUBLE, p95_ms DOUBLE, p99_ms DOUBLE,
    total_request_count BIGINT, total_failure_count BIGINT
);

CREATE TABLE IF NOT EXISTS requests (
    cell_id VARCHAR, side VARCHAR, request_id VARCHAR, method VARCHAR, path VARCHAR,
    status INTEGER, t_start DOUBLE, duration_ms DOUBLE, pid INTEGER, in_warmup BOOLEAN
);

CREATE TABLE IF NOT EXISTS loop_lag (
    cell_id VARCHAR, pid INTEGER, t DOUBLE, lag_ms DOUBLE, in_warmup BOOLEAN
);

CREATE TABLE IF NOT EXISTS resources (
    cell_id VARCHAR, t DOUBLE, role VARCHAR, pid INTEGER, cpu_percent DOUBLE, rss_bytes BIGINT
);

CREATE TABLE IF NOT EXISTS failures (
    cell_id VARCHAR, method VARCHAR, name VARCHAR, error VARCHAR, occurrences BIGINT
);

-- One row per cell and endpoint, warm-up excluded. A request "fails" when the client saw
-- no response (status 0) or a status >= 400.
CREATE OR REPLACE VIEW cell_summary AS
WITH client AS (
    SELECT * FROM requests WHERE side = 'client' AND NOT in_warmup
), server AS (
    SELECT * FROM requests WHERE side = 'server' AND NOT in_warmup
), client_stats AS (
    SELECT cell_id, path AS endpoint, count(*) AS requests,
           avg(duration_ms) AS avg_ms,
           quantile_cont(duration_ms, 0.50) AS p50_ms,
           quantile_cont(duration_ms, 0.95) AS p95_ms,
           quantile_cont(duration_ms, 0.99) AS p99_ms,
           count(*) FILTER (WHERE status = 0 OR status >= 400) AS failures
    FROM client GROUP BY ALL
), server_stats AS (
    SELECT cell_id, path AS endpoint, avg(duration_ms) AS server_avg_ms
    FROM server GROUP BY ALL
), wait_stats AS (
    SELECT c.cell_id, c.path AS endpoint, avg(c.duration_ms - s.duration_ms) AS wait_avg_ms,
           count(*) AS joined
    FROM client c JOIN requests s
      ON s.cell_id = c.cell_id AND s.side = 'server' AND s.request_id = c.request_id
    GROUP BY ALL
), ticks AS (   -- resources summed over processes of a role at each sampling tick
    SELECT r.cell_id, r.t,
           sum(r.cpu_percent) FILTER (WHERE r.role <> 'load_generator') AS server_cpu,
           sum(r.rss_bytes) FILTER (WHERE r.role <> 'load_generator') AS server_rss,
           sum(r.cpu_percent) FILTER (WHERE r.role = 'load_generator') AS lg_cpu,
           sum(r.rss_bytes) FILTER (WHERE r.role = 'load_generator') AS lg_rss
    FROM resources r JOIN cells k USING (cell_id)
    WHERE k.t_measure_start IS NULL OR r.t >= k.t_measure_start
    GROUP BY ALL
), res_stats AS (
    SELECT cell_id,
           avg(server_cpu) AS cpu_avg_percent, max(server_cpu) AS cpu_max_percent,
           max(server_rss) AS rss_max_bytes,
           avg(lg_cpu) AS load_cpu_avg_percent, max(lg_cpu) AS load_cpu_max_percent,
           max(lg_rss) AS load_rss_max_bytes
    FROM ticks GROUP BY ALL
), lag_stats AS (
    SELECT cell_id, quantile_cont(lag_ms, 0.99) AS loop_lag_p99_ms, max(lag_ms) AS loop_lag_max_ms,
           avg(lag_ms) AS loop_lag_avg_ms
    FROM loop_lag WHERE NOT in_warmup GROUP BY ALL
)
SELECT k.sweep_id, k.cell_id, k.cell_key, k.job_num, k.scenario, k.hashing, k.db, k.workers,
       k.users, k."repeat", k.bcrypt_rounds, k.hash_ms, k.status, cs.endpoint, cs.requests,
       cs.avg_ms, cs.p50_ms, cs.p95_ms, cs.p99_ms, ss.server_avg_ms, ws.wait_avg_ms,
       cs.requests / nullif(k.duration_s, 0) AS rps, cs.failures,
       rs.cpu_avg_percent, rs.cpu_max_percent, rs.rss_max_bytes,
       rs.load_cpu_avg_percent, rs.load_cpu_max_percent, rs.load_rss_max_bytes,
       ls.loop_lag_p99_ms, ls.loop_lag_max_ms, ls.loop_lag_avg_ms
FROM cells k
JOIN client_stats cs USING (cell_id)
LEFT JOIN server_stats ss ON ss.cell_id = cs.cell_id AND ss.endpoint = cs.endpoint
LEFT JOIN wait_stats ws ON ws.cell_id = cs.cell_id AND ws.endpoint = cs.endpoint
LEFT JOIN res_stats rs ON rs.cell_id = k.cell_id
LEFT JOIN lag_stats ls ON ls.cell_id = k.cell_id;
