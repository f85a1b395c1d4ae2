"""ACC, BWT, FWT (GEM paper, section 4) and forgetting (Chaudhry et al. 2018) from R and b.

Written from the definitions, independently of the Swift code (Sources/Evaluation), so
that the tests can check the metrics stored in run files and plotted by `bench report`.
With T tasks and 0-based indices:

    ACC        = mean_j R[T-1, j]
    BWT        = mean_{j < T-1} (R[T-1, j] - R[j, j])
    FWT        = mean_{j >= 1}  (R[j-1, j] - b[j])
    forgetting = mean_{j < T-1} (max_{l < T-1} R[l, j] - R[T-1, j])

BWT, FWT and forgetting are undefined (None) for one task or a single row of R (joint
training). The GEM reference code divides BWT and FWT by T instead of T - 1.
"""
import numpy as np


def recompute_metrics(R, b):
    """A dict with "acc", "bwt", "fwt" and "forgetting" (None where undefined).

    R: accuracy matrix, rows x T (T x T, or 1 x T for joint training); b: T accuracies of
    the random initialisation. Raises ValueError for other shapes.
    """
    R = np.asarray(R, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if R.ndim != 2 or b.ndim != 1 or R.shape[1] != b.shape[0] or R.shape[0] not in (1, b.shape[0]) or not b.size:
        raise ValueError(f"R must be T x T or 1 x T and b must have T entries (R {R.shape}, b {b.shape})")
    T = b.shape[0]
    final = R[-1]
    result = {"acc": float(final.mean()), "bwt": None, "fwt": None, "forgetting": None}
    if T < 2 or R.shape[0] != T:
        return result
    learnt = np.diagonal(R)              # R[j, j]
    before = np.diagonal(R, offset=1)    # R[j-1, j] for j = 1..T-1
    result["bwt"] = float(np.mean(final[:-1] - learnt[:-1]))
    result["fwt"] = float(np.mean(before - b[1:]))
    result["forgetting"] = float(np.mean(R[:-1, :-1].max(axis=0) - final[:-1]))
    return result
