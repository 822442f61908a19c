// The training loop of any model (spec §5 recipe): shuffled epochs, one TrainStep a batch
// (forward, backward, clipping to global norm, Adam, EMA of the weights), a CSV log of every
// metric, validation of the EMA and the last weights, atomic checkpoints that --resume
// continues bit for bit, and the weights at the end. A task (tasks/<name>/train.hpp) says
// what a sample is:
//
//   struct Task {
//     static constexpr const char* kSample;       // "boards": log column <kSample>_per_s, messages
//     static constexpr int kViews;                 // optional (default 1): model samples per
//                                                  // training item (contrastive views, adjacent)
//     std::vector<std::string> batch_columns();   // log columns of a batch's metrics
//     std::vector<std::string> eval_columns();    // log columns of a validation
//     size_t count();                             // training items (samples, or images of kViews views)
//     std::string describe();                     // "8500 boards (symmetry-augmented)"
//     std::string eval_note();                    // ", validating on ..." or ""
//     std::string data_name();                    // checkpoint's meta.data
//     // the step's items idx[0..items) of the epoch's order (items = batch / kViews) -> host
//     // inputs of the batch's `batch` model samples
//     void make_batch(const std::uint32_t* idx, int items, std::uint64_t step, const void** inputs, float** outputs);
//     std::vector<std::string> batch_metrics(int batch);  // after the step (outputs filled)
//     std::string progress();                     // "cell acc 69.7%" for the progress line
//     bool can_validate();
//     // eval_columns' values for the EMA and the last weights, and a line for the console
//     std::vector<std::string> validate(const float* ema, const float* last, std::uint64_t epoch, std::string& message);
//     std::vector<std::uint64_t> options();      // checkpoint's train_opts: resume needs the same
//     std::string options_mismatch(const std::vector<std::uint64_t>& saved);  // "" when they agree
//   };
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
#include <string>
#include <type_traits>
#include <vector>

#include "akorn/precision.hpp"
#include "akorn/files.hpp"
#include "akorn/init.hpp"
#include "akorn/rng.hpp"
#include "akorn/tensor_file.hpp"
#include "akorn/train_step.hpp"
#include "akorn/weights.hpp"

namespace akorn {

struct TrainConfig {
  std::string out;  // checkpoint.ckpt, log.csv, weights.akw, weights-last.akw
  int epochs = 100, batch = 100, eval_every = 10;
  double lr = 1e-3, clip = 1.0, ema_decay = 0.995;
  int ema_every = 10, ema_after = 100;
  std::uint64_t seed = 0;
  long limit = 0, max_steps = 0, ckpt_every = 0;  // 0: all samples / all steps / once an epoch
  bool resume = false, quiet = false;
  bool cuda_graph = true;  // CUDA backend: replay each step as one CUDA graph
};

// The permutation of the training samples in one epoch.
inline std::vector<std::uint32_t> epoch_order(size_t n, std::uint64_t seed, std::uint64_t epoch) {
  std::vector<std::uint32_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = static_cast<std::uint32_t>(i);
  Rng rng(splitmix64(seed ^ (0xA5A5A5A5ull + epoch * 0x9E3779B97F4A7C15ull)));
  for (size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.next() % i]);
  return perm;
}

// Task::kViews when the task has it, else 1.
template <class Task, class = void>
struct TaskViews {
  static constexpr int value = 1;
};
template <class Task>
struct TaskViews<Task, std::void_t<decltype(Task::kViews)>> {
  static constexpr int value = Task::kViews;
};

// What a checkpoint holds (Trainer::save_checkpoint writes it), read and checked for its
// own consistency; the Trainer then checks it against the run's flags.
template <class Spec>
struct CheckpointState {
  std::vector<float> params, ema, adam_m, adam_v;  // Spec::param_elems each (Adam's zero before its first step)
  std::uint64_t step = 0, seed = 0, batch = 0, limit = 0, epochs = 0;
  std::int64_t adam_t = 0;
  double lr = 0;
  std::vector<std::uint64_t> options;  // the task's train_opts (all zero when the file predates them)
  Precision precision = Precision::Fp32;
};

