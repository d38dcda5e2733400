#!/bin/bash
# The open-loop acceptance cells; run from the repository root on a quiet machine:
#   bash benchmarks/openloop_accept.sh && .venv/bin/python -m benchmarks.openloop_accept outputs/accept16.duckdb
# REPEATS (default 6): Poisson cells below capacity, as one 20 s sample's mean moves by ~0.07 S
set -eu
ST=${ST:-outputs/accept16.duckdb}; OUT=${OUT:-outputs/accept16}
R=".venv/bin/python -m runner"
# S: one registration's server time alone (s), from the sequential cells of step 0 (the report's S)
S() { .venv/bin/python -m benchmarks.openloop_accept --alone "$1" "$ST"; }
CORES=$(nproc)
uptime
# 0. S of each strategy below: a registration alone (sequential, 100 requests, 1 worker)
$R -m scenario=sequential hashing=threadpool,blocking workers=1 bcrypt_rounds=10 \
   baseline=false 'compare.hashing=[]' store=$ST hydra.sweep.dir=$OUT/alone
# 1. rate kept: health only, open, 100 rps for 10 s, threadpool (constant and Poisson gaps)
$R -m scenario=health hashing=threadpool load.arrival=open load.rate=100 \
   load.process=constant,poisson duration=10 warmup=1 baseline=false 'compare.hashing=[]' \
   store=$ST hydra.sweep.dir=$OUT/rate
# 2. below capacity: threadpool, 1 worker, register only, 0.5 x cores/S, 20 s
ST_=$(S threadpool); LOW=$(python3 -c "print(round(0.5 * $CORES / $ST_, 2))"); echo "S=$ST_ below=$LOW"
$R -m scenario=register hashing=threadpool workers=1 bcrypt_rounds=10 load.arrival=open \
   load.rate=$LOW load.process=constant,poisson duration=20 warmup=2 baseline=false \
   'compare.hashing=[]' store=$ST hydra.sweep.dir=$OUT/below
if [ "${REPEATS:-6}" -gt 1 ]; then
  $R -m scenario=register hashing=threadpool workers=1 bcrypt_rounds=10 load.arrival=open \
     load.rate=$LOW load.process=poisson repeat=$(seq -s, 2 "${REPEATS:-6}") duration=20 \
     warmup=2 baseline=false 'compare.hashing=[]' store=$ST hydra.sweep.dir=$OUT/below-repeats
fi
# 3. above capacity: threadpool, 1 worker, register only, 1.5 x cores/S, 20 s
HIGH=$(python3 -c "print(round(1.5 * $CORES / $ST_, 2))"); echo "S=$ST_ above=$HIGH"
$R scenario=register hashing=threadpool workers=1 bcrypt_rounds=10 load.arrival=open \
   load.rate=$HIGH duration=20 warmup=2 store=$ST hydra.run.dir=$OUT/above
# 4. blocking, 1 worker, mixed: closed loop (1 and 5 users) and open loop at 0.9 x 1/S
SB=$(S blocking); MID=$(python3 -c "print(round(0.9 / $SB, 2))"); echo "S=$SB mixed=$MID"
$R -m scenario=mixed hashing=blocking workers=1 bcrypt_rounds=10 load.arrival=closed,open \
   load.rate=$MID users=1,5 duration=30 warmup=2 baseline=false 'compare.hashing=[]' \
   store=$ST hydra.sweep.dir=$OUT/mixed
uptime
.venv/bin/python -m analysis --store $ST --sweep all --out $OUT/report.html
