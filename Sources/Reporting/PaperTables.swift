import Storage

/// The papers `bench report --paper-table` compares with: their published values, settings and
/// known reasons for differences. The renderer is `PaperComparison.render`.
enum PaperTables {
    typealias Column = PaperComparison.Column
    typealias Reference = PaperComparison.Reference

    // MARK: GEM (Lopez-Paz & Ranzato 2017)

    /// Figure 1 and the accuracy matrices of the GEM paper's appendix, BWT/FWT in its published convention.
    static let gemMNIST = PaperComparison.PaperTable(
        fileStem: "gem-paper-mnist",
        experiments: ["paper-permuted-mnist", "paper-rotated-mnist"],
        benchmarks: [("permuted-mnist", "MNIST permutations"), ("rotated-mnist", "MNIST rotations")],
        methods: [
            ("single", "single"), ("independent", "independent"), ("multimodal", "multimodal"),
            ("ewc", "EWC"), ("gem", "GEM"), ("joint", "joint (offline)"),
        ],
        columns: [
            Column(name: "ACC", csvName: "acc", ours: { $0.acc }),
            Column(name: "BWT", csvName: "bwt", ours: { $0.bwt }),
            Column(name: "FWT", csvName: "fwt", ours: { $0.fwt }),
            Column(
                name: "train s", csvName: "train_seconds", ours: { $0.trainSeconds }, decimals: 1,
                compared: false, showsSpread: false, hasPaperColumn: false),
            Column(
                name: "total s", csvName: "total_seconds", ours: { $0.totalSeconds }, decimals: 1,
                compared: false, showsSpread: false, hasPaperColumn: false),
        ],
        references: [
            "permuted-mnist": [
                "single": gem(0.602, -0.198, 0.009), "independent": ["acc": Reference(0.45)],
                "multimodal": gem(0.756, -0.028, 0.006), "ewc": gem(0.619, -0.165, 0.005),
                "gem": gem(0.826, 0.025, 0.009),
            ],
            "rotated-mnist": [
                "single": gem(0.531, -0.090, 0.425), "multimodal": gem(0.759, -0.024, 0.018),
                "ewc": gem(0.546, -0.205, 0.552), "gem": gem(0.861, 0.005, 0.665),
            ],
        ],
        knownReasons: [
            "rotated-mnist/*":
                "the paper's rotation angles were drawn unseeded, so its rotations figures are one draw of the "
                + "20 angles; ours are drawn from each seed (the reference code run here with its angles seeded at 0 gives "
                + "GEM ACC .817 and single .532)",
            "*/ewc":
                "EWC's Fisher is the square of one batch gradient over the stored samples, as in the reference code; "
                + "its strength was tuned for that code's initialisation (PyTorch's default) and ours is Xavier-uniform",
            "*/multimodal": "the paper's multimodal numbers come from its figure; our task-specific input layers use "
                + "Xavier-uniform initialisation where the reference code used PyTorch's default",
            "*/independent": "the paper gives independent's ACC only approximately (≈ .45)",
        ],
        preamble: "# GEM paper, MNIST experiments: ours beside the paper's\n\n"
            + "Lopez-Paz & Ranzato, *Gradient Episodic Memory for Continual Learning*, NeurIPS 2017 (section 5). "
            + "Settings as in the paper's experiment script: 20 tasks × 1000 samples, MLP 784-100-100-10, "
            + "batch 10, one epoch, full test sets; per method: single lr 0.03 (perm.) / 0.003 (rot.), "
            + "independent lr 0.03 / 0.1, multimodal lr 0.1, EWC lr 0.1, 10 memories, strength 3 (perm.) / "
            + "lr 0.01, 1000 memories, strength 1000 (rot.), GEM lr 0.1, 256 memories, strength 0.5, recent "
            + "memory; joint is our offline upper bound (one epoch over the union of all tasks).\n\n"
            + "Ours: mean ± sample std over seeds (n). Seconds are per run: training, and training plus "
            + "evaluating R after every task.\n\n"
            + "BWT and FWT are in the paper's published convention: averaged over all T = 20 tasks, as its "
            + "reference code computes them (a zero term for the last task in BWT and the first in FWT), which is "
            + "19/20 of the ÷(T−1) formula that `bench report`, `bench show` and the run files use "
            + "(`bwt`, `fwt`; see docs/methods.md).\n\n",
        provenance:
            "- Runs: the `paper` suite, seeds 0-4 (`swift run bench --suite paper`), files in `Results/runs/`\n",
        prepare: { run in
            var run = run
            (run.metrics.bwt, run.metrics.fwt) = (
                PaperComparison.published(run.metrics.bwt, tasks: run.taskCount),
                PaperComparison.published(run.metrics.fwt, tasks: run.taskCount)
            )
            return run
        })

