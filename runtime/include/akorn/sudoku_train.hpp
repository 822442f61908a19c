// Training on Sudoku boards (spec §5 recipe): Adam, clipping to global norm 1, an EMA of the
// weights (decay 0.995, updated every 10 steps after step 100, a copy of the weights before
// that; see ema_update for the decay's warm-up), shuffled epochs, a CSV log of every metric,
// atomic checkpoints. Two options of ours beside the reference's recipe: Sudoku-symmetry
// augmentation (--augment, sudoku_augment.hpp) and a validation part held out of the
// training file (--holdout N: its last N boards are evaluated, never trained on).
//
// Everything random derives from (seed, epoch) and (seed, step), and every kernel is
// deterministic, so a run resumed from a checkpoint gives the same losses as one that never
// stopped.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "files.hpp"
#include "sudoku_augment.hpp"
#include "sudoku_task.hpp"
#include "train_step.hpp"

namespace akorn::sudoku {

struct TrainConfig {
  std::string data, eval_data, out;
  int epochs = 100, batch = 100, eval_every = 10, eval_limit = 1000;
  double lr = 1e-3, clip = 1.0, ema_decay = 0.995;
  int ema_every = 10, ema_after = 100;
  std::uint64_t seed = 0;
  long limit = 0, max_steps = 0, ckpt_every = 0;  // 0: all boards / all steps / once an epoch
  long holdout = 0;      // the last `holdout` boards of `data` are the validation set
  bool augment = false;  // a random Sudoku symmetry applied to every training board
  bool resume = false, quiet = false;
  bool cuda_graph = true;  // CUDA backend: replay each step as one CUDA graph
};

// The permutation of the training boards in one epoch.
inline std::vector<std::uint32_t> epoch_order(size_t n, std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::uint32_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = static_cast<std::uint32_t>(i);
  Rng rng(splitmix64(seed ^ (0xA5A5A5A5ull + epoch * 0x9E3779B97F4A7C15ull)));
  for (size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.next() % i]);
  return perm;
}

template <class Spec, class Be = CpuBackend>
struct Trainer {
  TrainConfig cfg;
  Boards data;
  Interface<Spec> io;
  // Host copies of the state, for checkpoints; the step engine holds the live state (on the
  // GPU for the CUDA backend).
  std::vector<float> params, ema, adam_m, adam_v;
  std::int64_t adam_t = 0;
  std::uint64_t step = 0;
  std::string ckpt_path, log_path, weights_path;

  explicit Trainer(const TrainConfig& c) : cfg(c) {
    io.require(true);
    ckpt_path = cfg.out + "/checkpoint.ckpt";
    log_path = cfg.out + "/log.csv";
    weights_path = cfg.out + "/weights.akw";
  }

  size_t steps_per_epoch() const { return std::max<size_t>(1, data.count / static_cast<size_t>(cfg.batch)); }
  std::uint64_t total_steps() const {
    std::uint64_t t = static_cast<std::uint64_t>(cfg.epochs) * steps_per_epoch();
    return cfg.max_steps > 0 ? std::min<std::uint64_t>(t, static_cast<std::uint64_t>(cfg.max_steps)) : t;
  }

  void save_checkpoint() {
    TensorFile tf;
    tf.put_string("meta.model", Spec::name);
    tf.put_string("meta.data", cfg.data);
    tf.put_u64("state", {step, static_cast<std::uint64_t>(adam_t), cfg.seed, static_cast<std::uint64_t>(cfg.batch),
                         static_cast<std::uint64_t>(cfg.limit), static_cast<std::uint64_t>(cfg.epochs)});
    std::vector<std::uint64_t> lrbits(1);
    std::memcpy(lrbits.data(), &cfg.lr, 8);
    tf.put_u64("lr_bits", lrbits);
    tf.put_u64("train_opts", {cfg.augment ? 1u : 0u, static_cast<std::uint64_t>(cfg.holdout)});
    for (int i = 0; i < Spec::num_params; ++i) {
      const ParamInfo& p = Spec::params[i];
      std::vector<std::int64_t> shape(p.shape, p.shape + p.rank);
      tf.put_f32(p.name, params.data() + p.offset, shape);
      tf.put_f32(std::string("ema.") + p.name, ema.data() + p.offset, shape);
      if (adam_t > 0) {
        tf.put_f32(std::string("adam.m.") + p.name, adam_m.data() + p.offset, shape);
        tf.put_f32(std::string("adam.v.") + p.name, adam_v.data() + p.offset, shape);
      }
    }
    write_tensor_file(ckpt_path, tf);
  }

