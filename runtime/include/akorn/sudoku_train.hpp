// Training on Sudoku boards (spec §5 recipe): Adam, clipping to global norm 1, an EMA of the
// weights (decay 0.995, updated every 10 steps after step 100, a copy of the weights before
// that; see ema_update for the decay's warm-up), shuffled epochs, a CSV log of every metric,
// atomic checkpoints.
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
#include "sudoku_task.hpp"

namespace akorn::sudoku {

struct TrainConfig {
  std::string data, eval_data, out;
  int epochs = 100, batch = 100, eval_every = 10, eval_limit = 1000;
  double lr = 1e-3, clip = 1.0, ema_decay = 0.995;
  int ema_every = 10, ema_after = 100;
  std::uint64_t seed = 0;
  long limit = 0, max_steps = 0, ckpt_every = 0;  // 0: all boards / all steps / once an epoch
  bool resume = false, quiet = false;
};

// The permutation of the training boards in one epoch.
inline std::vector<std::uint32_t> epoch_order(size_t n, std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::uint32_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = static_cast<std::uint32_t>(i);
  Rng rng(splitmix64(seed ^ (0xA5A5A5A5ull + epoch * 0x9E3779B97F4A7C15ull)));
  for (size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.next() % i]);
  return perm;
}

template <class Spec>
struct Trainer {
  using M = typename Spec::template ModelT<float>;
  TrainConfig cfg;
  Boards data;
  Interface<Spec> io;
  std::vector<float> params, grads, ema, arena;
  Adam<float> adam;
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
    tf.put_u64("state", {step, static_cast<std::uint64_t>(adam.t), cfg.seed, static_cast<std::uint64_t>(cfg.batch),
                         static_cast<std::uint64_t>(cfg.limit), static_cast<std::uint64_t>(cfg.epochs)});
    std::vector<std::uint64_t> lrbits(1);
    std::memcpy(lrbits.data(), &cfg.lr, 8);
    tf.put_u64("lr_bits", lrbits);
    for (int i = 0; i < Spec::num_params; ++i) {
      const ParamInfo& p = Spec::params[i];
      std::vector<std::int64_t> shape(p.shape, p.shape + p.rank);
      tf.put_f32(p.name, params.data() + p.offset, shape);
      tf.put_f32(std::string("ema.") + p.name, ema.data() + p.offset, shape);
      if (!adam.m.empty()) {
        tf.put_f32(std::string("adam.m.") + p.name, adam.m.data() + p.offset, shape);
        tf.put_f32(std::string("adam.v.") + p.name, adam.v.data() + p.offset, shape);
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
    step = st[0];
    adam.t = static_cast<std::int64_t>(st[1]);
    if (adam.t > 0) {
      adam.m.assign(params.size(), 0.f);
      adam.v.assign(params.size(), 0.f);
      load_params_from<Spec>(tf, ckpt_path, "adam.m.", adam.m.data());
      load_params_from<Spec>(tf, ckpt_path, "adam.v.", adam.v.data());
    }
  }

  // Keeps the log's lines up to the checkpointed step (an interrupted run may have
  // logged steps past its last checkpoint).
  void trim_log() {
    std::ifstream f(log_path);
    if (!f.good()) return;
    std::string line, kept;
    bool header = true;
    while (std::getline(f, line)) {
      if (header) {
        kept += line + "\n";
        header = false;
        continue;
      }
      std::uint64_t s = std::strtoull(line.c_str(), nullptr, 10);
      if (s <= step) kept += line + "\n";
    }
    f.close();
    write_file_atomic(log_path, kept.data(), kept.size());
  }

  // The reference trains with ema_pytorch's EMA(beta, update_every=10, update_after_step=100)
  // whose defaults also warm the decay up: decay = min(beta, 1 - (1 + e)^(-2/3)) with e the
  // number of steps past update_after_step, so the average follows the weights closely early
  // on and settles at beta after ~2,800 steps. Call k (0-based) = optimiser steps taken
  // before this one: only every `ema_every`-th call acts; up to step `ema_after` it copies.
  void ema_update() {
    const std::uint64_t k = step - 1;
    if (k % static_cast<std::uint64_t>(cfg.ema_every) != 0) return;
    if (k <= static_cast<std::uint64_t>(cfg.ema_after)) {
      ema = params;
      return;
    }
    const double e = static_cast<double>(k - static_cast<std::uint64_t>(cfg.ema_after));
    const float d = static_cast<float>(std::min(cfg.ema_decay, 1.0 - std::pow(1.0 + e, -2.0 / 3.0)));
    for (size_t i = 0; i < ema.size(); ++i) ema[i] = d * ema[i] + (1.f - d) * params[i];
  }

  Accuracy evaluate(const Boards& ev) {
    Runner<Spec> r(std::min<int>(cfg.batch, 256));
    r.params = ema;
    Prediction pr = r.predict(ev.puzzles.data(), ev.count, 0, 1, false, cfg.seed + 1000003);
    return score(ev, pr);
  }

  int run() {
    data = load_boards(cfg.data, static_cast<size_t>(cfg.limit));
    AKORN_CHECK(static_cast<size_t>(cfg.batch) <= data.count,
                cfg.data + ": has " + std::to_string(data.count) + " boards, fewer than --batch " + std::to_string(cfg.batch));
    Boards ev;
    if (!cfg.eval_data.empty()) ev = load_boards(cfg.eval_data, static_cast<size_t>(cfg.eval_limit));
    make_dirs(cfg.out);
    params.assign(static_cast<size_t>(Spec::param_elems), 0.f);
    grads.assign(params.size(), 0.f);
    ema.assign(params.size(), 0.f);
    arena.assign(static_cast<size_t>(M::arena_elems(cfg.batch)), 0.f);
    adam.lr = cfg.lr;
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
      log << "step,epoch,loss,train_cell_acc,train_board_acc,grad_norm,boards_per_s,eval_board_acc,eval_cell_acc\n";
    }
    M model(params.data(), grads.data(), arena.data(), cfg.batch);
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
        std::copy(data.puzzle(idx), data.puzzle(idx) + kCells, boards.begin() + b * kCells);
        std::copy(data.solution(idx), data.solution(idx) + kCells, sols.begin() + b * kCells);
      }
      std::vector<const void*> iptr(Spec::num_inputs, nullptr);
      iptr[io.board] = boards.data();
      iptr[io.solution] = sols.data();
      std::vector<float*> optr(Spec::num_outputs, nullptr);
      optr[io.logits] = logits.data();
      const float loss = model.train_forward(cfg.batch, Spec::template inputs_from<float>(iptr.data()),
                                             Spec::template outputs_from<float>(optr.data()),
                                             splitmix64(cfg.seed * 0x100000001B3ull + step), 0);
      AKORN_CHECK(std::isfinite(loss), "training diverged: loss is " + std::to_string(loss) + " at step " + std::to_string(step));
      model.train_backward();
      const double gnorm = clip_grad_norm<float>(Spec::params, Spec::num_params, grads.data(), cfg.clip);
      adam.step(Spec::params, Spec::num_params, Spec::param_elems, params.data(), grads.data());
      ++step;
      ema_update();
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
      std::string ev_board, ev_cell;
      const bool end_of_epoch = step % spe == 0;
      if (ev.count > 0 && end_of_epoch && cfg.eval_every > 0 && (step / spe) % cfg.eval_every == 0) {
        Accuracy a = evaluate(ev);
        char b1[32], b2[32];
        std::snprintf(b1, sizeof b1, "%.2f", a.board_acc());
        std::snprintf(b2, sizeof b2, "%.2f", a.cell_acc());
        ev_board = b1;
        ev_cell = b2;
        if (!cfg.quiet)
          std::fprintf(stderr, "%sepoch %llu: eval (EMA) board accuracy %.2f%%, cell accuracy %.2f%% on %zu boards of %s\n",
                       tty ? "\n" : "", static_cast<unsigned long long>(step / spe), a.board_acc(), a.cell_acc(), ev.count,
                       cfg.eval_data.c_str());
      }
      char line[256];
      std::snprintf(line, sizeof line, "%llu,%llu,%.6f,%.4f,%.4f,%.4f,%.1f,%s,%s\n", static_cast<unsigned long long>(step),
                    static_cast<unsigned long long>(epoch), static_cast<double>(loss), 100.0 * right / std::max<size_t>(cells, 1),
                    100.0 * solved / cfg.batch, gnorm, bps, ev_board.c_str(), ev_cell.c_str());
      log << line;
      log.flush();
      if (step % ckpt_every == 0 || step == total) save_checkpoint();
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
