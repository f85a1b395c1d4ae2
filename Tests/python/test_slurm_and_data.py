"""Cluster flags and missing data (issue #28): `bench slurm` writes the sbatch options a
cluster asks for (account, QoS, GRES, constraint, mail, any other through --sbatch-arg) as
#SBATCH lines, refuses those the script sets itself; and a plan whose runs need a dataset
that is not in the data folder (CIFAR-10, not fetched) is refused by `bench run --dry-run`,
`bench run` and `bench slurm` before anything trains or is submitted, naming the `bench
fetch` to run. The executable is GEMBENCH_BENCH or .build/debug/bench."""
import os
import subprocess
from pathlib import Path

from conftest import built_bench

ROOT = Path(__file__).resolve().parents[2]


def run(*arguments, env=None):
    done = subprocess.run([built_bench(), *map(str, arguments)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=None if env is None else {**os.environ, **env})
    return done.returncode, done.stdout, done.stderr


def directives(script):
    return [line[len("#SBATCH "):] for line in script.read_text().splitlines() if line.startswith("#SBATCH ")]


def test_slurm_writes_the_cluster_options_and_passes_others_through(tmp_path):
    out = tmp_path / "runs"
    code, stdout, err = run("slurm", "smoke-permuted/naive", "--seeds", "0", "--array", "1", "--account", "a",
                            "--qos", "q", "--gres", "gpu:1", "--sbatch-arg=--exclusive", "--constraint", "avx2",
                            "--mail-type", "END,FAIL", "--mail-user", "me@example.org",
                            "--sbatch-arg", "--nodelist=node1", "--script-only", "--out", out)
    assert code == 0, err
    [script] = (out / "slurm").glob("*.sbatch")
    assert f"wrote {script}" in stdout
    lines = directives(script)
    for line in ["--account=a", "--qos=q", "--gres=gpu:1", "--constraint=avx2", "--mail-type=END,FAIL",
                 "--mail-user=me@example.org", "--exclusive", "--nodelist=node1"]:
        assert lines.count(line) == 1, (line, lines)
    # the passed-through options come last, in the order given
    assert lines[-2:] == ["--exclusive", "--nodelist=node1"]
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_slurm_refuses_options_it_cannot_pass_on(tmp_path):
    def refused(*extra):
        code, _, err = run("slurm", "smoke-permuted/naive", "--array", "1", "--script-only", "--out", tmp_path, *extra)
        assert code == 64, err
        return err
    assert "the script sets --time itself; give `bench slurm --time` instead" in refused("--sbatch-arg=--time=1:00:00")
    assert "the script sets -o itself; it writes the logs to OUT/slurm/logs/" in refused("--sbatch-arg=-o/tmp/x")
    assert "expected one sbatch option such as --exclusive" in refused("--sbatch-arg=exclusive")
    assert "'FAILED' is no SLURM mail type" in refused("--mail-type", "END,FAILED")
    assert "--account 'a b': expected a value without spaces" in refused("--account", "a b")
    assert not (tmp_path / "slurm").exists()


def test_a_plan_needing_missing_cifar_is_refused_before_training_or_submitting(tmp_path):
    empty = tmp_path / "data"
    empty.mkdir()
    out = tmp_path / "runs"
    needs = "4 run(s) to train need CIFAR-10 (split-cifar10-ti), which is not in the data folder"
    for arguments, env, fetch in [
        (["run", "--suite", "cifar10", "--dry-run", "--data-dir", empty], None, f"bench fetch cifar10 --data-dir {empty}"),
        (["run", "--suite", "cifar10", "--data-dir", empty], None, f"bench fetch cifar10 --data-dir {empty}"),
        (["slurm", "--suite", "cifar10", "--array", "2", "--script-only"], {"GEMBENCH_DATA_DIR": str(empty)},
         "bench fetch cifar10"),
    ]:
        code, stdout, err = run(*arguments, "--out", out, env=env)
        assert code == 1, (arguments, stdout, err)
        assert needs in err and f"fetch it with: {fetch}" in err, err
        assert f"Missing CIFAR-10 file: {empty}" in err, err
        assert "[1/" not in err and not out.exists(), arguments  # nothing trained, written or submitted
    # the dry run still shows the plan it refuses
    code, stdout, _ = run("run", "--suite", "cifar10", "--dry-run", "--data-dir", empty, "--out", out)
    assert "split-cifar10-ti  gem" in stdout
    # a plan on data that is there is not refused
    code, _, err = run("run", "--suite", "smoke", "--dry-run", "--out", out)
    assert code == 0, err
