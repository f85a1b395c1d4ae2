#!/usr/bin/env python3
"""Execute notebooks/analysis.ipynb headless and fail if any cell fails.

    python3 notebooks/run_notebook.py [--runs Results/runs] [--output executed.ipynb] [--figures DIR]
                                      [--timeout 600]

--runs sets GEMBENCH_RUNS for the notebook (default: the notebook's own default,
../Results/runs relative to notebooks/). The notebook runs with notebooks/ as its working
directory. Exit status 1 and the failing cell's error when a cell fails.
"""
import argparse
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notebook", default=os.path.join(HERE, "analysis.ipynb"))
    parser.add_argument("--runs", help="folder of run files (sets GEMBENCH_RUNS)")
    parser.add_argument("--output", help="write the executed notebook here")
    parser.add_argument("--figures", help="also save the figures as PNG here (sets GEMBENCH_FIGURES)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()

    if args.runs:
        os.environ["GEMBENCH_RUNS"] = os.path.abspath(args.runs)
    if args.figures:
        os.environ["GEMBENCH_FIGURES"] = os.path.abspath(args.figures)
    notebook = nbformat.read(args.notebook, as_version=4)
    client = NotebookClient(notebook, timeout=args.timeout, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}})
    try:
        client.execute()
    except CellExecutionError as error:
        print(f"{args.notebook}: a cell failed:\n{error}", file=sys.stderr)
        return 1
    finally:
        if args.output:
            nbformat.write(notebook, args.output)
    print(f"{args.notebook}: all {sum(c.cell_type == 'code' for c in notebook.cells)} code cells ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