  void load_checkpoint() {
    TensorFile tf = read_tensor_file(ckpt_path);
    load_params_from<Spec>(tf, ckpt_path, "", params.data());
    load_params_from<Spec>(tf, ckpt_path, "ema.", ema.data());
    auto st = tf.get_u64(ckpt_path, "state");
    AKORN_CHECK(st.size() == 6, ckpt_path + ": tensor 'state' has " + std::to_string(st.size()) + " values, expected 6");
    auto lrbits = tf.get_u64(ckpt_path, "lr_bits");
    AKORN_CHECK(lrbits.size() == 1, ckpt_path + ": tensor 'lr_bits' is malformed");
    double lr;
    std::memcpy(&lr, lrbits.data(), 8);
    AKORN_CHECK(st[2] == cfg.seed && st[3] == static_cast<std::uint64_t>(cfg.batch) && lr == cfg.lr &&
                    st[4] == static_cast<std::uint64_t>(cfg.limit),
                ckpt_path + ": was written with seed " + std::to_string(st[2]) + ", batch " + std::to_string(st[3]) +
                    ", limit " + std::to_string(st[4]) + ", lr " + std::to_string(lr) +
                    "; resume with the same --seed, --batch, --limit and --lr");
    // Checkpoints written before --augment / --holdout existed have no train_opts: neither.
    std::vector<std::uint64_t> opts = {0, 0};
    if (tf.has("train_opts")) opts = tf.get_u64(ckpt_path, "train_opts");
    AKORN_CHECK(opts.size() == 2, ckpt_path + ": tensor 'train_opts' is malformed");
    AKORN_CHECK(opts[0] == (cfg.augment ? 1u : 0u) && opts[1] == static_cast<std::uint64_t>(cfg.holdout),
                ckpt_path + ": was written with --augment " + (opts[0] ? "yes" : "no") + " and --holdout " +
                    std::to_string(opts[1]) + "; resume with the same");
    step = st[0];
    adam_t = static_cast<std::int64_t>(st[1]);
    std::fill(adam_m.begin(), adam_m.end(), 0.f);
    std::fill(adam_v.begin(), adam_v.end(), 0.f);
    if (adam_t > 0) {
      load_params_from<Spec>(tf, ckpt_path, "adam.m.", adam_m.data());
      load_params_from<Spec>(tf, ckpt_path, "adam.v.", adam_v.data());
    }
  }

  // eval_*: the EMA weights (what training ships); eval_last_*: the weights of the last
  // step. With the reference's EMA (0.995 every 10 steps, a horizon of ~2000 steps) the EMA
  // lags the online weights by many epochs while the model still improves fast.
  static constexpr const char* kLogHeader =
      "step,epoch,loss,train_cell_acc,train_board_acc,grad_norm,boards_per_s,eval_board_acc,eval_cell_acc,"
      "eval_last_board_acc,eval_last_cell_acc\n";

  // Keeps the log's lines up to the checkpointed step (an interrupted run may have
  // logged steps past its last checkpoint).
  void trim_log() {
    std::ifstream f(log_path);
    if (!f.good()) return;
    std::string line, kept;
    bool header = true;
    // A log written before the eval_last_* columns existed gets today's header and its
    // lines the missing (empty) fields, so that every line has every column.
    const std::string want(kLogHeader, std::strlen(kLogHeader) - 1);
    const auto fields = [](const std::string& l) { return std::count(l.begin(), l.end(), ',') + 1; };
    const auto columns = fields(want);
    while (std::getline(f, line)) {
      if (header) {
        AKORN_CHECK(want.compare(0, line.size(), line) == 0,
                    log_path + ": its header is not a training log's (" + line.substr(0, 80) + ")");
        kept += want + "\n";
        header = false;
        continue;
      }
      std::uint64_t s = std::strtoull(line.c_str(), nullptr, 10);
      if (s <= step) kept += line + std::string(static_cast<size_t>(std::max<long>(0, columns - fields(line))), ',') + "\n";
    }
    f.close();
    write_file_atomic(log_path, kept.data(), kept.size());
  }

  Accuracy evaluate(const Boards& ev, const float* weights) {
    Runner<Spec, Be> r(std::min<int>(cfg.batch, 256));
    r.set_params(weights);
    Prediction pr = r.predict(ev.puzzles.data(), ev.count, 0, 1, false, cfg.seed + 1000003);
    return score(ev, pr);
  }