// `n_options`: how many train_opts the task has.
template <class Spec>
CheckpointState<Spec> parse_checkpoint(const TensorFile& tf, const std::string& path, size_t n_options) {
  CheckpointState<Spec> ck;
  const size_t n = static_cast<size_t>(Spec::param_elems);
  ck.params.assign(n, 0.f);
  ck.ema.assign(n, 0.f);
  ck.adam_m.assign(n, 0.f);
  ck.adam_v.assign(n, 0.f);
  load_params_from<Spec>(tf, path, "", ck.params.data());
  load_params_from<Spec>(tf, path, "ema.", ck.ema.data());
  auto st = tf.get_u64(path, "state");
  AKORN_CHECK(st.size() == 6, path + ": tensor 'state' has " + std::to_string(st.size()) + " values, expected 6");
  auto lrbits = tf.get_u64(path, "lr_bits");
  AKORN_CHECK(lrbits.size() == 1, path + ": tensor 'lr_bits' is malformed");
  std::memcpy(&ck.lr, lrbits.data(), 8);
  ck.step = st[0];
  AKORN_CHECK(st[1] <= st[0], path + ": tensor 'state' has " + std::to_string(st[1]) + " Adam steps in " +
                                  std::to_string(st[0]) + " training steps");
  ck.adam_t = static_cast<std::int64_t>(st[1]);
  ck.seed = st[2];
  ck.batch = st[3];
  ck.limit = st[4];
  ck.epochs = st[5];
  // Checkpoints written before the task's options existed have no train_opts: the
  // task's defaults (all zero).
  ck.options.assign(n_options, 0);
  if (tf.has("train_opts")) ck.options = tf.get_u64(path, "train_opts");
  AKORN_CHECK(ck.options.size() == n_options, path + ": tensor 'train_opts' is malformed");
  // the GEMM precision (checkpoints from before --precision existed: fp32)
  if (tf.has("precision")) {
    auto pr = tf.get_u64(path, "precision");
    AKORN_CHECK(pr.size() == 1 && pr[0] <= 1, path + ": tensor 'precision' is malformed");
    ck.precision = pr[0] == 1 ? Precision::Bf16 : Precision::Fp32;
  }
  if (ck.adam_t > 0) {
    load_params_from<Spec>(tf, path, "adam.m.", ck.adam_m.data());
    load_params_from<Spec>(tf, path, "adam.v.", ck.adam_v.data());
  }
  return ck;
}

template <class Spec, class Be, class Task>
struct Trainer {
  static constexpr int kViews = TaskViews<Task>::value;
  TrainConfig cfg;
  Task& task;
  // Host copies of the state, for checkpoints; the step engine holds the live state (on the
  // GPU for the CUDA backend).
  std::vector<float> params, ema, adam_m, adam_v;
  std::int64_t adam_t = 0;
  std::uint64_t step = 0;
  std::string ckpt_path, log_path, weights_path;

  Trainer(const TrainConfig& c, Task& t) : cfg(c), task(t) {
    AKORN_CHECK(Spec::trainable, std::string(Spec::name) + " has no loss: nothing to train");
    ckpt_path = cfg.out + "/checkpoint.ckpt";
    log_path = cfg.out + "/log.csv";
    weights_path = cfg.out + "/weights.akw";
  }

  // Items (training samples, or images of kViews views each) per step.
  int items_per_step() const { return cfg.batch / kViews; }
  size_t steps_per_epoch() const { return std::max<size_t>(1, task.count() / static_cast<size_t>(items_per_step())); }
  std::uint64_t total_steps() const {
    std::uint64_t t = static_cast<std::uint64_t>(cfg.epochs) * steps_per_epoch();
    return cfg.max_steps > 0 ? std::min<std::uint64_t>(t, static_cast<std::uint64_t>(cfg.max_steps)) : t;
  }

  // eval_*: the EMA weights (what training ships); eval_last_*: the weights of the last
  // step. With the reference's EMA (0.995 every 10 steps, a horizon of ~2000 steps) the EMA
  // lags the online weights by many epochs while the model still improves fast.
  std::string log_header() const {
    std::string h = "step,epoch,loss";
    for (const std::string& c : task.batch_columns()) h += "," + c;
    h += std::string(",grad_norm,") + Task::kSample + "_per_s";
    for (const std::string& c : task.eval_columns()) h += "," + c;
    return h;
  }