    // MARK: A-GEM (Chaudhry, Ranzato, Rohrbach & Elhoseiny 2019)

    /// The A-GEM paper's permuted-MNIST results (Table 1 / Figure 1: A_T ± std over 5 runs, F_T,
    /// LCA_10) and its GEM's training time (Table 7, a GPU). MAS and RWALK: the values the authors'
    /// plotting notebook printed for the runs behind the paper's MNIST figures (`agemNotebook`).
    static let agemMNIST = PaperComparison.PaperTable(
        fileStem: "agem-paper-mnist",
        experiments: ["agem-paper-permuted-mnist"],
        benchmarks: [("permuted-mnist", "MNIST permutations")],
        methods: [
            ("van", "VAN"), ("ewc", "EWC"), ("si", "PI"), ("mas", "MAS"), ("rwalk", "RWALK"), ("pnn", "PROG-NN"),
            ("gem", "GEM"), ("agem", "A-GEM"),
        ],
        columns: [
            Column(name: "A_T (%)", csvName: "acc", ours: { $0.acc }, scale: 100, decimals: 2),
            Column(name: "F_T", csvName: "forgetting", ours: { $0.forgetting }),
            Column(name: "LCA_10", csvName: "lca", ours: { $0.lca }),
            Column(name: "train s", csvName: "train_seconds", ours: { $0.trainSeconds }, decimals: 0, compared: false),
        ],
        references: [
            "permuted-mnist": [
                "van": agem(0.479, 0.0132, 0.51, 0.26), "ewc": agem(0.683, 0.0069, 0.29, 0.27),
                "gem": agem(0.895, 0.0048, 0.06, 0.23).merging(["train_seconds": Reference(3442)]) { a, _ in a },
                "agem": agem(0.891, 0.0014, 0.06, 0.29),
                // plotting_code/agem_plots.ipynb (32d1144), the outputs of its MNIST cells 11 and 13
                "mas": agem(0.6985, 0.0093, 0.269, 0.295), "rwalk": agem(0.8580, 0.0057, 0.082, 0.316),
                // Table 1, row PROG-NN (as its plotting notebook's bar_data['PROG-NN'] = 0.935, 0, 0.19 ± 0.0007, 0, 0.006)
                "pnn": agem(0.935, 0.0007, 0, 0.19),
            ]
        ],
        knownReasons: [
            "*/van": "initialisation: theirs is a truncated normal (σ 0.1) with biases 0.1 (model/model.py "
                + "weight_variable, bias_variable), ours Xavier-uniform with zero biases; " + lcaConvention,
            "*/ewc": "their EWC is the online variant (one running Fisher, an average of squared minibatch gradients "
                + "updated every 10 steps, min-max normalised to [0, 1] after each task, one anchor at the last task's "
                + "weights; model/model.py create_fisher_ops, task_updates), so their λ 10 means another strength than "
                + "ours (a sum of per-task penalties, each Fisher the unnormalised squared mean gradient of 10 stored "
                + "samples); " + lcaConvention,
            "*/gem": "their GEM numbers do not come from the released script (GEM is absent from it and was removed "
                + "from the repository in 77c5244; the plotting notebook takes GEM's LCA from one hard-coded curve), "
                + "so its learning rate is not on record (ours 0.03); their QP has no εI (utils/gem_utils.py at "
                + "77c5244^), ours ε = 1e-3; " + lcaConvention,
            "*/agem": "their memory held 25 random samples of each class per task (sample_from_dataset at 1ef4c10^), "
                + "ours 250 random samples of the task, not class-balanced; initialisation as for VAN; "
                + lcaConvention,
            "*/mas":
                "initialisation as for VAN; their importance pass covers the 55,000 images of TensorFlow's training "
                + "split in their stored order, ours the task's 55,000 samples in the task's order; " + lcaConvention,
            "*/rwalk": "initialisation as for VAN; " + lcaConvention,
            "*/pnn":
                "their columns' every layer also takes a lateral from the input of each earlier column (model/model.py "
                + "extensible_fc_column_progNN: h_pnn[tt][0] is x), k more first layers for column k that multiply its "
                + "first layer's effective step by k + 1, and each lateral has a bias of its own; ours take laterals from "
                + "the hidden layers only, one bias per layer; initialisation as for VAN; " + lcaConvention,
        ],
        preamble: "# A-GEM paper, permuted MNIST: ours beside the paper's\n\n"
            + "Chaudhry, Ranzato, Rohrbach & Elhoseiny, *Efficient Lifelong Learning with A-GEM*, ICLR 2019 (Table 1, "
            + "Figure 1; GEM's time from Table 7). Settings as in its released code (below): 17 permuted-MNIST tasks "
            + "(the first 3 of 20 are kept for the hyper-parameter search and never reported), 55,000 training images "
            + "per task seen once in minibatches of 10, the full 10,000-image test sets, MLP 784-256-256-10, plain SGD; "
            + "VAN (fine-tuning) lr 0.03; EWC lr 0.03, λ 10; MAS lr 0.1, λ 0.1; RWALK lr 0.1, λ 1; GEM lr 0.03, 250 "
            + "memories per task, strength 0.5; A-GEM lr 0.1, 250 memories per task, reference batch 256; "
            + "PROG-NN lr 0.1, a 784-256-256-10 column per task with lateral connections from the earlier columns. PI (`si`) at "
            + "the script's lr 0.1, λ 0.1 diverges with plain SGD (docs/methods.md) and is not in the suite; a PI row "
            + "appears if `si` runs are added.\n\n"
            + "The paper's column: VAN, EWC, PROG-NN, GEM and A-GEM from the paper; MAS and RWALK as the authors' plotting "
            + "notebook printed them for the runs behind the paper's MNIST figures (`plotting_code/agem_plots.ipynb`, "
            + "commit 32d1144, outputs of its MNIST cells 11 and 13: mean and numpy std over 5 runs), at the "
            + "notebook's precision, as the paper's own table was not at hand; the notebook's VAN, EWC and A-GEM "
            + "values are within one unit of the paper's last printed digit (VAN 47.95 ± 1.32, F_T 0.511, LCA_10 "
            + "0.262 there; 47.9 ± 1.32, 0.51, 0.26 in the paper), while its GEM (90.30) is not the paper's (89.5). "
            + "The notebook has no PI run on MNIST and we found no published MNIST value for PI: its paper cells are "
            + "empty.\n\n"
            + "Ours: mean ± sample std over seeds (n). A_T = accuracy averaged over all tasks after the last (our ACC, "
            + "in %); F_T = average forgetting (docs/methods.md); LCA_10 = mean over b = 0…10 of Z_b, the accuracy on "
            + "each task after b of its minibatches averaged over tasks (the paper's formula). The paper's ± is over "
            + "its 5 runs (numpy's std, n). train s = our training seconds per run (with the 11 early evaluations of "
            + "each task that LCA needs), beside the paper's GEM on a GPU (3,442 s); our machine is in the provenance.\n\n",
        provenance: "- Runs: the `agem-paper` suite, seeds 0-4 (`swift run bench --suite agem-paper`), files in "
            + "`Results/runs/`\n",
        afterword: agemSettingsFound)

