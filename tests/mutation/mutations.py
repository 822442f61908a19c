"""Deliberate bugs for tests/mutation/run.py: each one a textual replacement in one file.

id:      short name;   what: the bug, in words (the README table's first column)
file:    path from the repository root;   find / replace: the fragment and the bug
count:   how often `find` occurs in the file (default 1; all occurrences are replaced)
tests:   regular expression over CTest names: the tests run against this mutant (each
         mutation runs the tests that could plausibly see it, across every model)
Where the CPU and the CUDA code of a formula are separate, each gets its own mutation: the
CPU one must be caught by the golden / gradient tests, the CUDA one by the emulator.
"""

_MODEL = r"\.(golden|grad_ops|grad_model|plan)$"   # every CPU model's generated tests
_EMU_KERNELS = r"^cuda_emu\..*\.(ops|infer)$"     # CUDA kernels vs CPU, op by op and whole inference
_EMU_TRAIN = r"^cuda_emu\.(attn-hd64|conv-two-block|fc-scalebias|attn-nogta)\.train$"  # optimisers
_RUNTIME = r"^runtime\."

MUTATIONS = [
    # ---- the Kuramoto step (spec 2), CPU kernel
    dict(id="omega-sign-cpu", what="Omega's sign flipped (CPU forward)",
         file="runtime/include/akorn/ops/kuramoto_step.hpp",
         find="            z[k] += wk * xv[k + 1];\n            z[k + 1] -= wk * xv[k];\n",
         replace="            z[k] -= wk * xv[k + 1];\n            z[k + 1] += wk * xv[k];\n",
         tests=_MODEL + "|" + _RUNTIME),
    dict(id="gamma-on-proj-cpu", what="gamma multiplies the projection only, not Omega (CPU forward)",
         file="runtime/include/akorn/ops/kuramoto_step.hpp",
         find="            z[k] += wk * xv[k + 1];\n            z[k + 1] -= wk * xv[k];\n",
         replace="            z[k] += wk * xv[k + 1] / g;\n            z[k + 1] -= wk * xv[k] / g;\n",
         tests=_MODEL + "|" + _RUNTIME),
    # ---- the same formulas in the CUDA kernel (checked against the CPU on the emulator)
    dict(id="omega-sign-cuda", what="Omega's sign flipped (CUDA forward)",
         file="runtime/include/akorn/cuda/ops/kuramoto_step.cuh",
         find="            z[i] += wk * xv[i + 1];\n            z[i + 1] -= wk * xv[i];\n",
         replace="            z[i] -= wk * xv[i + 1];\n            z[i + 1] += wk * xv[i];\n",
         tests=_EMU_KERNELS),
    dict(id="gamma-on-proj-cuda", what="gamma multiplies the projection only, not Omega (CUDA forward)",
         file="runtime/include/akorn/cuda/ops/kuramoto_step.cuh",
         find="            z[i] += wk * xv[i + 1];\n            z[i + 1] -= wk * xv[i];\n",
         replace="            z[i] += wk * xv[i + 1] / gam;\n            z[i + 1] -= wk * xv[i] / gam;\n",
         tests=_EMU_KERNELS),
    # ---- the compiler's wiring of the Kuramoto op (shared by both backends)
    dict(id="energy-index", what="energy E_t written at index t instead of t+1 (emitted code)",
         file="compiler/emit/op_kuramoto.cpp",
         find='"energy ? energy + t + 1 : nullptr"', replace='"energy ? energy + t : nullptr"', count=2,
         tests=_MODEL + "|" + _EMU_KERNELS),
    dict(id="project-ignored", what="`project: false` ignored: always projects (emitted code)",
         file="compiler/emit/op_kuramoto.cpp",
         find='omega_mode(a.omega) + ", " + B(a.project) + ">"', replace='omega_mode(a.omega) + ", " + B(true) + ">"',
         tests=_MODEL + "|" + _EMU_KERNELS),
    dict(id="scalebias-swapped-wiring", what="ScaleBias stimulus: scale and bias passed swapped (emitted code)",
         file="compiler/emit/op_kuramoto.cpp",
         find='"_cnorm::forward(N, c, cnorm_scale, cnorm_bias, cn);"',
         replace='"_cnorm::forward(N, c, cnorm_bias, cnorm_scale, cn);"',
         tests=_MODEL + "|" + _EMU_KERNELS),
    dict(id="scalebias-swapped-cpu", what="ScaleBias: x*bias + scale (CPU kernel)",
         file="runtime/include/akorn/ops/scale_bias.hpp",
         find="ys[p * C + c] = xs[p * C + c] * scale[c] + bias[c];",
         replace="ys[p * C + c] = xs[p * C + c] * bias[c] + scale[c];",
         tests=_MODEL + "|" + _RUNTIME),
    dict(id="scalebias-swapped-cuda", what="ScaleBias: x*bias + scale (CUDA kernel)",
         file="runtime/include/akorn/cuda/ops/scale_bias.cuh",
         find="y[i] = x[i] * scale[c] + bias[c];", replace="y[i] = x[i] * bias[c] + scale[c];",
         tests=_EMU_KERNELS),
    # ---- GTA (spec 3)
    dict(id="gta-transpose-cpu", what="GTA: M^T applied to q, k, v instead of M (CPU)",
         file="runtime/include/akorn/ops/attn_j.hpp",
         find="          v0 = M[0] * a + M[1] * b;\n          v1 = M[2] * a + M[3] * b;\n",
         replace="          v0 = M[0] * a + M[2] * b;\n          v1 = M[1] * a + M[3] * b;\n",
         tests=_MODEL + "|" + _RUNTIME),
    dict(id="gta-transpose-cuda", what="GTA: M^T applied to q, k, v instead of M (CUDA)",
         file="runtime/include/akorn/cuda/ops/attn_j.cuh",
         find="        o0 = alpha * (M[0] * a + M[1] * b);\n        o1 = alpha * (M[2] * a + M[3] * b);\n",
         replace="        o0 = alpha * (M[0] * a + M[2] * b);\n        o1 = alpha * (M[1] * a + M[3] * b);\n",
         tests=_EMU_KERNELS),
    dict(id="gta-out-untransposed-cuda", what="GTA: M instead of M^T applied to the attention output (CUDA)",
         file="runtime/include/akorn/cuda/ops/attn_j.cuh",
         find="          orow[2 * f] = M[0] * a + M[2] * b;\n          orow[2 * f + 1] = M[1] * a + M[3] * b;\n",
         replace="          orow[2 * f] = M[0] * a + M[1] * b;\n          orow[2 * f + 1] = M[2] * a + M[3] * b;\n",
         tests=_EMU_KERNELS),
    # ---- the HD=64 attention lanes of the paper model (CUDA)
    dict(id="hd64-lane-cuda", what="HD=64 attention: lane -> chunk map reversed (CUDA, KG == 1 path)",
         file="runtime/include/akorn/cuda/ops/attn_j.cuh",
         find="  if constexpr (CF::KG == 1) return lane + 32 * cc;",
         replace="  if constexpr (CF::KG == 1) return 31 - lane + 32 * cc;",
         tests=_EMU_KERNELS),
    # ---- optimiser and EMA (a formula CPU and GPU each have once: checked against torch /
    # ema_pytorch on the CPU, against a host double step on the GPU side)
    dict(id="adam-sign-cpu", what="Adam steps up the gradient (CPU)",
         file="runtime/include/akorn/optim.hpp",
         find="p[k] -= step * mm[k]", replace="p[k] += step * mm[k]", tests=_RUNTIME),
    dict(id="adam-bias-cpu", what="Adam without the first-moment bias correction (CPU)",
         file="runtime/include/akorn/optim.hpp",
         find="static_cast<S>(lr / c1)", replace="static_cast<S>(lr)", tests=_RUNTIME),
    dict(id="adam-eps-cpu", what="Adam's eps inside the square root (CPU)",
         file="runtime/include/akorn/optim.hpp",
         find="(std::sqrt(vv[k]) * rc2 + e)", replace="std::sqrt(vv[k] * rc2 * rc2 + e)", tests=_RUNTIME),
    dict(id="clip-scale-cpu", what="clipping scale without the 1e-6 term (CPU)",
         file="runtime/include/akorn/optim.hpp",
         find="double scale = max_norm / (norm + 1e-6);", replace="double scale = max_norm / norm;",
         tests=_RUNTIME),
    dict(id="ema-decay-cpu", what="EMA: decay and 1-decay swapped (CPU)",
         file="runtime/include/akorn/train_step.hpp",
         find="ema[i] = ds * ema[i] + (S(1) - ds) * params[i];",
         replace="ema[i] = (S(1) - ds) * ema[i] + ds * params[i];", tests=_RUNTIME + "|" + _EMU_TRAIN),
    dict(id="ema-warmup-cpu", what="EMA warm-up exponent -3/4 instead of -2/3 (CPU)",
         file="runtime/include/akorn/train_step.hpp",
         find="-2.0 / 3.0", replace="-3.0 / 4.0", tests=_RUNTIME + "|" + _EMU_TRAIN),
    dict(id="adam-sign-cuda", what="Adam steps up the gradient (CUDA)",
         file="runtime/include/akorn/cuda/optim.cuh",
         find="params[k] = sub_rn(params[k], div_rn(", replace="params[k] = add_rn(params[k], div_rn(",
         tests=_EMU_TRAIN),
    dict(id="ema-decay-cuda", what="EMA: decay and 1-decay swapped (CUDA)",
         file="runtime/include/akorn/cuda/optim.cuh",
         find="ema[i] = add_rn(mul_rn(ds, ema[i]), mul_rn(one_d, params[i]));",
         replace="ema[i] = add_rn(mul_rn(one_d, ema[i]), mul_rn(ds, params[i]));", tests=_EMU_TRAIN),
    dict(id="ema-warmup-cuda", what="EMA warm-up exponent -3/4 instead of -2/3 (CUDA)",
         file="runtime/include/akorn/cuda/optim.cuh",
         find="pow(1.0 + ee, -2.0 / 3.0)", replace="pow(1.0 + ee, -3.0 / 4.0)", tests=_EMU_TRAIN),
    # ---- the memory plan: live ranges one step too short (verify_plan in akornc still passes)
    dict(id="live-range-bwd-read", what="live range ends before the backward step that reads the value",
         file="compiler/plan.cpp",
         find="            last = std::max(last, bwd_step[c]);", replace="            last = std::max(last, fwd_step[c]);",
         tests=r"\.plan$"),
    dict(id="live-range-saved", what="an op's saved buffer freed one step before its backward step",
         file="compiler/plan.cpp",
         find="if (r.life == BufReq::Saved && bwd_step[i] >= 0) last = bwd_step[i];",
         replace="if (r.life == BufReq::Saved && bwd_step[i] >= 0) last = bwd_step[i] - 1;",
         tests=r"\.plan$"),
    # ---- options the emitter must wire through
    dict(id="omega-learned-ignored", what="`omega_learned: false` ignored: omega trained anyway (emitted code)",
         file="compiler/emit/op_kuramoto.cpp",
         find="ParamDecl::Init::Omega, a.omega_init, a.omega_learned)", count=2,
         replace="ParamDecl::Init::Omega, a.omega_init, true)", tests=_MODEL),
    dict(id="steps-override-ignored", what="test-time extension ignored: inference always runs the trained T",
         file="compiler/emit/op_kuramoto.cpp",
         find='w.line("const int T = steps > 0 ? steps : " + S(s.T) + ";");',
         replace='w.line("const int T = " + S(s.T) + ";");', tests=_MODEL + "|" + _EMU_KERNELS),
    # ---- energy voting (task): keep the first copy instead of the lowest-energy one
    dict(id="vote-first-copy", what="energy voting keeps the first copy, not the lowest-energy one",
         file="runtime/include/akorn/sudoku_task.hpp",
         find="if (k == 0 || score < best_score) {", replace="if (k == 0) {",
         tests=r"^task\.sudoku_cli$|^cuda_emu\.sudoku-small\.infer$"),
]