  void save_checkpoint() {
    TensorFile tf;
    tf.put_string("meta.model", Spec::name);
    tf.put_string("meta.data", task.data_name());
    tf.put_u64("state", {step, static_cast<std::uint64_t>(adam_t), cfg.seed, static_cast<std::uint64_t>(cfg.batch),
                         static_cast<std::uint64_t>(cfg.limit), static_cast<std::uint64_t>(cfg.epochs)});
    std::vector<std::uint64_t> lrbits(1);
    std::memcpy(lrbits.data(), &cfg.lr, 8);
    tf.put_u64("lr_bits", lrbits);
    tf.put_u64("train_opts", task.options());
    tf.put_u64("precision", {gemm_precision() == Precision::Bf16 ? 1u : 0u});
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
    CheckpointState<Spec> ck = parse_checkpoint<Spec>(read_tensor_file(ckpt_path), ckpt_path, task.options().size());
    AKORN_CHECK(ck.seed == cfg.seed && ck.batch == static_cast<std::uint64_t>(cfg.batch) && ck.lr == cfg.lr &&
                    ck.limit == static_cast<std::uint64_t>(cfg.limit),
                ckpt_path + ": was written with seed " + std::to_string(ck.seed) + ", batch " + std::to_string(ck.batch) +
                    ", limit " + std::to_string(ck.limit) + ", lr " + std::to_string(ck.lr) +
                    "; resume with the same --seed, --batch, --limit and --lr");
    const std::string mismatch = task.options_mismatch(ck.options);
    AKORN_CHECK(mismatch.empty(), ckpt_path + ": was written with " + mismatch + "; resume with the same");
    AKORN_CHECK(ck.precision == gemm_precision(),
                ckpt_path + ": was written with --precision " + precision_name(ck.precision) +
                    "; resume with the same (this run has --precision " + precision_name(gemm_precision()) + ")");
    step = ck.step;
    adam_t = ck.adam_t;
    params = std::move(ck.params);
    ema = std::move(ck.ema);
    adam_m = std::move(ck.adam_m);
    adam_v = std::move(ck.adam_v);
  }