    /// Why an LCA_10 may differ whatever the method.
    static let lcaConvention =
        "and their LCA_10 is not the paper's formula but the trapezoidal area over b = 0…10 "
        + "divided by 10, ((Z_0 + Z_10)/2 + Z_1 + … + Z_9)/10 (plotting_code/agem_plots.ipynb, the LCA cell), about "
        + "0.002 above the mean for their GEM curve"

    /// What facebookresearch/agem (HEAD 4542149; the ICLR 2019 code at 1ef4c10^) does, read for this table.
    static let agemSettingsFound = """

        ## Where each setting comes from

        Read in facebookresearch/agem (HEAD 4542149; the code as it was for the ICLR 2019 paper is 1ef4c10^, \
        before "Switching A-GEM to Ringbuffer" and `--examples-per-task` of February 2019):

        - Methods and settings: `replicate_results_iclr19.sh` lines 14-25, MNIST: VAN lr 0.03, EWC lr 0.03 with \
        `--synap-stgth` 10, A-GEM lr 0.1; batch 10, `--train-single-epoch`, 5 runs, SGD \
        (`fc_permute_mnist.py` line 531: `GradientDescentOptimizer`, no decay, no momentum). GEM is not in the \
        script (its code was removed in 77c5244, 2018-12-21); its strength is `project2cone2(..., margin=0.5)` \
        (`utils/gem_utils.py` line 4 at 77c5244^, solved with quadprog, no εI). GEM's learning rate is not in the \
        released code: ours, 0.03, is the paper's MNIST value as we read its hyper-parameter appendix, unverified here.
        - Tasks: `fc_permute_mnist.py` lines 61, 72, 502: `num_tasks = NUM_TASKS - K_FOR_CROSS_VAL` = 17 for the \
        reported runs (the 3 cross-validation tasks are a separate run with `--online-cross-val`).
        - Data: `utils/data_utils.py` lines 646-691: TensorFlow's `read_data_sets('MNIST_data')` (55,000 training, \
        5,000 validation, 10,000 test images, pixels in [0, 1]); every task, the first included, gets its own \
        random pixel permutation (`np.random.shuffle(perm_inds)`, line 662), seeded by `np.random.seed(1234 + run)` \
        (`fc_permute_mnist.py` line 146). The validation split is never used. Ours: `samples_per_task: 55000` draws \
        55,000 of the 60,000 training images per task at random; the test sets are the same.
        - One pass: `num_iters = 55000 // 10` minibatches (line 225) over a shuffled copy (1ef4c10^ line 234, \
        `train_x = task_train_images[perm]`; HEAD keeps `--examples-per-task`, default 1000, added for the ER paper).
        - Model: `model/model.py` line 159: 784-256-256-10, ReLU; weights truncated normal σ 0.1, biases 0.1 \
        (lines 35, 53).
        - A-GEM: memory 25 per class (`SAMPLES_PER_CLASS`, line 52) × 10 classes = 250 per task, chosen at random \
        after each task (`sample_from_dataset`, 1ef4c10^ line 425); each step a reference batch of 256 drawn \
        without replacement from the whole memory (all of it while it holds ≤ 256; HEAD line 298), one reference \
        gradient, and g − (gᵀr / rᵀr) r when gᵀr < 0 (`model/model.py` lines 1144-1190).
        - EWC: online (`model/model.py` lines 1071-1107, 1248-1257): squared minibatch gradients summed over 10 \
        steps, averaged into a running Fisher with decay 0.9, min-max normalised after each task; the penalty \
        λ Σ F (θ − θ*)² (line 850) with θ* the weights after the last task. Ours sums one penalty per finished task.
        - PI, MAS, RWALK (1ef4c10^ `model/model.py`; `replicate_results_iclr19.sh` lines 19-22: PI lr 0.1         `--synap-stgth` 0.1, MAS lr 0.1 and 0.1, RWALK lr 0.1 and 1): each step's ω += −g ∘ Δθ with g the gradient         of the cross-entropy alone and Δθ the applied update (lines 1017-1021); PI's Ω += relu(ω / (ξ + (θ − θ*)²))         after each task with ξ = `PARAM_XI_STEP` = 1e-3 (lines 18, 1026-1029, 1270-1274); MAS's importances are         reset after each task and summed as |∇ Σ_batch ‖z‖²| over the task's training images in batches of 10,         divided by their count (lines 1130-1142, 1307-1329); RWALK's squared gradients T are summed from the task's         start, and every 10 steps (`FISHER_UPDATE_AFTER`, `fc_permute_mnist.py` lines 50-51, 335-353) the score         R += relu(ω / (ξ + F (θ − θ_Δ)²)) and the Fisher F ← 0.1 F + 0.9 T / 10 (`FISHER_EMA_DECAY` 0.9) are         updated; after a task s += (s + R) / 2 (R doubled after the first task) and the penalty weighs the         min-max-normalised F and s (lines 1030-1062, 1083-1108, 1275-1305). Ours computes each the same way         (docs/methods.md), with MAS's groups in the task's order and its last partial group kept.
        - PROG-NN: `replicate_results_iclr19.sh` lines 24-25, MNIST thread 3: PNN lr 0.1. `model/model.py` lines 420-475 \
        (`init_fc_column_progNN`, `extensible_fc_column_progNN`): one 784-256-256-10 column per task; every layer i of \
        column t adds, for each earlier column tt, `create_fc_layer(h_pnn[tt][i], U_w, U_b)`, a plain linear map with \
        bias of column tt's layer-i input (the input itself for i = 0, then its hidden layers); lines 876 and 902: task \
        t's loss is minimised over column t's variables only (`var_list=self.trainable_vars[i]`), so earlier columns \
        are frozen; `fc_permute_mnist.py` lines 262 and 446: task t trains `model.train[task]`, and task j is \
        evaluated with `model.accuracy[task]`, column j's logits.
        - Metrics: `plotting_code/agem_plots.ipynb`: A_T = mean over the 17 tasks of the last row \
        (`average_acc_stats_across_runs`), F_T = mean over j < T−1 of max_{l<T−1} a_{l,j} − a_{T−1,j} \
        (`compute_fgt`), both mean and `np.std` over runs; Z_b from snapshots taken before minibatch b for b < 10 \
        and at b = 10 (`fc_permute_mnist.py` line 233), over all 17 tasks, the first included; LCA_10 by the \
        trapezoidal rule (above).

        """

    private static func agem(_ acc: Double, _ accStd: Double, _ forgetting: Double, _ lca: Double) -> [String:
        Reference]
    {
        ["acc": Reference(acc, std: accStd), "forgetting": Reference(forgetting), "lca": Reference(lca)]
    }

    private static func gem(_ acc: Double, _ bwt: Double, _ fwt: Double) -> [String: Reference] {
        ["acc": Reference(acc), "bwt": Reference(bwt), "fwt": Reference(fwt)]
    }
}
