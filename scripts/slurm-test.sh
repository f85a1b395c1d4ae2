#!/usr/bin/env bash
# `bench slurm` on a real one-node SLURM cluster: checks its option errors and script, starts
# munged, slurmctld and slurmd on a temporary configuration, submits the smoke suite as a
# 3-element job array, and checks that every run finished with accuracy matrices bit-identical
# to a local `bench run --suite smoke`; then signals an element mid-run and checks that it
# checkpoints, requeues, resumes and finishes bit-identical to a local run. Stops exactly the
# daemons it started, whatever happens.
#
#   scripts/slurm-test.sh [LOCAL_RUNS]   # LOCAL_RUNS: a local smoke run's folder (scripts/test.sh
#                                        # passes its own); without it the smoke suite runs here first
# Needs root (the daemons); otherwise it prints SKIP and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
bench="$(swift build --show-bin-path)/bench"
[ -x "$bench" ] || { echo "slurm-test: $bench is missing; run swift build first" >&2; exit 1; }

work=$(mktemp -d)
pids=()
stop_daemons() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap stop_daemons EXIT

expect_error() {  # expect_error TEXT ARGS...: `bench slurm ARGS` fails and says TEXT
    local text=$1; shift
    if "$bench" slurm "$@" > "$work/out.txt" 2>&1; then echo "slurm-test: bench slurm $* succeeded" >&2; exit 1; fi
    grep -qF -- "$text" "$work/out.txt" || { echo "slurm-test: bench slurm $* said:" >&2; cat "$work/out.txt" >&2; exit 1; }
}
expect_error "--array must be at least 1 (got 0)" --suite smoke --array 0
expect_error "--time '1:00': expected [D-]HH:MM:SS" --suite smoke --array 2 --time 1:00
expect_error "--time '01:61:00'" --suite smoke --array 2 --time 01:61:00
expect_error "--mem '4 GB': expected a size" --suite smoke --array 2 --mem "4 GB"
expect_error "--array 999: the plan has only" --suite smoke --array 999
"$bench" slurm --suite smoke --array 3 --max-parallel 2 --time 1-02:00:00 --mem 3G --partition p \
    --out "$work/script-only" --script-only > /dev/null 2>&1
script="$work/script-only/slurm/gembench-smoke.sbatch"
bash -n "$script"
for line in "#SBATCH --array=0-2%2" "#SBATCH --time=1-02:00:00" "#SBATCH --mem=3G" "#SBATCH --partition=p" \
            "#SBATCH --requeue" "#SBATCH --signal=B:USR1@120" "$bench run --suite smoke --out $work/script-only"; do
    grep -qF -- "$line" "$script" || { echo "slurm-test: '$line' missing from $script" >&2; cat "$script" >&2; exit 1; }
done
echo "slurm-test: option errors and --script-only script checked"

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP slurm-test cluster part: starting munged, slurmctld and slurmd needs root (running as $(id -un))"
    exit 0
fi
command -v sbatch > /dev/null && command -v slurmctld > /dev/null && command -v munged > /dev/null \
    || scripts/install-deps.sh

# munge: its own key, socket and logs in $work
dd if=/dev/urandom of="$work/munge.key" bs=1 count=1024 status=none
chmod 400 "$work/munge.key"
munged -F --force --socket="$work/munge.socket" --key-file="$work/munge.key" --pid-file="$work/munged.pid" \
    --log-file="$work/munged.log" --seed-file="$work/munged.seed" > "$work/munged.out" 2>&1 &
