#!/bin/bash
# Issue 16 acceptance cells (open-loop load); run from the repository root on a quiet machine:
#   bash benchmarks/openloop_accept.sh && .venv/bin/python -m benchmarks.openloop_accept outputs/accept16.duckdb
set -eu
ST=${ST:-outputs/accept16.duckdb}; OUT=${OUT:-outputs/accept16}
R=".venv/bin/python -m runner"
S() { .venv/bin/python -c "from runner.hashtime import median_hash_ms as m; print(m($1, 7) / 1000)"; }
CORES=$(nproc)
uptime
# 1. rate kept: health only, open, 100 rps for 10 s, threadpool (constant and Poisson gaps)
$R -m scenario=health hashing=threadpool load.arrival=open load.rate=100 \
   load.process=constant,poisson duration=10 warmup=1 baseline=false 'compare.hashing=[]' \
   store=$ST hydra.sweep.dir=$OUT/rate
# 2. below capacity: threadpool, 1 worker, register only, 0.5 x cores/S, 20 s
S10=$(S 10); LOW=$(python3 -c "print(round(0.5 * $CORES / $S10, 2))"); echo "S(10)=$S10 below=$LOW"
$R -m scenario=register hashing=threadpool workers=1 bcrypt_rounds=10 load.arrival=open \
   load.rate=$LOW load.process=constant,poisson duration=20 warmup=2 baseline=false \
   'compare.hashing=[]' store=$ST hydra.sweep.dir=$OUT/below
# 3. above capacity: threadpool, 1 worker, register only, 1.5 x cores/S, 20 s
S10=$(S 10); HIGH=$(python3 -c "print(round(1.5 * $CORES / $S10, 2))"); echo "S(10)=$S10 above=$HIGH"
$R scenario=register hashing=threadpool workers=1 bcrypt_rounds=10 load.arrival=open \
   load.rate=$HIGH duration=20 warmup=2 store=$ST hydra.run.dir=$OUT/above
# 4. blocking, 1 worker, mixed: closed loop (1 and 5 users) and open loop at 0.9 x 1/S
S10=$(S 10); MID=$(python3 -c "print(round(0.9 / $S10, 2))"); echo "S(10)=$S10 mixed=$MID"
$R -m scenario=mixed hashing=blocking workers=1 bcrypt_rounds=10 load.arrival=closed,open \
   load.rate=$MID users=1,5 duration=30 warmup=2 baseline=false 'compare.hashing=[]' \
   store=$ST hydra.sweep.dir=$OUT/mixed
uptime
.venv/bin/python -m analysis --store $ST --sweep all --out $OUT/report.html
