-- syncblock store: the tables of the current schema version (see connection.SCHEMA_VERSION).
-- Times are epoch seconds (DOUBLE) unless named *_at. Older stores are upgraded by
-- migrations.py; the views live in views.sql and are recreated on every writable open.
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
    wall_s DOUBLE,            -- whole cell, runner overhead included
    work VARCHAR, work_ms DOUBLE, connections VARCHAR, balance VARCHAR, server_app VARCHAR,
    pool_size INTEGER, thread_limit INTEGER, db_pool_size INTEGER, probe_hz DOUBLE,
    arrival VARCHAR, rate DOUBLE, arrival_process VARCHAR, max_in_flight INTEGER,
    stalls_sampler VARCHAR, dropped BIGINT, host VARCHAR, overlapped_on_host BOOLEAN,
    foreign_cpu_pct DOUBLE,      -- mean CPU of other processes in the window (100 = one core)
    foreign_cpu_max_pct DOUBLE,  -- their peak tick
    foreign_load BOOLEAN,        -- foreign_cpu_pct passed 10 % of the machine (store/host.py)
    slurm_job_id VARCHAR,        -- the SLURM job that ran the cell (NULL outside SLURM)
    server_python VARCHAR,       -- the server's interpreter as given (the runner's own: its path)
    python_gil INTEGER,          -- PYTHON_GIL given to the server (NULL: not set)
    python_version VARCHAR,      -- the server's Python version
    free_threaded BOOLEAN,       -- a free-threaded build (Py_GIL_DISABLED)
    gil_enabled BOOLEAN,         -- the GIL was on in a server process after the app imported
    gil_enabled_by VARCHAR       -- the module(s) CPython named when it turned the GIL back on
);

-- locust's <prefix>_stats.csv; the "Aggregated" row has type ''.
CREATE TABLE IF NOT EXISTS locust_stats (
    cell_id VARCHAR, type VARCHAR, name VARCHAR, request_count BIGINT, failure_count BIGINT,
    median_ms DOUBLE, avg_ms DOUBLE, min_ms DOUBLE, max_ms DOUBLE, rps DOUBLE,
    failures_per_s DOUBLE, p50_ms DOUBLE, p66_ms DOUBLE, p75_ms DOUBLE, p80_ms DOUBLE,
    p90_ms DOUBLE, p95_ms DOUBLE, p98_ms DOUBLE, p99_ms DOUBLE, p999_ms DOUBLE,
    p9999_ms DOUBLE, p100_ms DOUBLE
);

-- locust's <prefix>_stats_history.csv (--csv-full-history: one row per endpoint per second).
CREATE TABLE IF NOT EXISTS locust_history (
    cell_id VARCHAR, ts DOUBLE, user_count INTEGER, type VARCHAR, name VARCHAR, rps DOUBLE,
    failures_per_s DOUBLE, p50_ms DOUBLE, p95_ms DOUBLE, p99_ms DOUBLE,
    total_request_count BIGINT, total_failure_count BIGINT
);

-- side 'client' (the locustfile's hook; ok/error as locust judged it) or 'server' (middleware).
CREATE TABLE IF NOT EXISTS requests (
    cell_id VARCHAR, side VARCHAR, request_id VARCHAR, method VARCHAR, path VARCHAR,
    status INTEGER, t_start DOUBLE, duration_ms DOUBLE, pid INTEGER, in_warmup BOOLEAN,
    ok BOOLEAN, error VARCHAR,
    source VARCHAR,       -- client rows: 'user' or 'probe'
    t_intended DOUBLE,    -- client rows: when an open-loop schedule meant to send it
    db_ms DOUBLE          -- server rows: time in the database call(s)
);

CREATE TABLE IF NOT EXISTS loop_lag (
    cell_id VARCHAR, pid INTEGER, t DOUBLE, lag_ms DOUBLE, in_warmup BOOLEAN
);

-- role: server_master, server_worker or load_generator.
CREATE TABLE IF NOT EXISTS resources (
    cell_id VARCHAR, t DOUBLE, role VARCHAR, pid INTEGER, cpu_percent DOUBLE, rss_bytes BIGINT
);

CREATE TABLE IF NOT EXISTS failures (
    cell_id VARCHAR, method VARCHAR, name VARCHAR, error VARCHAR, occurrences BIGINT
);

-- Cells a sweep reused instead of running again (resume=true found them stored ok): the
-- sweep's report covers its own cells and these.
CREATE TABLE IF NOT EXISTS reused_cells (sweep_id VARCHAR, cell_id VARCHAR);

-- One row per stall of a worker's event loop: the most-sampled stack while it stood still
-- (frames 'module:function:line', outermost first). source: 'watchdog' or 'py-spy'.
-- The watchdog's evidence of the kind of call (app/watchdog.py; NULL from py-spy): late_ms,
-- wait_ms (GIL wait per capture), and the loop thread's cpu_ms and core_wait_ms over
-- cpu_window_ms, a window inside the stall.
CREATE TABLE IF NOT EXISTS stalls (
    cell_id VARCHAR, pid INTEGER, t_start DOUBLE, duration_ms DOUBLE, samples INTEGER,
    stack VARCHAR[], leaf VARCHAR, late BOOLEAN, source VARCHAR, in_warmup BOOLEAN,
    late_ms DOUBLE, wait_ms DOUBLE, cpu_ms DOUBLE, core_wait_ms DOUBLE, cpu_window_ms DOUBLE
);

-- The machine's CPU beside the cell's own at each sampler tick (runner/probe/host.py).
CREATE TABLE IF NOT EXISTS host_ticks (
    cell_id VARCHAR, t DOUBLE, host_cpu_percent DOUBLE, own_cpu_percent DOUBLE
);

-- The doctor's findings: one row per (cell, route) of a cell whose load came from the doctor's
-- call plan (runner/doctor/), computed at ingest from its measured stalls and requests. A route
-- left out of the load has left_out (the reason) and no measurement; stalled time no route
-- was found for has route NULL. kind: gil_released | gil_held | wait (NULL: never stalled);
-- fix: threadpool | processpool | async. requests/avg_ms/p95_ms: the users' client-side times
-- of the route inside the measured window.
CREATE TABLE IF NOT EXISTS doctor_findings (
    cell_id VARCHAR, route VARCHAR, method VARCHAR, path VARCHAR, handler VARCHAR,
    handler_file VARCHAR, handler_line INTEGER, first_status INTEGER, first_ms DOUBLE,
    left_out VARCHAR, requests BIGINT, avg_ms DOUBLE, p95_ms DOUBLE, stalled_s DOUBLE,
    stalled_share DOUBLE, stalls INTEGER, line VARCHAR, call VARCHAR, kind VARCHAR, fix VARCHAR,
    how VARCHAR, evidence VARCHAR, suggestion VARCHAR
);