pids+=($!)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }
host=$(hostname -s)
mkdir -p "$work/state" "$work/spool"
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" <<EOF
ClusterName=gembench-test
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
NodeName=$host CPUs=$(nproc) RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 )) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
for _ in $(seq 50); do [ -S "$work/munge.socket" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" > "$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$work/slurmd.out" 2>&1 &
pids+=($!)
show_logs() { tail -n 20 "$work"/*.log "$work"/*.out "$work"/runs/slurm/logs/* 2>/dev/null >&2 || true; }
for i in $(seq 60); do
    state=$(sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    [ "$i" -lt 60 ] || { echo "slurm-test: the node did not come up (state '$state')" >&2; show_logs; exit 1; }
    sleep 0.5
done
echo "slurm-test: one-node cluster up ($host, $(nproc) CPUs)"

local_runs=${1:-}
if [ -z "$local_runs" ]; then
    local_runs="$work/local"
    "$bench" run --suite smoke --out "$local_runs" > "$work/local.txt" 2>&1
fi
# one core per element, so that two elements run side by side on this node
"$bench" slurm --suite smoke --array 3 --cpus-per-task 1 --out "$work/runs" > "$work/submit.txt" 2> "$work/submit.err"
job=$(awk '/^submitted job array/ {print $4}' "$work/submit.txt")
[ -n "$job" ] || { echo "slurm-test: no job id in:" >&2; cat "$work/submit.txt" >&2; exit 1; }
for i in $(seq 360); do
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
    [ "$i" -lt 360 ] || { echo "slurm-test: job $job still queued after 180 s" >&2; squeue >&2; show_logs; exit 1; }
    sleep 0.5
done
"$bench" status --suite smoke --out "$work/runs" > "$work/status.txt"
tail -n 1 "$work/status.txt"
if grep -qvE '  finished$|^RUN  |^[0-9]+ runs: [0-9]+ finished$' "$work/status.txt"; then
    echo "slurm-test: not every run finished under SLURM:" >&2; cat "$work/status.txt" >&2; show_logs; exit 1
fi
python3 - "$local_runs" "$work/runs" <<'EOF'
import os, sys
import h5py, numpy as np
local, cluster = sys.argv[1:]
names = sorted(n for n in os.listdir(cluster) if n.endswith(".h5"))
assert names and names == sorted(n for n in os.listdir(local) if n.endswith(".h5")), (names, os.listdir(local))
for name in names:
    with h5py.File(os.path.join(local, name)) as a, h5py.File(os.path.join(cluster, name)) as b:
        for key in ("metrics/accuracy_matrix", "metrics/random_init_accuracy"):
            x, y = a[key][()], b[key][()]
            assert x.shape == y.shape and x.tobytes() == y.tobytes(), f"{name} {key}: local {x} vs SLURM {y}"
print(f"slurm-test: {len(names)} runs from the job array, accuracy matrices bit-identical to the local runs")
EOF
# Preemption: an element training a run of a few seconds is sent SIGUSR1 (as 120 s before its time
# limit) once its first task has trained; it must checkpoint, requeue itself, resume from its
# checkpoint and write a file bit-identical (timings aside) to a local run's.
mkdir -p "$work/experiments"
cat > "$work/experiments/preempt.yaml" <<'EOF'
experiments:
  preempt:
    description: slurm-test preemption, about a second a task in a debug build
    benchmark: {kind: permuted, tasks: 3, samples_per_task: 3000, test_samples_per_task: 100}
    optimizer: {lr: 0.1, batch_size: 10, epochs: 2}
    strategies:
      gem: {patterns_per_experience: 20, memory_strength: 0.5}
EOF
"$bench" run preempt --experiments "$work/experiments" --out "$work/preempt-local" > "$work/preempt-local.txt" 2>&1
"$bench" slurm preempt --experiments "$work/experiments" --array 1 --cpus-per-task 1 --out "$work/preempt" \
    > "$work/submit.txt" 2> "$work/submit.err"
job=$(awk '/^submitted job array/ {print $4}' "$work/submit.txt")
[ -n "$job" ] || { echo "slurm-test: no job id in:" >&2; cat "$work/submit.txt" >&2; exit 1; }
log="$work/preempt/slurm/logs/gembench-preempt_${job}_0.out"
for i in $(seq 240); do
    grep -q "task 1/3 trained" "$log" 2>/dev/null && break
    [ "$i" -lt 240 ] || { echo "slurm-test: element ${job}_0 did not train a task in 60 s" >&2; show_logs; exit 1; }
    sleep 0.25
done
scancel --signal=USR1 --batch "${job}_0"
for i in $(seq 360); do
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
    # SLURM holds a requeued job back (its begin time) for minutes: let it start now
    if [ "$(squeue -h -j "$job" -o %r 2>/dev/null)" = BeginTime ]; then scontrol update JobId="${job}_0" StartTime=now; fi
    [ "$i" -lt 360 ] || { echo "slurm-test: job $job still queued 180 s after the signal" >&2; squeue >&2; show_logs; exit 1; }
    sleep 0.5
done
for line in "preempt__gem__seed0: checkpointed at task" "checkpointed; requeueing shard 0/1" "attempt 2" \
            "resuming preempt__gem__seed0 from its checkpoint: task"; do
    grep -qF -- "$line" "$log" || { echo "slurm-test: '$line' missing from the element's log:" >&2; cat "$log" >&2; exit 1; }
done
python3 - "$work/preempt-local/preempt__gem__seed0.h5" "$work/preempt/preempt__gem__seed0.h5" <<'EOF'
import sys
import h5py
def datasets(path):
    found = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, item: found.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return found
local, cluster = map(datasets, sys.argv[1:])
assert sorted(local) == sorted(cluster), (sorted(local), sorted(cluster))
timings = {"train/task_train_seconds", "train/task_eval_seconds"}
differing = [k for k in local if k not in timings and local[k].tobytes() != cluster[k].tobytes()]
assert not differing, f"the resumed run differs from the local one in {differing}"
print(f"slurm-test: preempted element checkpointed, requeued and resumed; its file is bit-identical to the local run "
      f"in all {len(local) - len(timings)} datasets but the timings")
EOF