  int run() {
    data = load_boards(cfg.data, static_cast<size_t>(cfg.limit));
    Boards ev;
    if (cfg.holdout > 0) {
      AKORN_CHECK(cfg.eval_data.empty(), "--holdout and --eval-data both name the validation set: give one");
      AKORN_CHECK(static_cast<size_t>(cfg.holdout) < data.count,
                  cfg.data + ": has " + std::to_string(data.count) + " boards, not more than --holdout " +
                      std::to_string(cfg.holdout));
      ev = split_off_last(data, static_cast<size_t>(cfg.holdout));
      if (ev.count > static_cast<size_t>(cfg.eval_limit)) ev = split_off_last(ev, static_cast<size_t>(cfg.eval_limit));
    } else if (!cfg.eval_data.empty()) {
      ev = load_boards(cfg.eval_data, static_cast<size_t>(cfg.eval_limit));
    }
    AKORN_CHECK(static_cast<size_t>(cfg.batch) <= data.count,
                cfg.data + ": has " + std::to_string(data.count) + " training boards, fewer than --batch " +
                    std::to_string(cfg.batch));
    make_dirs(cfg.out);
    params.assign(static_cast<size_t>(Spec::param_elems), 0.f);
    ema.assign(params.size(), 0.f);
    adam_m.assign(params.size(), 0.f);
    adam_v.assign(params.size(), 0.f);
    if (cfg.resume) {
      AKORN_CHECK(path_exists(ckpt_path), ckpt_path + ": no checkpoint to resume from");
      load_checkpoint();
      trim_log();
    } else {
      AKORN_CHECK(!path_exists(ckpt_path), ckpt_path + ": exists; pass --resume to continue that run or choose another --out");
      init_params<float>(Spec::params, Spec::num_params, params.data(), cfg.seed);
      ema = params;
      std::ofstream log(log_path);
      AKORN_CHECK(log.good(), log_path + ": cannot write");
      log << kLogHeader;
    }
    StepConfig sc;
    sc.batch = cfg.batch;
    sc.lr = cfg.lr;
    sc.clip = cfg.clip;
    sc.ema_decay = cfg.ema_decay;
    sc.ema_every = cfg.ema_every;
    sc.ema_after = cfg.ema_after;
    sc.cuda_graph = cfg.cuda_graph;
    TrainStep<Spec, Be> engine(sc);
    if (!cfg.quiet)
      std::fprintf(stderr, "training %s on %s: %zu boards%s, batch %d, %llu steps%s\n", Spec::name, Be::describe().c_str(),
                   data.count, cfg.augment ? " (symmetry-augmented)" : "", cfg.batch,
                   static_cast<unsigned long long>(total_steps()),
                   cfg.holdout > 0 ? (", validating on the last " + std::to_string(ev.count) + " boards of the file").c_str() : "");
    engine.set_state(params.data(), ema.data(), adam_m.data(), adam_v.data(), adam_t);
    auto save = [&] {
      engine.get_state(params.data(), ema.data(), adam_m.data(), adam_v.data(), &adam_t);
      save_checkpoint();
    };
    const std::uint64_t total = total_steps(), spe = steps_per_epoch();
    const std::uint64_t ckpt_every = cfg.ckpt_every > 0 ? static_cast<std::uint64_t>(cfg.ckpt_every) : spe;
    std::vector<std::int32_t> boards(static_cast<size_t>(cfg.batch) * kCells), sols(boards.size());
    std::vector<float> logits(static_cast<size_t>(cfg.batch) * kCells * 9);
    std::ofstream log(log_path, std::ios::app);
    auto t_start = std::chrono::steady_clock::now();
    const std::uint64_t first = step;
    std::uint64_t cached_epoch = ~0ull;
    std::vector<std::uint32_t> perm;
    const bool tty = isatty(2);
    while (step < total) {
      const std::uint64_t epoch = step / spe, j = step % spe;
      if (epoch != cached_epoch) {
        perm = epoch_order(data.count, cfg.seed, epoch);
        cached_epoch = epoch;
      }
      for (int b = 0; b < cfg.batch; ++b) {
        size_t idx = perm[j * cfg.batch + b];
        if (cfg.augment) {
          const BoardSymmetry sym = training_symmetry(cfg.seed, step, static_cast<std::uint64_t>(b));
          sym.apply(data.puzzle(idx), boards.data() + b * kCells);
          sym.apply(data.solution(idx), sols.data() + b * kCells);
        } else {
          std::copy(data.puzzle(idx), data.puzzle(idx) + kCells, boards.begin() + b * kCells);
          std::copy(data.solution(idx), data.solution(idx) + kCells, sols.begin() + b * kCells);
        }
      }
      std::vector<const void*> iptr(Spec::num_inputs, nullptr);
      iptr[io.board] = boards.data();
      iptr[io.solution] = sols.data();
      std::vector<float*> optr(Spec::num_outputs, nullptr);
      optr[io.logits] = logits.data();
      double gnorm = 0.0;
      const float loss = engine.step(iptr.data(), optr.data(), splitmix64(cfg.seed * 0x100000001B3ull + step), 0, &gnorm);
      AKORN_CHECK(std::isfinite(loss), "training diverged: loss is " + std::to_string(loss) + " at step " + std::to_string(step));
      ++step;
      // metrics on this batch (blank cells)
      size_t cells = 0, right = 0, solved = 0;
      for (int b = 0; b < cfg.batch; ++b) {
        bool all = true;
        for (int c = 0; c < kCells; ++c) {
          if (boards[b * kCells + c] != 0) continue;
          const float* lg = logits.data() + (b * kCells + c) * 9;
          int arg = static_cast<int>(std::max_element(lg, lg + 9) - lg);
          bool ok = arg + 1 == sols[b * kCells + c];
          ++cells;
          right += ok;
          all = all && ok;
        }
        solved += all;
      }
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
      const double bps = (step - first) * cfg.batch / std::max(elapsed, 1e-9);
      std::string ev_board, ev_cell, ev_last_board, ev_last_cell;
      const bool end_of_epoch = step % spe == 0;
      if (ev.count > 0 && end_of_epoch && cfg.eval_every > 0 && (step / spe) % cfg.eval_every == 0) {
        engine.get_state(params.data(), ema.data(), adam_m.data(), adam_v.data(), &adam_t);
        const Accuracy a = evaluate(ev, ema.data()), l = evaluate(ev, params.data());
        const auto pct = [](double v) {
          char b[32];
          std::snprintf(b, sizeof b, "%.2f", v);
          return std::string(b);
        };
        ev_board = pct(a.board_acc());
        ev_cell = pct(a.cell_acc());
        ev_last_board = pct(l.board_acc());
        ev_last_cell = pct(l.cell_acc());
        if (!cfg.quiet)
          std::fprintf(stderr,
                       "%sepoch %llu on %zu boards of %s: EMA weights board accuracy %.2f%%, cell accuracy %.2f%%; "
                       "last weights %.2f%%, %.2f%%\n",
                       tty ? "\n" : "", static_cast<unsigned long long>(step / spe), ev.count,
                       cfg.holdout > 0 ? ("the held-out part of " + cfg.data).c_str() : cfg.eval_data.c_str(),
                       a.board_acc(), a.cell_acc(), l.board_acc(), l.cell_acc());
      }
      char line[256];
      std::snprintf(line, sizeof line, "%llu,%llu,%.6f,%.4f,%.4f,%.4f,%.1f,%s,%s,%s,%s\n", static_cast<unsigned long long>(step),
                    static_cast<unsigned long long>(epoch), static_cast<double>(loss), 100.0 * right / std::max<size_t>(cells, 1),
                    100.0 * solved / cfg.batch, gnorm, bps, ev_board.c_str(), ev_cell.c_str(), ev_last_board.c_str(),
                    ev_last_cell.c_str());
      log << line;
      log.flush();
      if (step % ckpt_every == 0 || step == total) save();
      if (!cfg.quiet) {
        const double eta = (total - step) * cfg.batch / std::max(bps, 1e-9);
        const int width = 30;
        const int fill = static_cast<int>(width * step / total);
        std::string bar(static_cast<size_t>(fill), '#');
        bar += std::string(static_cast<size_t>(width - fill), '.');
        if (tty || step % std::max<std::uint64_t>(1, total / 20) == 0 || step == total)
          std::fprintf(stderr, "%s[%s] step %llu/%llu epoch %llu loss %.4f cell acc %.1f%% %.0f boards/s, %.0f s left%s",
                       tty ? "\r" : "", bar.c_str(), static_cast<unsigned long long>(step),
                       static_cast<unsigned long long>(total), static_cast<unsigned long long>(epoch),
                       static_cast<double>(loss), 100.0 * right / std::max<size_t>(cells, 1), bps, eta, tty ? "" : "\n");
      }
    }
    if (!cfg.quiet && tty) std::fprintf(stderr, "\n");
    engine.get_state(params.data(), ema.data(), adam_m.data(), adam_v.data(), &adam_t);
    save_weights<Spec>(weights_path, ema.data(), "EMA weights after " + std::to_string(step) + " steps");
    // The EMA trails the weights by ~ema_every/(1-decay) steps: for a short run the last
    // weights are the better model, so they are written too.
    const std::string last_path = cfg.out + "/weights-last.akw";
    save_weights<Spec>(last_path, params.data(), "weights after " + std::to_string(step) + " steps");
    if (!cfg.quiet)
      std::fprintf(stderr, "wrote %s (EMA weights), %s (last weights), %s, %s\n", weights_path.c_str(), last_path.c_str(),
                   ckpt_path.c_str(), log_path.c_str());
    return 0;
  }
};

}  // namespace akorn::sudoku