  // Keeps the log's lines up to the checkpointed step (an interrupted run may have logged
  // steps past its last checkpoint, the last of them cut short by a kill: a line without its
  // newline is dropped, or "12,0,5.3" cut to "1" would pass for step 1). A log written
  // before later columns existed (a prefix of today's header) gets today's header and its
  // lines the missing (empty) fields.
  void trim_log() {
    std::ifstream f(log_path);
    if (!f.good()) return;
    std::string line, kept;
    bool header = true;
    const std::string want = log_header();
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
      if (f.eof()) break;  // no newline: cut short
      std::uint64_t s = std::strtoull(line.c_str(), nullptr, 10);
      if (s <= step) kept += line + std::string(static_cast<size_t>(std::max<long>(0, columns - fields(line))), ',') + "\n";
    }
    f.close();
    write_file_atomic(log_path, kept.data(), kept.size());
  }

  int run() {
    AKORN_CHECK(cfg.batch % kViews == 0, "--batch " + std::to_string(cfg.batch) + " must be a multiple of the " +
                                             std::to_string(kViews) + " views of each training item");
    AKORN_CHECK(static_cast<size_t>(items_per_step()) <= task.count(),
                task.data_name() + ": has " + std::to_string(task.count()) + " training " + Task::kSample + ", fewer than --batch " +
                    std::to_string(cfg.batch) + (kViews > 1 ? " / " + std::to_string(kViews) + " views" : std::string()));
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
      log << log_header() << "\n";
      AKORN_CHECK(log.flush().good(), log_path + ": write failed (disk full?)");
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
      std::fprintf(stderr, "training %s on %s: %s, batch %d, %llu steps%s\n", Spec::name, Be::describe().c_str(),
                   task.describe().c_str(), cfg.batch, static_cast<unsigned long long>(total_steps()),
                   task.eval_note().c_str());
    engine.set_state(params.data(), ema.data(), adam_m.data(), adam_v.data(), adam_t);
    auto save = [&] {
      engine.get_state(params.data(), ema.data(), adam_m.data(), adam_v.data(), &adam_t);
      save_checkpoint();
    };
    const std::uint64_t total = total_steps(), spe = steps_per_epoch();
    const std::uint64_t ckpt_every = cfg.ckpt_every > 0 ? static_cast<std::uint64_t>(cfg.ckpt_every) : spe;
    std::ofstream log(log_path, std::ios::app);
    auto t_start = std::chrono::steady_clock::now();
    const std::uint64_t first = step;
    std::uint64_t cached_epoch = ~0ull;
    std::vector<std::uint32_t> perm;
    const bool tty = isatty(2);
    while (step < total) {
      const std::uint64_t epoch = step / spe, j = step % spe;
      if (epoch != cached_epoch) {
        perm = epoch_order(task.count(), cfg.seed, epoch);
        cached_epoch = epoch;
      }
      std::vector<const void*> iptr(Spec::num_inputs, nullptr);
      std::vector<float*> optr(Spec::num_outputs, nullptr);
      task.make_batch(perm.data() + j * items_per_step(), items_per_step(), step, iptr.data(), optr.data());
      double gnorm = 0.0;
      const float loss = engine.step(iptr.data(), optr.data(), splitmix64(cfg.seed * 0x100000001B3ull + step), 0, &gnorm);
      AKORN_CHECK(std::isfinite(loss), "training diverged: loss is " + std::to_string(loss) + " at step " + std::to_string(step));
      ++step;
      const std::vector<std::string> metrics = task.batch_metrics(cfg.batch);
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
      const double sps = (step - first) * items_per_step() / std::max(elapsed, 1e-9);  // items (kSample) per second
      std::vector<std::string> ev(task.eval_columns().size());
      const bool end_of_epoch = step % spe == 0;
      if (task.can_validate() && end_of_epoch && cfg.eval_every > 0 && (step / spe) % cfg.eval_every == 0) {
        engine.get_state(params.data(), ema.data(), adam_m.data(), adam_v.data(), &adam_t);
        std::string message;
        ev = task.validate(ema.data(), params.data(), step / spe, message);
        if (!cfg.quiet) std::fprintf(stderr, "%s%s\n", tty ? "\n" : "", message.c_str());
      }
      char head[96], mid[64];
      std::snprintf(head, sizeof head, "%llu,%llu,%.6f", static_cast<unsigned long long>(step),
                    static_cast<unsigned long long>(epoch), static_cast<double>(loss));
      std::snprintf(mid, sizeof mid, ",%.4f,%.1f", gnorm, sps);
      std::string line = head;
      for (const std::string& m : metrics) line += "," + m;
      line += mid;
      for (const std::string& e : ev) line += "," + e;
      log << line << "\n";
      AKORN_CHECK(log.flush().good(), log_path + ": write failed (disk full?)");
      if (step % ckpt_every == 0 || step == total) save();
      if (!cfg.quiet) {
        const double eta = (total - step) * items_per_step() / std::max(sps, 1e-9);
        const int width = 30;
        const int fill = static_cast<int>(width * step / total);
        std::string bar(static_cast<size_t>(fill), '#');
        bar += std::string(static_cast<size_t>(width - fill), '.');
        if (tty || step % std::max<std::uint64_t>(1, total / 20) == 0 || step == total)
          std::fprintf(stderr, "%s[%s] step %llu/%llu epoch %llu loss %.4f %s %.0f %s/s, %.0f s left%s", tty ? "\r" : "",
                       bar.c_str(), static_cast<unsigned long long>(step), static_cast<unsigned long long>(total),
                       static_cast<unsigned long long>(epoch), static_cast<double>(loss), task.progress().c_str(), sps,
                       Task::kSample, eta, tty ? "" : "\n");
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

// The flags every task's `train` reads alike (the run's seed, length, checkpoints, output);
// a task's command reads its own data, batch and recipe around it. Args: cli::Args.
template <class Args>
void read_run_flags(const Args& a, TrainConfig& c) {
  c.seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  c.limit = a.get_int("limit", 0, 0, 100000000);
  c.max_steps = a.get_int("max-steps", 0, 0, 1L << 40);
  c.ckpt_every = a.get_int("ckpt-every", 0, 0, 1L << 40);
  c.resume = a.get_yes_no("resume", false);
  c.quiet = a.get_yes_no("quiet", false);
  c.cuda_graph = a.get_yes_no("cuda-graph", true);
}

}  // namespace akorn
